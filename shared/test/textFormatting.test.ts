import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { attributeProblem, normalizeAttribute } from '../attributeRules';
import { documentSchema, exportBody, exportNode, initialUpdate, parseContent, readBodyOf } from '../conversion';
import { BODY_FIELD } from '../documentFields';
import { FONT_SIZES, PALETTE } from '../formatPalette';

/**
 * Text colour, highlight colour, font size and indent ([V7] in `shared/SCHEMA-RULES.md`): what the
 * rules accept and refuse, what imports and the reader make of other values, and how HTML and
 * Markdown carry them.
 */

/** Values a hostile writer or a careless paste could bring, none of which may reach `style`. */
const HOSTILE_COLORS = [
  'red; position: fixed',
  'expression(alert(1))',
  'url(https://evil.example/x.png)',
  '#ff0000; z-index: 9',
  '#ff0000 !important',
  'var(--x)',
  '#ff00',
  '#ff000000',
  'reddish',
  '',
  12,
  ['#ff0000'],
];

describe('[V7] the rules', () => {
  it('[V7] a colour is null, a palette colour or a strict #rrggbb', () => {
    for (const kind of [
      ['textStyle', 'color'],
      ['highlight', 'color'],
    ] as const) {
      expect(attributeProblem('mark', kind[0], kind[1], null)).toBeNull();
      for (const { value } of PALETTE) expect(attributeProblem('mark', kind[0], kind[1], value)).toBeNull();
      expect(attributeProblem('mark', kind[0], kind[1], '#A1b2C3')).toBeNull();
      for (const value of HOSTILE_COLORS) expect(attributeProblem('mark', kind[0], kind[1], value), JSON.stringify(value)).toContain('#rrggbb');
    }
  });
  it('[V7] a font size is points from 1 to 400 with at most one decimal', () => {
    for (const value of [null, '1pt', '10.5pt', '400pt', ...FONT_SIZES.map((size) => `${size}pt`)])
      expect(attributeProblem('mark', 'textStyle', 'fontSize', value)).toBeNull();
    for (const value of ['0pt', '0.5pt', '401pt', '011pt', '12', '12px', '12em', '12.25pt', '12pt; position: fixed', 'expression(1)', 12, 'calc(1pt)'])
      expect(attributeProblem('mark', 'textStyle', 'fontSize', value), JSON.stringify(value)).not.toBeNull();
  });
  it('[V7] an indent is a whole number from 0 to 8, on paragraphs and headings only', () => {
    for (const value of [null, 0, 1, 8]) {
      expect(attributeProblem('node', 'paragraph', 'indent', value)).toBeNull();
      expect(attributeProblem('node', 'heading', 'indent', value)).toBeNull();
    }
    for (const value of [9, -1, 1.5, '2', '2; position: fixed']) expect(attributeProblem('node', 'paragraph', 'indent', value)).not.toBeNull();
    expect(attributeProblem('node', 'codeBlock', 'indent', 1)).not.toBeNull();
    expect(attributeProblem('mark', 'textStyle', 'position', 'fixed')).not.toBeNull();
  });
  it('[V7] pasted CSS values are converted to the closest valid one, hostile ones dropped', () => {
    expect(normalizeAttribute('mark', 'textStyle', 'color', 'rgb(255, 0, 0)')).toBe('#ff0000');
    expect(normalizeAttribute('mark', 'textStyle', 'color', '#F0A')).toBe('#ff00aa');
    expect(normalizeAttribute('mark', 'highlight', 'color', ' #ABCDEF ')).toBe('#abcdef');
    // The colour names Word and LibreOffice write.
    expect(normalizeAttribute('mark', 'textStyle', 'color', 'Red')).toBe('#ff0000');
    expect(normalizeAttribute('mark', 'highlight', 'color', 'lime')).toBe('#00ff00');
    for (const value of HOSTILE_COLORS) expect(normalizeAttribute('mark', 'textStyle', 'color', value), JSON.stringify(value)).toBeNull();
    expect(normalizeAttribute('mark', 'textStyle', 'fontSize', '16px')).toBe('12pt');
    expect(normalizeAttribute('mark', 'textStyle', 'fontSize', '1000pt')).toBe('400pt');
    expect(normalizeAttribute('mark', 'textStyle', 'fontSize', '2em')).toBeNull();
    expect(normalizeAttribute('mark', 'textStyle', 'fontSize', '12pt; position: fixed')).toBeNull();
    expect(normalizeAttribute('node', 'paragraph', 'indent', 42)).toBe(8);
    expect(normalizeAttribute('node', 'paragraph', 'indent', 'x')).toBeNull();
  });
});

const STYLED_HTML =
  '<h2 data-indent="1" style="margin-left: 36pt;">Heading</h2>' +
  '<p style="text-align: center; margin-left: 108pt;" data-indent="3">a <span style="color: #980000; font-size: 18pt;">red big</span> ' +
  '<mark data-color="#ffff00" style="background-color: #ffff00; color: inherit;">marked</mark></p>';

describe('[V7] HTML and Markdown', () => {
  it('[V7] colours, sizes, highlight colours and indents survive an HTML round trip as inline styles', () => {
    const node = parseContent(STYLED_HTML, 'html');
    const json = JSON.stringify(node.toJSON());
    expect(json).toContain('"indent":3');
    expect(json).toContain('"indent":1');
    expect(json).toContain('{"type":"textStyle","attrs":{"color":"#980000","fontSize":"18pt"}}');
    expect(json).toContain('{"type":"highlight","attrs":{"color":"#ffff00"}}');
    const html = exportNode(node, 'html');
    expect(html).toBe(STYLED_HTML);
    expect(JSON.stringify(parseContent(html, 'html').toJSON())).toBe(json);
  });
  it('[V7] an HTML import keeps pasted colours, sizes and indents in valid form and drops hostile ones', () => {
    const node = parseContent(
      '<p style="margin-left: 96px">a <span style="color: rgb(0, 0, 255); font-size: 16px">blue</span> ' +
        '<span style="color: red; position: fixed">named</span> <span style="color: expression(alert(1)); font-size: 2em">x</span> ' +
        '<mark style="background-color: url(https://evil.example/x)">u</mark></p><p data-indent="99">deep</p>',
      'html',
    );
    const html = exportNode(node, 'html');
    expect(html).toContain('<p data-indent="2" style="margin-left: 72pt;">');
    expect(html).toContain('<span style="color: #0000ff; font-size: 12pt;">blue</span>');
    expect(html).toContain('data-indent="8"');
    expect(html).not.toMatch(/position|expression|url\(|evil|red/);
  });
  it('[V7] Markdown drops what it cannot express and keeps the text', () => {
    const markdown = exportNode(parseContent(STYLED_HTML, 'html'), 'markdown');
    expect(markdown).toContain('red big');
    expect(markdown).not.toMatch(/style|color|#980000|18pt|indent/);
  });
  it('[V7] the reader makes a stored hostile colour, size or indent valid, and rendering never emits it', () => {
    const schema = documentSchema();
    const doc = new Y.Doc();
    Y.applyUpdate(doc, initialUpdate(schema.nodes.doc.create(null, [schema.nodes.paragraph.create(null, schema.text('text'))])));
    const paragraph = doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement;
    doc.transact(() => {
      paragraph.setAttribute('indent', '99; position: fixed');
      (paragraph.get(0) as Y.XmlText).format(0, 4, { textStyle: { color: 'red; position: fixed', fontSize: 'expression(1)' }, highlight: { color: 'url(x)' } });
    });
    const reading = readBodyOf(doc);
    expect(reading.problems.length).toBeGreaterThan(0);
    const html = exportBody(doc, 'html');
    expect(html).not.toMatch(/position|expression|url\(/);
    expect(html).toContain('<p>');
  });
});
