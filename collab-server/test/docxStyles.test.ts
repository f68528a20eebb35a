import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { LibreOffice } from '../../testing/libreOffice';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { docxParts, zipOf } from '../../testing/zipFiles';

/**
 * The styles of a Word file's text come through an import: text colour, font size, highlight
 * colours, underline, strike, alignment and indent, from a .docx written by this server's own
 * export and by LibreOffice, each made valid by the schema's rules, so a hand-made file's hostile
 * values (a colour that would say more CSS, a size of 10000 points, a negative indent) are
 * dropped or clamped, never stored as given.
 */

let server: TestServer;
let office: LibreOffice;
let admin: string;

beforeAll(async () => {
  office = await LibreOffice.start();
  server = await startTestServer({ config: { conversionMemoryMb: 128 } });
  admin = await server.token({ doc: '*', role: 'admin' });
}, 60_000);

afterAll(async () => {
  await server?.stop({ removeData: true });
  await office?.stop();
});

interface Block {
  attrs?: Record<string, unknown>;
  content?: Array<{ text: string; marks?: Array<{ type: string; attrs?: Record<string, unknown> }> }>;
}

/** Imports the .docx `bytes` through the content API; returns the new document's blocks as JSON. */
async function imported(bytes: Uint8Array): Promise<Block[]> {
  const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', {
    token: admin,
    body: { format: 'docx', content: Buffer.from(bytes).toString('base64') },
  });
  expect(answer.status, answer.text).toBe(201);
  const json = await apiRequest(server.httpUrl, 'GET', `/api/docs/${answer.json.name}/content?format=json`, { token: admin });
  return (json.json as { content: Block[] }).content;
}

/** Each text of `blocks` with its marks, as `text: mark(attr=value,…) …`, for compact comparisons. */
function styledRuns(blocks: Block[]): string[] {
  return blocks.flatMap((block) =>
    (block.content ?? []).map((run) => {
      const marks = (run.marks ?? []).map((mark) => {
        const attrs = Object.entries(mark.attrs ?? {}).filter(([, value]) => value !== null);
        return attrs.length > 0 ? `${mark.type}(${attrs.map(([name, value]) => `${name}=${value}`).join(',')})` : mark.type;
      });
      return `${run.text}: ${marks.sort().join(' ')}`.trim();
    }),
  );
}

const paragraph = (text: string, attrs: Record<string, unknown> = {}, marks: unknown[] = []) => ({
  type: 'paragraph',
  attrs,
  content: [{ type: 'text', text, ...(marks.length > 0 ? { marks } : {}) }],
});

describe('import keeps styles', () => {
  it('[DX14] a document exported to .docx by the server and imported back keeps its colours, sizes, highlights, underline, strike, alignment and indent', async () => {
    const source = {
      type: 'doc',
      content: [
        paragraph('red and large', { textAlign: 'center', indent: 2 }, [{ type: 'textStyle', attrs: { color: '#cc0000', fontSize: '18pt' } }]),
        paragraph('green highlight', { textAlign: 'right' }, [{ type: 'highlight', attrs: { color: '#00ff00' } }]),
        paragraph('plain highlight', { textAlign: 'justify' }, [{ type: 'highlight', attrs: { color: null } }]),
        paragraph('small blue', { indent: 8 }, [{ type: 'textStyle', attrs: { color: '#1155cc', fontSize: '10.5pt' } }, { type: 'bold' }]),
        paragraph('underlined and struck', {}, [{ type: 'underline' }, { type: 'strike' }]),
      ],
    };
    const created = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { content: source, format: 'json' } });
    expect(created.status, created.text).toBe(201);
    const docx = await fetch(`${server.httpUrl}/api/docs/${created.json.name}/content?format=docx`, { headers: { authorization: `Bearer ${admin}` } });
    expect(docx.status).toBe(200);
    const blocks = await imported(new Uint8Array(await docx.arrayBuffer()));
    expect(blocks.map((block) => [block.attrs?.textAlign ?? null, block.attrs?.indent ?? null])).toEqual([
      ['center', 2],
      ['right', null],
      ['justify', null],
      [null, 8],
      [null, null],
    ]);
    expect(styledRuns(blocks)).toEqual([
      'red and large: textStyle(color=#cc0000,fontSize=18pt)',
      'green highlight: highlight(color=#00ff00)',
      'plain highlight: highlight',
      'small blue: bold textStyle(color=#1155cc,fontSize=10.5pt)',
      'underlined and struck: strike underline',
    ]);
  }, 120_000);

  it('[DX15] a .docx written by LibreOffice keeps its text colours, sizes, highlight colours, alignment and indent', async () => {
    const page = `<!doctype html><html><body>
<p style="text-align:center">Plain then <span style="color:#cc0000">red words</span> and <span style="font-size:18pt">large words</span> and <span style="background:#ffff00">lit words</span>.</p>
<p style="margin-left:1in">indented words</p>
<p style="text-align:right"><u><span style="color:#0000ff;font-size:14pt;background:#00ff00">all three</span></u></p>
</body></html>`;
    const { styles } = await office.convert({ 'styles.html': page }, 'docx:MS Word 2007 XML');
    const blocks = await imported(styles);
    expect(blocks.map((block) => [block.attrs?.textAlign ?? null, block.attrs?.indent ?? null])).toEqual([
      ['center', null],
      [null, 2],
      ['right', null],
    ]);
    expect(styledRuns(blocks)).toEqual([
      'Plain then :',
      'red words: textStyle(color=#cc0000)',
      'and :',
      'large words: textStyle(fontSize=18pt)',
      'and :',
      'lit words: highlight(color=#ffff00)',
      '.:',
      'indented words:',
      'all three: highlight(color=#00ff00) textStyle(color=#0000ff,fontSize=14pt) underline',
    ]);
  }, 120_000);

  it('[DX16] hostile colours, sizes and indents in a hand-made .docx are dropped or clamped, never stored as given; valid ones beside them are kept', async () => {
    const run = (properties: string, text: string) => `<w:r><w:rPr>${properties}</w:rPr><w:t xml:space="preserve">${text}</w:t></w:r>`;
    const body = [
      `<w:p>${run('<w:color w:val="red;position:fixed"/>', 'css in a colour')}${run('<w:color w:val="00AA00"/>', 'green')}</w:p>`,
      `<w:p>${run('<w:sz w:val="20000"/>', 'ten thousand points')}${run('<w:sz w:val="1"/>', 'half a point')}${run('<w:sz w:val="-40"/>', 'negative size')}</w:p>`,
      `<w:p>${run('<w:shd w:val="clear" w:fill="FF0000;top:0"/>', 'css in a shading')}${run('<w:highlight w:val="url(javascript:x)"/>', 'odd highlight')}${run('<w:highlight w:val="cyan"/>', 'cyan')}</w:p>`,
      `<w:p><w:pPr><w:ind w:left="-7200"/><w:jc w:val="left;position:fixed"/></w:pPr>${run('', 'negative indent')}</w:p>`,
      `<w:p><w:pPr><w:ind w:left="999999"/></w:pPr>${run('<w:color w:val="#123456"/>', 'far indent')}</w:p>`,
      // A run whose text mammoth makes of more than its w:t (a soft hyphen) still gets its colour.
      `<w:p><w:r><w:rPr><w:color w:val="0000FF"/></w:rPr><w:t>hy</w:t><w:softHyphen/><w:t>phen</w:t></w:r></w:p>`,
    ].join('');
    const documentXml = `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>${body}</w:body></w:document>`;
    const blocks = await imported(zipOf(docxParts(Buffer.from(documentXml))));
    expect(styledRuns(blocks)).toEqual([
      'css in a colour:',
      'green: textStyle(color=#00aa00)',
      // 10000 points is clamped to the largest size, half a point to the smallest.
      'ten thousand points: textStyle(fontSize=400pt)',
      'half a point: textStyle(fontSize=1pt)',
      'negative size:',
      // Unstyled, the two runs are one text.
      'css in a shadingodd highlight:',
      'cyan: highlight(color=#00ffff)',
      'negative indent:',
      'far indent:',
      'hy\u00adphen: textStyle(color=#0000ff)',
    ]);
    expect(blocks.map((block) => [block.attrs?.textAlign ?? null, block.attrs?.indent ?? null])).toEqual([
      [null, null],
      [null, null],
      [null, null],
      [null, null],
      [null, 8],
      [null, null],
    ]);
    // Nothing of a hostile value is stored anywhere in the document.
    const stored = JSON.stringify(blocks);
    for (const hostile of ['position', 'javascript', 'top:0', '10000', '#123456']) expect(stored).not.toContain(hostile);
  });
});
