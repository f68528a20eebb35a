import * as Y from 'yjs';
import { BODY_FIELD, TITLE_FIELD } from '../shared/documentFields';
import { element, paragraph, text } from './sampleDocument';

/** The style an attacker would put in an alignment to lay a full-screen overlay over the app. */
export const OVERLAY_STYLE = 'left; position: fixed; inset: 0; z-index: 2147483647; background: rgb(255, 0, 0)';

/** Text of the valid paragraphs of `invalidDocument`: they must keep their place and identity. */
export const VALID_PARAGRAPHS = ['Valid first paragraph', 'Valid middle paragraph', 'Valid last paragraph'];

/** Text inside the invalid parts of `invalidDocument`: every reader must keep it. */
export const TEXT_IN_INVALID_PARTS = [
  'bare top-level text',
  'inside an unknown node',
  'nested paragraph text',
  'item after a list',
  'marked text',
  'code text',
  'overlay attempt',
  'before an embed',
  'loose string',
  'cell outside a table',
  'deep text',
];

/**
 * A document body holding every kind of content the editor schema does not allow, with valid
 * paragraphs between (what older data or a restored backup could hold: the update guard refuses
 * all of it today). Returns its state as one update. (`looseString: false` leaves out the plain
 * string among the elements, which y-tiptap's cursor code cannot step over.)
 */
export function invalidDocument({ looseString = true } = {}): Uint8Array {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment(BODY_FIELD);
  const marked = text('marked text');
  marked.format(0, 6, { blink: {} });
  marked.format(7, 4, { link: { href: 'javascript:alert(1)', target: '_top', rel: 'opener', class: 'dialog-backdrop' } });
  const code = text('code text');
  code.format(0, 4, { bold: {} });
  const embedded = text('before an embed');
  embedded.insertEmbed(15, { image: 'x' });
  let deep: Y.XmlElement = paragraph('deep text');
  for (let level = 0; level < 150; level++) deep = element('blockquote', [deep]);
  body.insert(0, [
    paragraph(VALID_PARAGRAPHS[0]),
    text('bare top-level text'),
    element('script', [paragraph('inside an unknown node')]),
    element('paragraph', [text('outer '), paragraph('nested paragraph text')]),
    element('bulletList'),
    element('bulletList', [element('listItem', [element('bulletList', [element('listItem', [paragraph('item after a list')])])])]),
    element('paragraph', [marked]),
    paragraph(VALID_PARAGRAPHS[1]),
    element('codeBlock', [code]),
    paragraph('overlay attempt', { textAlign: OVERLAY_STYLE, style: 'position: fixed' }),
    element('paragraph', [embedded]),
    element('tableRow', [element('tableCell', [paragraph('cell outside a table')])]),
    deep,
    element('image', [], { src: 'javascript:alert(1)', width: 99999 }),
    paragraph(VALID_PARAGRAPHS[2]),
  ]);
  // A bare string among the elements (what a ContentAny child is).
  if (looseString) body.insert(3, ['loose string' as unknown as Y.XmlText]);
  doc.getText(TITLE_FIELD).insert(0, 'Invalid stored document');
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
