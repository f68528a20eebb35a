import { describe, expect, it } from 'vitest';
import { exportNode, parseContent } from '../conversion';

const stamp = (id: string) => ({ id, author: 'ann', authorName: 'Ann', time: 1_700_000_000_000 });
const doc = parseContent(
  {
    type: 'doc',
    content: [
      {
        type: 'paragraph',
        content: [
          { type: 'text', text: 'Hello ', marks: [{ type: 'suggestionDelete', attrs: stamp('d1') }] },
          { type: 'text', text: 'big ', marks: [{ type: 'suggestionInsert', attrs: stamp('i1') }] },
          { type: 'text', text: 'world', marks: [{ type: 'bold' }] },
        ],
      },
    ],
  },
  'json',
);

describe('exports of a document with suggestions', () => {
  it('[SG9] HTML, Markdown and text show the document as if every suggestion were rejected', () => {
    expect(exportNode(doc, 'text')).toBe('Hello world');
    expect(exportNode(doc, 'markdown').trim()).toBe('Hello **world**');
    expect(exportNode(doc, 'html')).toBe('<p>Hello <strong>world</strong></p>');
  });

  it('[SG9] JSON keeps the suggestions, with their authors', () => {
    const json = JSON.parse(exportNode(doc, 'json'));
    expect(
      json.content[0].content.map((node: { text: string; marks?: Array<{ type: string; attrs?: { author: string } }> }) => [node.text, node.marks?.[0]?.type]),
    ).toEqual([
      ['Hello ', 'suggestionDelete'],
      ['big ', 'suggestionInsert'],
      ['world', 'bold'],
    ]);
  });

  it('[SG1] HTML with suggestion marks is read back, with their ids and authors checked', () => {
    const read = parseContent(
      '<p><ins data-suggestion="s1" data-author="ann" data-author-name="Ann" data-time="5">new</ins><del data-suggestion="bad id!" data-author="ann" data-time="x">old</del></p>',
      'html',
    );
    const [inserted, deleted] = read.firstChild?.content.content ?? [];
    expect(inserted.marks.map((mark) => [mark.type.name, mark.attrs])).toEqual([['suggestionInsert', { id: 's1', author: 'ann', authorName: 'Ann', time: 5 }]]);
    // Without a valid id it is no suggestion: read as the editor reads any <del>.
    expect(deleted.marks.map((mark) => mark.type.name)).toEqual(['strike']);
  });
});
