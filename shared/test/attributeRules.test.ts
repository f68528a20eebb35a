import { generateHTML } from '@tiptap/html';
import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { OVERLAY_STYLE } from '../../testing/invalidDocument';
import { element, paragraph, table, text } from '../../testing/sampleDocument';
import { attributeProblem, LINK_REL, normalizeAttribute, safeImageSrc, safeLinkHref } from '../attributeRules';
import { documentSchema, exportBody, exportNode, initialUpdate, parseContent } from '../conversion';
import { BODY_FIELD } from '../documentFields';
import { documentExtensions } from '../editorExtensions';

/**
 * Attribute rules (`shared/SCHEMA-RULES.md` [V1]–[V6]): every attribute of every node and mark is
 * checked against its type, refused by the server, made valid at import, and never rendered as
 * it was when it is not valid.
 */

/**
 * What must never be in the tags of rendered HTML: an attacker's overlay, another frame's target,
 * a page's opener, a class, unsafe addresses. (Text may say anything; it is escaped.)
 */
function expectSafeHtml(html: string): void {
  const tags = (html.match(/<[a-z][^>]*>/g) ?? []).join('\n');
  expect(tags).not.toMatch(/position:\s*fixed/);
  expect(tags).not.toMatch(/z-index/);
  expect(tags).not.toContain('javascript:');
  expect(tags).not.toContain('data:');
  expect(tags).not.toMatch(/rel="(?!noopener noreferrer nofollow")/);
  expect(tags).not.toMatch(/target="(?!_blank")/);
  expect(tags).not.toContain('class="dialog-backdrop');
  expect(tags).not.toContain('evil.example');
  expect(tags).not.toMatch(/style="[^"]*;[^"]*;/);
  for (const anchor of html.match(/<a [^>]*>/g) ?? []) expect(anchor).toContain(`rel="${LINK_REL}"`);
}

describe('[V1]–[V5] the rules', () => {
  it('[V1] enumerations accept their values only', () => {
    for (const value of [null, 'left', 'center', 'right', 'justify']) expect(attributeProblem('node', 'paragraph', 'textAlign', value)).toBeNull();
    for (const value of [OVERLAY_STYLE, 'LEFT', 'start', 1, ['left'], {}])
      expect(attributeProblem('node', 'paragraph', 'textAlign', value)).toContain('must be one of');
    expect(attributeProblem('node', 'tableCell', 'align', 'justify')).not.toBeNull();
    expect(attributeProblem('node', 'orderedList', 'type', 'i')).toBeNull();
    expect(attributeProblem('node', 'orderedList', 'type', 'square')).not.toBeNull();
    expect(attributeProblem('mark', 'link', 'target', '_top')).not.toBeNull();
    expect(attributeProblem('mark', 'link', 'rel', 'opener')).not.toBeNull();
    expect(attributeProblem('mark', 'link', 'class', 'x')).not.toBeNull();
    expect(attributeProblem('node', 'taskItem', 'checked', 'true')).not.toBeNull();
    expect(attributeProblem('node', 'paragraph', 'style', 'x')).toBe('node "paragraph" has no attribute "style"');
  });

  it('[V2] numbers are whole and bounded; out-of-range values are clamped', () => {
    expect(attributeProblem('node', 'heading', 'level', 3)).toBeNull();
    expect(attributeProblem('node', 'heading', 'level', 4)).not.toBeNull();
    expect(normalizeAttribute('node', 'heading', 'level', 6)).toBe(3);
    expect(normalizeAttribute('node', 'heading', 'level', '2')).toBe(2);
    expect(attributeProblem('node', 'tableCell', 'colspan', 1000)).toBeNull();
    for (const value of [0, 1001, 1.5, '2', Number.NaN, null]) expect(attributeProblem('node', 'tableCell', 'colspan', value)).not.toBeNull();
    expect(normalizeAttribute('node', 'tableCell', 'colspan', 1e9)).toBe(1000);
    expect(attributeProblem('node', 'tableCell', 'colwidth', [100, 0])).toBeNull();
    for (const value of [[], ['100px'], [-1], [10_001], 'x', new Array(1001).fill(1)])
      expect(attributeProblem('node', 'tableCell', 'colwidth', value)).not.toBeNull();
    expect(attributeProblem('node', 'image', 'width', 10_001)).not.toBeNull();
    expect(attributeProblem('node', 'orderedList', 'start', -3)).toBeNull();
    expect(attributeProblem('node', 'orderedList', 'start', 2 ** 60)).not.toBeNull();
  });

  it('[V3] addresses: links http(s), mailto, tel or relative; images http(s) or same-origin; as a browser reads them', () => {
    for (const href of ['https://example.com/x', 'http://a.b', 'mailto:a@b.c', 'tel:+1', '/path', 'page#x', '#top', '?q=1', '//cdn.example/x'])
      expect(safeLinkHref(href), href).toBe(href);
    for (const href of [
      'javascript:alert(1)',
      'JAVASCRIPT:x',
      'java\tscript:x',
      ' javascript:x',
      '\u0001javascript:x',
      'java\nscript:x',
      'data:text/html,x',
      'vbscript:x',
      'file:///etc/passwd',
      '',
      'x'.repeat(8193),
      12,
    ])
      expect(safeLinkHref(href), JSON.stringify(href)).toBeNull();
    for (const src of ['https://example.com/a.png', '/images/a.png', 'a.png']) expect(safeImageSrc(src), src).toBe(src);
    for (const src of [
      'javascript:alert(1)',
      'data:image/png;base64,AAAA',
      '//evil.example/a.png',
      '/\\evil.example/a.png',
      'mailto:a@b.c',
      'blob:https://x/1',
    ])
      expect(safeImageSrc(src), src).toBeNull();
  });

  it('[V5] strings are bounded; a code language is one word', () => {
    expect(attributeProblem('node', 'image', 'alt', 'x'.repeat(2000))).toBeNull();
    expect(attributeProblem('node', 'image', 'alt', 'x'.repeat(2001))).not.toBeNull();
    expect(attributeProblem('node', 'codeBlock', 'language', 'c++')).toBeNull();
    for (const language of ['js dialog-backdrop', 'a"b', '<x>', 'x'.repeat(65), ''])
      expect(attributeProblem('node', 'codeBlock', 'language', language)).not.toBeNull();
  });
});

/** One of each hostile attribute, as each import format can say it. */
const HOSTILE = {
  json: {
    type: 'doc',
    content: [
      { type: 'paragraph', attrs: { textAlign: OVERLAY_STYLE }, content: [{ type: 'text', text: 'overlay' }] },
      { type: 'heading', attrs: { level: 9, textAlign: 'center' }, content: [{ type: 'text', text: 'deep heading' }] },
      {
        type: 'paragraph',
        content: [
          {
            type: 'text',
            text: 'opener',
            marks: [{ type: 'link', attrs: { href: 'https://example.com', target: 'evil', rel: 'opener', class: 'dialog-backdrop' } }],
          },
          { type: 'text', text: ' script', marks: [{ type: 'link', attrs: { href: 'java\tscript:alert(1)' } }] },
        ],
      },
      { type: 'codeBlock', attrs: { language: 'js dialog-backdrop' }, content: [{ type: 'text', text: 'code' }] },
      {
        type: 'orderedList',
        attrs: { start: 'abc', type: 'disc' },
        content: [{ type: 'listItem', content: [{ type: 'paragraph', content: [{ type: 'text', text: 'item' }] }] }],
      },
      {
        type: 'table',
        content: [
          {
            type: 'tableRow',
            content: [
              {
                type: 'tableCell',
                attrs: { colspan: 1e9, colwidth: ['100px; position: fixed'], align: `center; ${OVERLAY_STYLE}` },
                content: [{ type: 'paragraph', content: [{ type: 'text', text: 'cell' }] }],
              },
            ],
          },
        ],
      },
      { type: 'image', attrs: { src: 'javascript:alert(1)' } },
      { type: 'image', attrs: { src: 'https://example.com/a.png', width: 1e6, alt: 'ok' } },
    ],
  },
  html:
    `<p style="text-align: left; position: fixed; inset: 0; z-index: 9999">overlay</p><h3 style="${OVERLAY_STYLE}">heading</h3>` +
    '<p><a href="https://example.com" target="evil" rel="opener" class="dialog-backdrop">opener</a> <a href="javascript:alert(1)">script</a></p>' +
    '<pre><code class="language-js&quot; onclick=&quot;x">code</code></pre><ol start="x" type="disc"><li><p>item</p></li></ol>' +
    `<table><tr><td colspan="1000000000" colwidth="100px;position:fixed" style="${OVERLAY_STYLE}">cell</td></tr></table>` +
    '<img src="//evil.example/a.png"><img src="https://example.com/a.png" width="1000000" alt="ok">',
  markdown:
    '[opener](https://example.com "title") and [script](javascript:alert(1)) and [data](data:text/html,x)\n\n' +
    '![pixel](//evil.example/p.png)\n\n![script](javascript:alert(1))\n\n![ok](https://example.com/a.png)\n\n' +
    '<p style="position: fixed">raw html stays text</p>\n\n1000000000. big start\n\n```js dialog-backdrop\ncode\n```',
  text: `<p style="${OVERLAY_STYLE}">not html</p> javascript:alert(1)`,
} as const;

describe('[V6] imports make every attribute valid', () => {
  for (const format of ['json', 'html', 'markdown', 'text'] as const) {
    it(`[V6] ${format}: hostile attributes are made valid, unsafe links and images dropped; the HTML renders nothing unsafe`, () => {
      const node = parseContent(HOSTILE[format] as string, format);
      node.check();
      node.descendants((child) => {
        for (const [name, value] of Object.entries(child.attrs))
          expect(attributeProblem('node', child.type.name, name, value), `${child.type.name}.${name}`).toBeNull();
        for (const mark of child.marks)
          for (const [name, value] of Object.entries(mark.attrs))
            expect(attributeProblem('mark', mark.type.name, name, value), `${mark.type.name}.${name}`).toBeNull();
      });
      const doc = new Y.Doc();
      Y.applyUpdate(doc, initialUpdate(node));
      const html = exportBody(doc, 'html');
      expectSafeHtml(html);
      expect(exportBody(doc, 'markdown')).not.toContain('](javascript:');
      expect(exportBody(doc, 'text')).not.toBe('');
    });
  }
});

describe('[V6] rendering never emits an invalid value, even one stored before the rules', () => {
  it('[V6] the HTML, Markdown and JSON of a node holding every hostile attribute are safe', () => {
    // Built past every check, as a node the editor or an old document could hold.
    const schema = documentSchema();
    const link = schema.marks.link.create({ href: 'javascript:alert(1)', target: 'evil', rel: 'opener', class: 'dialog-backdrop' });
    const node = schema.nodes.doc.create(null, [
      schema.nodes.paragraph.create({ textAlign: OVERLAY_STYLE }, schema.text('overlay', [link])),
      schema.nodes.codeBlock.create({ language: 'x dialog-backdrop' }, schema.text('code')),
      schema.nodes.table.create(null, [
        schema.nodes.tableRow.create(null, [
          schema.nodes.tableCell.create({ colspan: 1e9, colwidth: ['1px; position: fixed'], align: OVERLAY_STYLE }, [schema.nodes.paragraph.create()]),
        ]),
      ]),
      schema.nodes.image.create({ src: 'javascript:alert(1)', width: 'x' }),
      schema.nodes.orderedList.create({ start: 'x', type: 'x' }, [schema.nodes.listItem.create(null, [schema.nodes.paragraph.create()])]),
    ]);
    expectSafeHtml(exportNode(node, 'html'));
    // The schema's own rendering (what the editor's DOM and any HTML made from the extension list
    // use), with nothing normalizing the node first.
    expectSafeHtml(generateHTML(node.toJSON(), documentExtensions()));
    expect(exportNode(node, 'markdown')).not.toContain('javascript:');
    expect(exportNode(node, 'json')).not.toContain('javascript:');
    expect(exportNode(node, 'json')).not.toContain('position: fixed');
  });

  it('[V6] a stored body with hostile attributes reads and renders safely, text kept', () => {
    const doc = new Y.Doc();
    const styled = text('link text');
    styled.format(0, 4, { link: { href: 'https://example.com', rel: 'opener', target: '_parent' } });
    doc
      .getXmlFragment(BODY_FIELD)
      .insert(0, [
        paragraph('overlay', { textAlign: OVERLAY_STYLE }),
        element('paragraph', [styled]),
        table([['cell']], { colspan: 5e8, align: OVERLAY_STYLE }),
        element('image', [], { src: 'data:image/svg+xml,<svg onload=alert(1)>' }),
      ]);
    const html = exportBody(doc, 'html');
    expectSafeHtml(html);
    expect(html).toContain('overlay');
    expect(html).toContain('link</a> text');
    expect(html).toContain(`<a target="_blank" rel="${LINK_REL}" href="https://example.com">`);
  });
});
