import Collaboration from '@tiptap/extension-collaboration';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { invalidDocument, TEXT_IN_INVALID_PARTS, VALID_PARAGRAPHS } from '../../testing/invalidDocument';
import { element, paragraph, text } from '../../testing/sampleDocument';
import { localEditor } from '../../testing/tiptapClient';
import { readBody } from '../bodyReader';
import { documentSchema } from '../conversion';
import { BODY_FIELD } from '../documentFields';

/**
 * The tolerant reader ([R1] in `shared/SCHEMA-RULES.md`) and the editor binding built on it
 * ([R4]): a body the schema does not allow is shown as its closest valid form, with all its text,
 * and nothing is ever deleted or written by reading it or by opening it in the editor.
 */

/** The body holding `children`, read: the document as JSON text, and the rules of the problems found. */
function read(...children: Array<Y.XmlElement | Y.XmlText>): { json: string; rules: string[] } {
  const doc = new Y.Doc();
  doc.getXmlFragment(BODY_FIELD).insert(0, children);
  const { node, problems } = readBody(doc.getXmlFragment(BODY_FIELD), documentSchema());
  node.check();
  const compact = (value: unknown): unknown =>
    Array.isArray(value)
      ? value.map(compact)
      : value && typeof value === 'object'
        ? Object.fromEntries(
            Object.entries(value)
              .filter(([key, item]) => key !== 'attrs' || Object.values(item as object).some((v) => v !== null && v !== 1 && v !== false))
              .map(([key, item]) => [key, compact(item)]),
          )
        : value;
  return { json: JSON.stringify(compact(node.toJSON())), rules: problems.map((problem) => problem.rule) };
}

const p = (content: string) => `{"type":"paragraph","content":[{"type":"text","text":"${content}"}]}`;

describe('[R1] the closest valid form, text kept', () => {
  it('[R1] bare text in the body is wrapped in a paragraph', () => {
    expect(read(paragraph('a'), text('bare'))).toEqual({ json: `{"type":"doc","content":[${p('a')},${p('bare')}]}`, rules: ['G4'] });
  });

  it('[R1] an element of unknown type gives its content to its parent', () => {
    expect(read(element('widget', [paragraph('inside'), paragraph('too')])).json).toBe(`{"type":"doc","content":[${p('inside')},${p('too')}]}`);
  });

  it('[R1] a paragraph inside a paragraph is lifted into it, on a new line', () => {
    expect(read(element('paragraph', [text('outer'), paragraph('inner')])).json).toBe(
      '{"type":"doc","content":[{"type":"paragraph","content":[{"type":"text","text":"outer"},{"type":"hardBreak"},{"type":"text","text":"inner"}]}]}',
    );
  });

  it('[R1] an empty list gets an empty item; a list item starting with a list gets an empty paragraph first', () => {
    expect(read(element('bulletList')).json).toBe(
      '{"type":"doc","content":[{"type":"bulletList","content":[{"type":"listItem","content":[{"type":"paragraph"}]}]}]}',
    );
    expect(read(element('orderedList', [element('listItem', [element('bulletList', [element('listItem', [paragraph('x')])])])])).json).toBe(
      `{"type":"doc","content":[{"type":"orderedList","content":[{"type":"listItem","content":[{"type":"paragraph"},{"type":"bulletList","content":[{"type":"listItem","content":[${p('x')}]}]}]}]}]}`,
    );
  });

  it('[R1] a node in the wrong place is wrapped in what it needs', () => {
    expect(read(element('listItem', [paragraph('item')])).json).toBe(
      `{"type":"doc","content":[{"type":"bulletList","content":[{"type":"listItem","content":[${p('item')}]}]}]}`,
    );
    expect(read(element('tableRow', [element('tableCell', [paragraph('cell')])])).json).toContain('{"type":"table","content":[{"type":"tableRow"');
  });

  it('[R1] marks the schema lacks or the node forbids are removed; a code block keeps its text; a break in code is a newline', () => {
    const code = text('code');
    code.format(0, 2, { bold: {} });
    const marked = text('word');
    marked.format(0, 4, { blink: {}, italic: {} });
    expect(read(element('codeBlock', [code, element('hardBreak'), text('more')]), element('paragraph', [marked])).json).toBe(
      '{"type":"doc","content":[{"type":"codeBlock","content":[{"type":"text","text":"code\\nmore"}]},{"type":"paragraph","content":[{"type":"text","marks":[{"type":"italic"}],"text":"word"}]}]}',
    );
  });
});

describe('[R4] the editor binding never costs content', () => {
  const validIds = (doc: Y.Doc) =>
    doc
      .getXmlFragment(BODY_FIELD)
      .toArray()
      .filter((child): child is Y.XmlElement => child instanceof Y.XmlElement && VALID_PARAGRAPHS.includes(child.toArray()[0]?.toString() ?? ''))
      .map((child) => child._item?.id as Y.ID);

  it('[R4] opening a document with invalid content shows all of it and writes nothing; typing changes only what is typed into', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, invalidDocument({ looseString: false }));
    const ids = validIds(doc);
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    const { editor, destroy } = localEditor(doc);
    try {
      const texts = [...VALID_PARAGRAPHS, ...TEXT_IN_INVALID_PARTS.filter((kept) => kept !== 'loose string')];
      for (const shown of texts) expect(editor.getText(), shown).toContain(shown);
      editor.commands.setTextSelection(editor.state.doc.content.size - 1);
      expect(updates, 'opening and moving the cursor wrote nothing').toEqual([]);
      editor.commands.insertContent('typed');
      expect(updates.length).toBeGreaterThan(0);
      const deleted = Y.createDeleteSetFromStructStore(doc.store);
      for (const id of ids) expect(Y.isDeleted(deleted, id), 'a valid paragraph was deleted').toBe(false);
      const all = readBody(doc.getXmlFragment(BODY_FIELD), documentSchema()).node.textContent;
      for (const kept of [...texts, 'typed']) expect(all, kept).toContain(kept);
    } finally {
      destroy();
    }
  });

  it('[R4] (why) y-tiptap’s own binding deletes what it cannot show, merely by opening the document', () => {
    const doc = new Y.Doc();
    doc.getXmlFragment(BODY_FIELD).insert(0, [paragraph('kept'), element('widget', [paragraph('inside a widget')]), paragraph('also kept')]);
    const { destroy } = localEditor(doc, Collaboration);
    try {
      expect(doc.getXmlFragment(BODY_FIELD).toString()).not.toContain('inside a widget');
    } finally {
      destroy();
    }
    const again = new Y.Doc();
    again.getXmlFragment(BODY_FIELD).insert(0, [paragraph('kept'), element('widget', [paragraph('inside a widget')]), paragraph('also kept')]);
    const tolerant = localEditor(again);
    tolerant.destroy();
    expect(again.getXmlFragment(BODY_FIELD).toString()).toContain('inside a widget');
  });
});
