import type { JSONContent } from '@tiptap/core';

type Mark = NonNullable<JSONContent['marks']>[number];

const text = (value: string, ...marks: Mark[]): JSONContent => (marks.length > 0 ? { type: 'text', text: value, marks } : { type: 'text', text: value });
const paragraph = (...content: JSONContent[]): JSONContent => ({ type: 'paragraph', content });
const item = (type: string, ...content: JSONContent[]): JSONContent => ({ type, content });
const cell = (type: 'tableHeader' | 'tableCell', value: string): JSONContent => ({ type, content: [paragraph(text(value))] });

/**
 * A document with every node and mark of the schema, each attribute a file format can carry set
 * to something other than its default: what the round-trip tests export and import.
 */
export const EVERY_NODE_DOCUMENT: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 1 }, content: [text('Heading one')] },
    { type: 'heading', attrs: { level: 2 }, content: [text('Heading two')] },
    { type: 'heading', attrs: { level: 3 }, content: [text('Heading three')] },
    paragraph(
      text('Marks: '),
      text('bold', { type: 'bold' }),
      text(', '),
      text('italic', { type: 'italic' }),
      text(', '),
      text('underline', { type: 'underline' }),
      text(', '),
      text('strike', { type: 'strike' }),
      text(', '),
      text('code', { type: 'code' }),
      text(', '),
      text('highlight', { type: 'highlight' }),
      text(', '),
      text('bold italic', { type: 'bold' }, { type: 'italic' }),
      text(' and a '),
      text('link', { type: 'link', attrs: { href: 'https://example.com/page' } }),
      text('.'),
    ),
    paragraph(text('First line'), { type: 'hardBreak' }, text('second line')),
    { type: 'paragraph', attrs: { textAlign: 'center' }, content: [text('Centered')] },
    {
      type: 'paragraph',
      attrs: { indent: 2 },
      content: [
        text('Indented, '),
        text('coloured and sized', { type: 'bold' }, { type: 'textStyle', attrs: { color: '#980000', fontSize: '18pt' } }),
        text(' and '),
        text('highlighted in blue', { type: 'highlight', attrs: { color: '#c9daf8' } }),
      ],
    },
    item(
      'bulletList',
      item(
        'listItem',
        paragraph(text('bullet')),
        item('bulletList', item('listItem', paragraph(text('nested bullet')), item('orderedList', item('listItem', paragraph(text('nested number')))))),
      ),
      item('listItem', paragraph(text('second bullet'))),
    ),
    item('bulletList', item('listItem', paragraph(text('a list right after a list')))),
    { type: 'orderedList', attrs: { start: 3 }, content: [item('listItem', paragraph(text('three'))), item('listItem', paragraph(text('four')))] },
    paragraph(text('Between the numbered lists.')),
    { type: 'orderedList', attrs: { type: 'a' }, content: [item('listItem', paragraph(text('letter a'))), item('listItem', paragraph(text('letter b')))] },
    {
      type: 'taskList',
      content: [
        { type: 'taskItem', attrs: { checked: false }, content: [paragraph(text('to do'))] },
        {
          type: 'taskItem',
          attrs: { checked: true },
          content: [
            paragraph(text('done')),
            { type: 'taskList', content: [{ type: 'taskItem', attrs: { checked: false }, content: [paragraph(text('nested task'))] }] },
          ],
        },
      ],
    },
    { type: 'codeBlock', attrs: { language: 'ts' }, content: [text('const answer = 42;\n\nconsole.log(answer);')] },
    { type: 'blockquote', content: [paragraph(text('A quote with '), text('bold', { type: 'bold' })), paragraph(text('and a second paragraph'))] },
    { type: 'horizontalRule' },
    { type: 'image', attrs: { src: 'https://example.com/picture.png', alt: 'A picture' } },
    {
      type: 'table',
      content: [
        item('tableRow', cell('tableHeader', 'Name'), cell('tableHeader', 'Value')),
        item('tableRow', cell('tableCell', 'alpha'), cell('tableCell', '1')),
      ],
    },
    paragraph(text('Last paragraph.')),
  ],
};
