import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addParagraph, applyToString, replayedText, replayTrace, Typist } from '../trace';

describe('trace replay', () => {
  // The replays of the real traces (read from outside the repository) are checked where they
  // are used: `replayTrace` throws when a whole replay does not end on the trace's endContent.
  it('a whole replay that does not end on endContent is refused', () => {
    const trace = { name: 'wrong', startContent: '', endContent: 'abc', patches: [[0, 0, 'abd'] as [number, number, string]] };
    expect(() => replayTrace(trace as never)).toThrow(/did not reproduce its endContent/);
    const right = { ...trace, endContent: 'abd' };
    expect(replayedText(replayTrace(right as never).doc)).toBe('abd');
  });

  it('counts positions in code points, as the trace format defines', () => {
    const doc = new Y.Doc();
    const text = addParagraph(doc);
    const trace = {
      name: 'astral',
      startContent: '',
      endContent: 'a😀bc',
      patches: [[0, 0, 'a😀c'] as [number, number, string], [2, 0, 'b'] as [number, number, string]],
    };
    const typist = new Typist(trace as never, text);
    typist.type();
    typist.type();
    expect(text.toString()).toBe(applyToString('', trace.patches));
    expect(text.toString()).toBe('a😀bc');
  });

  it('a typist starts the trace again after its last keystroke', () => {
    const doc = new Y.Doc();
    const text = addParagraph(doc);
    const trace = {
      name: 'tiny',
      startContent: '',
      endContent: 'hi',
      patches: [[0, 0, 'h'] as [number, number, string], [1, 0, 'i'] as [number, number, string]],
    };
    const typist = new Typist(trace as never, text);
    typist.type();
    typist.type();
    expect(text.toString()).toBe('hi');
    typist.type();
    expect(text.toString()).toBe('h');
  });
});
