import { describe, expect, it } from 'vitest';
import { parseContent } from '../../../../shared/conversion';
import { findMatches } from '../find/findMatches';
import { outlineHeadings } from '../outline/outlineHeadings';

const html = (source: string) => parseContent(source, 'html');

/** The text each match covers. */
function found(source: string, text: string, options: { matchCase?: boolean; wholeWord?: boolean } = {}): string[] {
  const doc = html(source);
  return findMatches(doc, { text, matchCase: options.matchCase ?? false, wholeWord: options.wholeWord ?? false }).map((match) =>
    doc.textBetween(match.from, match.to),
  );
}

describe('findMatches', () => {
  it('finds a match that runs across bold and plain text, as document positions', () => {
    const doc = html('<p>A <strong>bold</strong>face word</p>');
    const matches = findMatches(doc, { text: 'boldface', matchCase: false, wholeWord: false });
    expect(matches).toHaveLength(1);
    expect(doc.textBetween(matches[0].from, matches[0].to)).toBe('boldface');
  });

  it('ignores case unless asked, and whole words only when asked', () => {
    const source = '<p>Cat, cat, CAT and concatenate.</p><h2>The cat sat</h2>';
    expect(found(source, 'cat')).toEqual(['Cat', 'cat', 'CAT', 'cat', 'cat']);
    expect(found(source, 'cat', { matchCase: true })).toEqual(['cat', 'cat', 'cat']);
    expect(found(source, 'cat', { wholeWord: true })).toEqual(['Cat', 'cat', 'CAT', 'cat']);
    expect(found(source, 'Cat', { matchCase: true, wholeWord: true })).toEqual(['Cat']);
  });

  it('never matches across blocks or across an image or line break, and counts non-overlapping matches', () => {
    expect(found('<p>ab</p><p>cd</p>', 'bc')).toEqual([]);
    expect(found('<p>ab<br>cd</p>', 'bc')).toEqual([]);
    expect(found('<p>aaaa</p>', 'aa')).toEqual(['aa', 'aa']);
    expect(found('<p>x</p>', '')).toEqual([]);
  });

  it('finds text in lists, quotes and table cells', () => {
    const source = '<ul><li><p>needle one</p></li></ul><blockquote><p>needle two</p></blockquote><table><tr><td><p>needle three</p></td></tr></table>';
    expect(found(source, 'needle')).toHaveLength(3);
  });
});

describe('outlineHeadings', () => {
  it('lists headings of levels 1 to 3 with text, in order, wherever they stand', () => {
    const doc = html('<h1>Intro</h1><p>text</p><h2>Part <em>one</em></h2><h3></h3><blockquote><h3>Quoted</h3></blockquote><h4>Too deep</h4>');
    expect(outlineHeadings(doc).map(({ level, text }) => [level, text])).toEqual([
      [1, 'Intro'],
      [2, 'Part one'],
      [3, 'Quoted'],
    ]);
    const [first] = outlineHeadings(doc);
    expect(doc.nodeAt(first.position)?.type.name).toBe('heading');
  });
});
