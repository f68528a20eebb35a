import { Window } from 'happy-dom';
import { afterAll, describe, expect, it } from 'vitest';
import { parseWithLimits } from '../../collab-server/conversion/parseWithLimits';
import { CLIPBOARD_MARKDOWN, CLIPBOARD_SOURCES, clipboardHtml, STYLED_CLIPBOARD_HTML } from '../../testing/clipboardFixtures';
import { exportNode } from '../conversion';
import { foreignHtmlToEditorHtml, mayBeForeignHtml } from '../foreignHtml';

const LIMITS = { maxDepth: 100, maxNodes: 50_000 };
const window = new Window({ settings: { disableJavaScriptEvaluation: true, disableComputedStyleRendering: true } });
const parser = new window.DOMParser();
const parse = (html: string) => parser.parseFromString(html, 'text/html') as unknown as Document;

afterAll(async () => {
  await window.happyDOM.close();
});

/** HTML imported the way the server imports it (the conversion worker's parse), in the editor's Markdown. */
const imported = (html: string) => exportNode(parseWithLimits(html, 'html', LIMITS), 'markdown');

/** Word list paragraphs: `items` are [level, marker, text]. */
function wordList(items: Array<[number, string, string]>, comments: 'clipboard' | 'saved' | 'none' = 'clipboard'): string {
  const [open, close] =
    comments === 'clipboard' ? ['<!--[if !supportLists]-->', '<!--[endif]-->'] : comments === 'saved' ? ['<![if !supportLists]>', '<![endif]>'] : ['', ''];
  return items
    .map(
      ([level, marker, text]) =>
        `<p class=MsoListParagraphCxSpMiddle style='text-indent:-18.0pt;mso-list:l0 level${level} lfo1'>${open}<span style='font-family:Symbol'><span style='mso-list:Ignore'>${marker}<span style='font:7.0pt "Times New Roman"'>&nbsp;&nbsp;&nbsp; </span></span></span>${close}${text}<o:p></o:p></p>`,
    )
    .join('\n');
}

describe('HTML from word processors', () => {
  for (const source of CLIPBOARD_SOURCES) {
    it(`imports ${source}'s clipboard HTML as nested bulleted and numbered lists and real marks`, () => {
      expect(imported(clipboardHtml(source))).toBe(CLIPBOARD_MARKDOWN);
    });
  }

  it("reads Word's list markers in both comment forms and without them, and drops the marker text", () => {
    const items: Array<[number, string, string]> = [
      [1, '·', 'one'],
      [2, 'o', 'two'],
      [1, '§', 'three'],
    ];
    for (const form of ['clipboard', 'saved', 'none'] as const) {
      expect(imported(wordList(items, form)), form).toBe('- one\n  - two\n- three');
    }
  });

  it("keeps a Word numbered list's start and letter or Roman numbering, and starts a new list where the kind changes", () => {
    expect(
      imported(
        wordList([
          [1, '3.', 'third'],
          [2, 'i.', 'roman'],
          [2, 'ii.', 'roman two'],
          [1, '4.', 'fourth'],
          [1, '·', 'a bullet after'],
        ]),
      ),
    ).toBe('3. third\n   i. roman\n   ii. roman two\n4. fourth\n\n- a bullet after');
  });

  it('nests a flat Google Docs list by its aria-level and makes role="checkbox" items a check list', () => {
    const flat =
      '<ul><li aria-level="1"><p>top</p></li><li aria-level="2"><p>under</p></li><li aria-level="1"><p>top again</p></li></ul>' +
      '<ul><li role="checkbox" aria-checked="true" aria-level="1"><p>done</p></li><li role="checkbox" aria-checked="false" aria-level="1"><p>to do</p></li></ul>';
    expect(imported(flat)).toBe('- top\n  - under\n- top again\n\n- [x] done\n- [ ] to do');
  });

  it('nests no deeper than the nine levels word processors offer, whatever the levels claim, and stays linear in the items', () => {
    const items = Array.from({ length: 2000 }, (_, index) => `<li aria-level="${index + 1}"><p>item ${index}</p></li>`).join('');
    const node = parseWithLimits(`<ul>${items}</ul>`, 'html', LIMITS);
    const markdown = exportNode(node, 'markdown');
    expect(markdown.split('\n').filter((line) => line.trim() !== '')).toHaveLength(2000);
    // The ninth level is indented 16 spaces; nothing deeper.
    expect(markdown).toContain(`${' '.repeat(16)}- item 8`);
    expect(markdown).not.toMatch(/^ {17,}-/m);
    const wordDeep = wordList([
      [1, '·', 'one'],
      [12, '·', 'claims twelve'],
    ]);
    expect(imported(wordDeep)).toBe('- one\n  - claims twelve');
  });

  it("unwraps Google Docs' not-bold wrapper, and styled spans become marks only for what their style says", () => {
    const html =
      '<b style="font-weight:normal;" id="docs-internal-guid-1"><p><span style="font-weight:400;mso-bidi-font-weight:700">plain</span> <span style="font-weight:bold;font-style:italic">both</span></p></b>';
    expect(imported(html)).toBe('plain ***both***');
  });

  it("drops style elements, which the page's Content-Security-Policy would report, from any pasted HTML", () => {
    const styled = '<html><head><style>p { color: red }</style></head><body><p>kept</p><STYLE type="text/css">x{}</STYLE></body></html>';
    expect(foreignHtmlToEditorHtml(styled, parse)).toBe('<html><head></head><body><p>kept</p></body></html>');
    expect(foreignHtmlToEditorHtml('<p>a</p><style>never closed', parse)).toBe('<p>a</p>');
    expect(foreignHtmlToEditorHtml(clipboardHtml('word'), parse)).not.toContain('mso-style');
  });

  it("leaves the editor's own HTML as it is, without parsing it twice", () => {
    const own =
      '<h2>Agenda</h2><p>Point <strong>one</strong> <span style="color: #0000ff; font-size: 12pt;">blue</span> <mark data-color="#00ff00" style="background-color: #00ff00; color: inherit">lit</mark>.</p><ul><li><p>a</p><ul><li><p>b</p></li></ul></li></ul>';
    expect(mayBeForeignHtml(own)).toBe(false);
    expect(
      foreignHtmlToEditorHtml(own, () => {
        throw new Error('parsed');
      }),
    ).toBe(own);
    expect(imported(own)).toBe('## Agenda\n\nPoint **one** blue ==lit==.\n\n- a\n  - b');
  });

  it("keeps Word's, Google Docs' and LibreOffice's text colours, sizes and highlights as the editor's marks, each made valid", () => {
    const runs = (html: string) =>
      (parseWithLimits(html, 'html', LIMITS).toJSON().content[0].content as Array<{ text: string; marks?: Array<{ type: string; attrs?: object }> }>)
        .filter((run) => run.text.trim() !== '')
        .map((run) => [run.text.trim(), ...(run.marks ?? []).map((mark) => `${mark.type} ${JSON.stringify(mark.attrs ?? {})}`).sort()]);
    const red = { word: '#C00000', 'google-docs': '#ff0000', libreoffice: '#c9211e' };
    for (const source of CLIPBOARD_SOURCES) {
      const [styled, coloured] = runs(STYLED_CLIPBOARD_HTML[source]);
      expect(styled, source).toEqual([
        'styled words',
        'highlight {"color":"#ffff00"}',
        `textStyle {"color":"${red[source]}","fontSize":"${source === 'word' ? '14.0pt' : '14pt'}"}`,
      ]);
      expect(coloured[0], source).toBe('coloured words');
      expect(
        coloured.find((mark) => mark.startsWith('textStyle')),
        source,
      ).toMatch(/^textStyle \{"color":"#ff0000"/);
      expect(
        coloured.some((mark) => mark.startsWith('highlight')),
        source,
      ).toBe(false);
    }
    // Hostile values: a colour that says more CSS keeps only its colour, a size is clamped, a background that is no colour is no highlight.
    const hostile = `<p><span style="color: red;position:fixed; font-size: 10000px; background-color: url(https://x.test/a.png)">styled</span><font color="javascript:alert(1)" style="font-size: 1e9pt">font</font><span style="background: expression(alert(1))">expression</span></p>`;
    expect(runs(hostile)).toEqual([
      ['styled', 'textStyle {"color":"#ff0000","fontSize":"400pt"}'],
      // Neither keeps a style, so the two are one text.
      ['fontexpression', 'textStyle {"color":null,"fontSize":null}'],
    ]);
    expect(exportNode(parseWithLimits(hostile, 'html', LIMITS), 'html')).not.toMatch(/position|url\(|javascript|expression\(|1e9/);
  });

  it('gives the same HTML on the server as the transform gives a paste (one implementation)', () => {
    const word = clipboardHtml('word');
    const rewritten = foreignHtmlToEditorHtml(word, parse);
    expect(rewritten).not.toContain('mso-list');
    expect(rewritten).not.toContain('·');
    expect(imported(rewritten)).toBe(CLIPBOARD_MARKDOWN);
  });
});
