import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { Bystander } from '../../testing/bystander';
import { LibreOffice } from '../../testing/libreOffice';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { docxParts, pictureDocx, zipOf } from '../../testing/zipFiles';
import { MAX_DOCX_IMPORT_BYTES } from '../http/appRoutes';

/**
 * Word files in and out, checked against a real office suite: the .docx export is opened by
 * LibreOffice and its structure read back, a .docx written by LibreOffice is imported through the
 * content API and the app, the PDF export's text is read by a PDF parser, and archives that would
 * exhaust memory (zip bombs, sizes that lie) or are no .docx at all are refused with a status and
 * a message while someone else keeps using the server.
 */

/** A document with each thing the export writes (created from HTML: Markdown has no underline). */
const SOURCE = `<h1>Quarterly plan</h1>
<p>Plain words with <strong>bold words</strong>, <em>leaning words</em>, <u>underlined words</u>, <s>struck words</s>, <code>code words</code> and <a href="https://example.com/page">a link</a>.</p>
<ul><li><p>first bullet</p></li><li><p>second bullet</p><ul><li><p>nested bullet</p></li></ul></li></ul>
<ol><li><p>step one</p></li><li><p>step two</p><ol><li><p>step two point one</p></li></ol></li></ol>
<blockquote><p>a quoted remark</p></blockquote>
<pre><code>const answer = 42;</code></pre>
<table><tr><th><p>Fruit</p></th><th><p>Count</p></th></tr><tr><td><p>apples</p></td><td><p>3</p></td></tr></table>`;

/** A page LibreOffice turns into a .docx, as Word users would send one. */
const WORD_SOURCE = `<!doctype html><html><body>
<h1>Field report</h1>
<p>Ordinary text and <b>strong text</b> and <i>slanted text</i>.</p>
<h2>Findings</h2>
<ul><li>north ridge</li><li>south valley<ul><li>the stream</li></ul></li></ul>
<ol><li>measure</li><li>record</li></ol>
</body></html>`;

/** Text that inflates a thousandfold: the mark of a zip bomb. */
const WORD_XML = (text: string) =>
  Buffer.from(
    `<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>${text}</w:t></w:r></w:p></w:body></w:document>`,
  );
/** Made before the server starts: a part that unpacks to 40 MB of zeros from about 40 KB. */
const BOMB = zipOf([...docxParts(WORD_XML('bomb')), { name: 'word/media/zeros.bin', data: Buffer.alloc(40 * 1024 * 1024) }]);
/** The main part says 2 KB and unpacks to 200 MB: unpacking stops at the mismatch (or at the worker's memory cap). */
const LIAR = (() => {
  const parts = docxParts(WORD_XML('a'.repeat(200 * 1024 * 1024)));
  parts[2].declaredBytes = 2048;
  return zipOf(parts);
})();

let server: TestServer;
let office: LibreOffice;
let admin: string;

beforeAll(async () => {
  office = await LibreOffice.start();
  server = await startTestServer({ config: { conversionMemoryMb: 64 } });
  admin = await server.token({ doc: '*', role: 'admin' });
}, 60_000);

afterAll(async () => {
  await server?.stop({ removeData: true });
  await office?.stop();
});

/** Creates a document from `content` through the content API; returns its name. */
async function create(content: string, format: string, title = ''): Promise<{ name: string; notes?: string[] }> {
  const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { title, format, content } });
  expect(answer.status, answer.text).toBe(201);
  return answer.json as { name: string; notes?: string[] };
}

/** A document's export in `format`, as bytes, checking its media type. */
async function download(name: string, format: string, type: string): Promise<Buffer> {
  const response = await fetch(`${server.httpUrl}/api/docs/${name}/content?format=${format}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(response.status).toBe(200);
  expect(response.headers.get('content-type')).toBe(type);
  return Buffer.from(await response.arrayBuffer());
}

async function markdownOf(name: string): Promise<string> {
  return (await apiRequest(server.httpUrl, 'GET', `/api/docs/${name}/content?format=markdown`, { token: admin })).text;
}

describe('export', () => {
  it('[DX1] the .docx export opens in LibreOffice with its headings, marks, links, nested lists, quote, code and table', async () => {
    const { name } = await create(SOURCE, 'html', 'Plan');
    const docx = await download(name, 'docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const html = (await office.convert({ 'plan.docx': docx }, 'html')).plan.toString().replace(/\s+/g, ' ');
    // The title leads as a level-1 heading, then the body.
    expect(html).toMatch(/<h1[^>]*>\s*Plan\s*<\/h1>\s*<h1[^>]*>\s*Quarterly plan\s*<\/h1>/);
    expect(html).toMatch(/<b>bold words<\/b>/);
    expect(html).toMatch(/<i>leaning words<\/i>/);
    expect(html).toMatch(/<u>underlined words<\/u>/);
    expect(html).toMatch(/<strike>struck words<\/strike>/);
    expect(html).toMatch(/Courier New[^>]*>code words/);
    expect(html).toMatch(/<a href="https:\/\/example.com\/page">a link<\/a>/);
    // Lists keep their kind and their nesting.
    expect(html).toMatch(/<ul>.*first bullet.*second bullet.*<ul>.*nested bullet.*<\/ul>.*<\/ul>/);
    expect(html).toMatch(/<ol>.*step one.*step two.*<ol[^>]*>.*step two point one.*<\/ol>.*<\/ol>/);
    expect(html).toMatch(/border-left[^>]*>\s*a quoted remark/);
    expect(html).toMatch(/Courier New[^>]*>const answer = 42;/);
    expect(html).toMatch(/<table.*Fruit.*Count.*apples.*3.*<\/table>/);
    // mammoth (another reader) agrees on the headings and lists.
    const { value } = await mammoth.convertToHtml({ buffer: docx });
    expect(value).toContain('<h1>Plan</h1><h1>Quarterly plan</h1>');
    expect(value).toMatch(/<ol><li>step one<\/li><li>step two<ol><li>step two point one<\/li><\/ol><\/li><\/ol>/);
  }, 120_000);

  it('[DX2] the PDF export is a PDF holding the title and the text in reading order', async () => {
    const { name } = await create(SOURCE, 'html', 'Plan');
    const pdf = await download(name, 'pdf', 'application/pdf');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const { text } = await parser.getText();
    await parser.destroy();
    const flat = text.replace(/\s+/g, ' ');
    const order = [
      'Plan',
      'Quarterly plan',
      'bold words',
      'a link',
      'first bullet',
      'nested bullet',
      '1. step one',
      'a quoted remark',
      'const answer = 42;',
      'apples',
    ];
    let at = -1;
    for (const piece of order) {
      const next = flat.indexOf(piece, at + 1);
      expect(next, `"${piece}" after position ${at} in: ${flat}`).toBeGreaterThan(at);
      at = next;
    }
  });

  it('[DX3] format names what exists: an unknown format is refused with the list', async () => {
    const { name } = await create('x', 'markdown');
    const answer = await apiRequest(server.httpUrl, 'GET', `/api/docs/${name}/content?format=odt`, { token: admin });
    expect(answer.status).toBe(400);
    expect(answer.json.error).toMatch(/json, html, markdown, text, docx, pdf/);
  });
});

describe('import', () => {
  let wordFile: Buffer;
  beforeAll(async () => {
    wordFile = (await office.convert({ 'report.html': WORD_SOURCE }, 'docx:MS Word 2007 XML')).report;
  }, 120_000);

  it('[DX4] a .docx written by LibreOffice imports through the content API with its headings, lists and bold', async () => {
    const { name } = await create(wordFile.toString('base64'), 'docx', 'Report');
    const markdown = await markdownOf(name);
    expect(markdown).toContain('# Field report');
    expect(markdown).toContain('## Findings');
    expect(markdown).toContain('**strong text**');
    expect(markdown).toContain('*slanted text*');
    expect(markdown).toMatch(/- north ridge\n- south valley\n {2}- the stream/);
    expect(markdown).toMatch(/1\. measure\n2\. record/);
  });

  it('[DX5] the app imports a .docx file into a new document (its leading heading as the title), and says which images it left out', async () => {
    // A picture in a format the editor does not show (here bytes that are no image at all).
    const withImage = pictureDocx('Before the picture', [{ data: Buffer.from('not an image'), name: 'image1.emf' }]);
    for (const [file, expected] of [
      [wordFile, { title: 'Field report', text: '## Findings', notes: [] as string[] }],
      [
        withImage,
        {
          title: 'From Word',
          text: 'Before the picture',
          notes: ['1 image was left out: only PNG, JPEG, GIF and WebP pictures are imported from .docx files; add it again in the editor'],
        },
      ],
    ] as const) {
      const answer = await apiRequest(server.httpUrl, 'POST', '/api/app/documents', {
        body: { title: 'From Word', format: 'docx', content: file.toString('base64') },
      });
      expect(answer.status, answer.text).toBe(201);
      expect(answer.json.notes).toEqual(expected.notes);
      expect(answer.json.title).toBe(expected.title);
      expect(await markdownOf(answer.json.name as string)).toContain(expected.text);
    }
  });
});

describe('refusals', () => {
  let bystander: Bystander;
  beforeAll(async () => {
    bystander = await Bystander.start({
      httpUrl: server.httpUrl,
      hocuspocusUrl: server.hocuspocusUrl,
      document: 'bystander',
      token: await server.token({ doc: 'bystander' }),
    });
  });
  afterAll(async () => {
    await bystander?.stop();
  });

  it('[DX6] a zip bomb, an archive whose sizes lie, a file that is no .docx and one over the import limit are refused with a clear message, while others are served', async () => {
    const before = bystander.current;
    const cases: Array<[string, Buffer, 'api' | 'app', number, RegExp]> = [
      ['bomb', BOMB, 'api', 413, /unpacks to 40\.0 MB; at most 32\.0 MB per part/],
      ['liar', LIAR, 'api', 422, /a part unpacks to another size than its zip directory declares/],
      ['text', Buffer.from('just some words, not a zip'), 'api', 422, /not a \.docx document \(it is not a zip archive\)/],
      ['zip of nothing docx', zipOf([{ name: 'hello.txt', data: Buffer.from('hi') }]), 'app', 422, /not a \.docx document that can be read/],
      ['oversize', Buffer.alloc(MAX_DOCX_IMPORT_BYTES + 1024), 'app', 413, /too large to import .* at most 16\.0 MB of \.docx file/],
    ];
    for (const [label, file, route, status, message] of cases) {
      const body = { title: label, format: 'docx', content: file.toString('base64') };
      const answer =
        route === 'api'
          ? await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { ...body, format: 'docx' } })
          : await apiRequest(server.httpUrl, 'POST', '/api/app/documents', { body });
      expect(answer.status, `${label}: ${answer.text}`).toBe(status);
      expect(answer.json.error, label).toMatch(message);
    }
    // The server still converts for others afterwards, and answered them all along.
    expect(await markdownOf((await create('still **here**', 'markdown')).name)).toContain('still **here**');
    const seen = bystander.since(before);
    expect(seen.healthzFailures).toEqual([]);
    expect(seen.healthzMs.length).toBeGreaterThan(0);
    expect(seen.worstHealthzMs).toBeLessThan(1000);
  }, 120_000);
});
