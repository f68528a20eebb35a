import type { JSONContent } from '@tiptap/core';
import { Node } from '@tiptap/pm/model';
import { describe, expect, it } from 'vitest';
import { exportDocument } from '../../app/lib/exportDocument';
import { readContentRequest } from '../../collab-server/conversion/requestBody';
import { withoutDefaults } from '../../testing/contentJson';
import { EVERY_NODE_DOCUMENT } from '../../testing/everyNodeDocument';
import { documentSchema, exportNode, parseContent } from '../conversion';

const LIMITS = { maxDepth: 100, maxNodes: 50_000 };
const FORMATS = ['markdown', 'html'] as const;
const everyNode = () => Node.fromJSON(documentSchema(), EVERY_NODE_DOCUMENT);
const comparable = (node: Node) => withoutDefaults(node.toJSON());

/** Every node and mark type `json` uses. */
function typesIn(json: JSONContent, found = new Set<string>()): Set<string> {
  if (json.type) found.add(json.type);
  for (const mark of json.marks ?? []) found.add(mark.type);
  for (const child of json.content ?? []) typesIn(child, found);
  return found;
}

/** `json` without text alignment, indent, text colour and size and highlight colour, which Markdown has no way to write. */
function withoutAlignment(json: JSONContent): JSONContent {
  const { attrs, content, marks, ...rest } = json;
  const kept = attrs ? Object.fromEntries(Object.entries(attrs).filter(([name]) => name !== 'textAlign' && name !== 'indent')) : undefined;
  const keptMarks = marks?.filter((mark) => mark.type !== 'textStyle').map((mark) => (mark.type === 'highlight' ? { type: 'highlight' } : mark));
  return {
    ...rest,
    ...(kept && Object.keys(kept).length > 0 ? { attrs: kept } : {}),
    ...(keptMarks ? { marks: keptMarks } : {}),
    ...(content ? { content: content.map(withoutAlignment) } : {}),
  };
}

/** A file imported as the app imports one (the conversion worker's job): its title and body. */
async function importFile(content: string, format: 'markdown' | 'html', fallbackTitle = 'file name'): Promise<{ title: unknown; body: Node }> {
  const bytes = new TextEncoder().encode(JSON.stringify({ title: fallbackTitle, content, format }));
  const { fields, node } = await readContentRequest(bytes, { dialect: 'import', maxContentBytes: 1024 * 1024 }, LIMITS);
  return { title: fields.title, body: node as Node };
}

/**
 * Marks no HTML or Markdown export holds: a file shows the document as if every suggestion were
 * rejected ([SG9] in shared/suggestions/SUGGESTIONS.md, tested in shared/test/suggestionExport.test.ts).
 */
const NOT_EXPORTED = ['suggestionInsert', 'suggestionDelete', 'suggestionFormat'];

describe('round trips', () => {
  it('the round-trip document uses every node and mark of the schema but suggestions, which exports leave out', () => {
    const schema = documentSchema();
    const marks = Object.keys(schema.marks).filter((mark) => !NOT_EXPORTED.includes(mark));
    expect([...typesIn(EVERY_NODE_DOCUMENT)].sort()).toEqual([...Object.keys(schema.nodes), ...marks].sort());
  });

  for (const format of FORMATS) {
    it(`${format}: export → import → export gives the same file`, () => {
      const first = exportNode(everyNode(), format);
      const second = exportNode(parseContent(first, format), format);
      expect(second).toBe(first);
    });
  }

  it('html: export → import gives back the same document, every attribute included', () => {
    expect(comparable(parseContent(exportNode(everyNode(), 'html'), 'html'))).toEqual(comparable(everyNode()));
  });

  it('markdown: export → import gives back the same document but for text alignment, indent, colours and sizes, which Markdown cannot write', () => {
    const back = comparable(parseContent(exportNode(everyNode(), 'markdown'), 'markdown'));
    expect(back).toEqual(withoutAlignment(comparable(everyNode())));
  });

  it('markdown: underline is written as <u>…</u>, which CommonMark readers show, and read back (as is the older ++…++)', () => {
    const markdown = exportNode(everyNode(), 'markdown');
    expect(markdown).toContain('<u>underline</u>');
    expect(markdown).not.toContain('++');
    for (const written of ['<u>under</u>', '++under++', '<U>under</U>']) {
      expect(parseContent(`an ${written} word`, 'markdown').toJSON().content[0].content[1]).toEqual({
        type: 'text',
        text: 'under',
        marks: [{ type: 'underline' }],
      });
    }
  });

  it('markdown: two bulleted lists in a row stay two lists (the second is written with *)', () => {
    const markdown = exportNode(everyNode(), 'markdown');
    expect(markdown).toContain('- second bullet\n\n* a list right after a list');
    const back = parseContent(markdown, 'markdown');
    const lists: string[] = [];
    back.forEach((block) => {
      if (block.type.name === 'bulletList') lists.push(block.textContent);
    });
    expect(lists).toEqual(['bulletnested bulletnested numbersecond bullet', 'a list right after a list']);
  });

  it('markdown: GitHub task lists (- [ ], * [x], + [X]) import as check lists, nested too, and export as - [ ] / - [x]', () => {
    const node = parseContent('- [ ] to do\n* [x] done\n+ [X] also done\n  - [ ] nested', 'markdown');
    expect(node.firstChild?.type.name).toBe('taskList');
    expect(node.textContent).not.toContain('[');
    expect(exportNode(node, 'markdown')).toBe('- [ ] to do\n- [x] done\n- [x] also done\n  - [ ] nested');
  });

  it('markdown: an empty task item (its box alone on the line, no trailing space) is a check-list item, not the text "[ ]"', () => {
    for (const markdown of ['- [ ]\n- [x] done', '- [x] done\n- [ ]', '- [ ] a\n  - [x]\n- [ ] c']) {
      const node = parseContent(markdown, 'markdown');
      expect(node.childCount, markdown).toBe(1);
      expect(node.firstChild?.type.name, markdown).toBe('taskList');
      expect(node.textContent, markdown).not.toContain('[');
      // Written back with the space after the box, and read the same without it.
      const written = exportNode(node, 'markdown');
      expect(exportNode(parseContent(written.replace(/ +$/gm, ''), 'markdown'), 'markdown')).toBe(written);
    }
    expect(exportNode(parseContent('```\n- [ ]\n```', 'markdown'), 'markdown')).toBe('```\n- [ ]\n```');
  });

  for (const format of FORMATS) {
    it(`${format}: a downloaded file starts with the title as a heading, and importing it gives back the title, not a second heading`, async () => {
      const body = parseContent('Intro paragraph.\n\n## Section\n\nText.', 'markdown');
      const file = await exportDocument(body, 'Quarterly *plan*', format);
      const bodyOut = exportNode(body, format);
      expect(file.content).toContain(format === 'markdown' ? '# Quarterly \\*plan\\*\n\nIntro paragraph.' : '<h1>Quarterly *plan*</h1><p>Intro paragraph.</p>');
      const imported = await importFile(file.content, format);
      expect(imported.title).toBe('Quarterly *plan*');
      expect(exportNode(imported.body, format)).toBe(bodyOut);
      // Exported again, the same file.
      expect((await exportDocument(imported.body, imported.title as string, format)).content).toBe(file.content);
    });
  }

  it('an import whose first block is not a heading keeps the title it was given and its whole body', async () => {
    const imported = await importFile('Intro.\n\n# Later heading', 'markdown');
    expect(imported.title).toBe('file name');
    expect(exportNode(imported.body, 'markdown')).toBe('Intro.\n\n# Later heading');
    // A file that is only a heading becomes a title over one empty paragraph.
    const only = await importFile('<h2>Just a title</h2>', 'html');
    expect(only.title).toBe('Just a title');
    expect(only.body.toJSON().content).toEqual([{ type: 'paragraph', attrs: { textAlign: null, indent: null } }]);
  });
});
