import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { addParagraph, applyToString, loadTrace, replayedText, replayTrace, SEQUENTIAL_TRACES, Typist } from '../trace';

describe('trace replay', () => {
  it.each(SEQUENTIAL_TRACES)('replaying %s into the editor document reproduces its endContent', (name) => {
    const trace = loadTrace(name);
    const { doc, updates } = replayTrace(trace);
    expect(replayedText(doc)).toBe(trace.endContent);
    // One update per keystroke (plus the paragraph and any start content): a log of real size.
    expect(updates.length).toBeGreaterThanOrEqual(trace.patches.length);
  });

  it('applying the patches to a plain string gives the same endContent', () => {
    const trace = loadTrace('seph-blog1');
    expect(applyToString(trace.startContent, trace.patches)).toBe(trace.endContent);
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
