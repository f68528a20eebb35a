import { describe, expect, it } from 'vitest';
import { parseContent } from '../conversion';
import { changeText, diffDocuments } from '../documentDiff';

/** Comparing two versions of a document (shared/documentDiff.ts), as the history panel shows it. */

const doc = (markdown: string) => parseContent(markdown, 'markdown');
const changes = (before: string, after: string) => {
  const [a, b] = [doc(before), doc(after)];
  return diffDocuments(a, b).map((change) => changeText(a, b, change));
};

describe('diffDocuments', () => {
  it('finds nothing between equal documents', () => {
    expect(changes('# Title\n\nSame text.', '# Title\n\nSame text.')).toEqual([]);
  });

  it('shows an inserted word as an insertion and a removed one as a deletion', () => {
    expect(changes('The quick fox.', 'The quick brown fox.')).toEqual([{ deleted: '', inserted: 'brown ' }]);
    expect(changes('The quick brown fox.', 'The quick fox.')).toEqual([{ deleted: 'brown ', inserted: '' }]);
  });

  it('shows a replaced word as the old word deleted and the new one inserted', () => {
    expect(changes('Ship it on Monday.', 'Ship it on Friday.')).toEqual([{ deleted: 'Monday', inserted: 'Friday' }]);
  });

  it('keeps edits far apart in a long document as separate changes, each only as large as the edit', () => {
    const paragraphs = Array.from({ length: 300 }, (_, i) => `Paragraph number ${i} says something.`);
    const edited = [...paragraphs];
    edited[5] = 'Paragraph number 5 says something else.';
    edited.splice(250, 1);
    expect(changes(paragraphs.join('\n\n'), edited.join('\n\n'))).toEqual([
      { deleted: '', inserted: ' else' },
      { deleted: 'Paragraph number 250 says something.', inserted: '' },
    ]);
  });

  it('shows formatting changes: the word that became bold is changed', () => {
    expect(changes('Make this bold.', 'Make **this** bold.')).toEqual([{ deleted: 'this', inserted: 'this' }]);
  });

  it('shows a new block as inserted', () => {
    expect(changes('# Notes\n\nFirst.', '# Notes\n\nFirst.\n\n- a new item')).toEqual([{ deleted: '', inserted: 'a new item' }]);
  });
});
