import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { startTestServer, type TestServer } from '../../testing/testServer';

/**
 * Exports of a document holding suggestions through the content API ([SG9] of
 * shared/suggestions/SUGGESTIONS.md): every format but JSON shows it as if every suggestion were rejected.
 */

let server: TestServer;
let admin: string;
let name: string;

const stamp = (id: string) => ({ id, author: 'ann', authorName: 'Ann', time: 1_700_000_000_000 });
const CONTENT = {
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Keep this ', marks: [{ type: 'suggestionDelete', attrs: stamp('d1') }] },
        { type: 'text', text: 'PROPOSED ', marks: [{ type: 'suggestionInsert', attrs: stamp('i1') }] },
        { type: 'text', text: 'sentence.' },
      ],
    },
  ],
};

beforeAll(async () => {
  server = await startTestServer();
  // The suggestions are Ann's, so Ann writes them ([SG11]).
  admin = await server.token({ doc: '*', role: 'admin', sub: 'ann' });
  const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { title: 'Suggested', format: 'json', content: CONTENT } });
  expect(answer.status, answer.text).toBe(201);
  name = (answer.json as { name: string }).name;
});

afterAll(async () => {
  await server?.stop({ removeData: true });
});

async function download(format: string): Promise<Buffer> {
  const response = await fetch(`${server.httpUrl}/api/docs/${name}/content?format=${format}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

describe('exports of a document with suggestions, through the content API', () => {
  it('[SG9] Markdown, HTML, text, Word and PDF leave suggested insertions out and keep suggested deletions', async () => {
    const texts: Record<string, string> = {
      markdown: (await download('markdown')).toString(),
      html: (await download('html')).toString(),
      text: (await download('text')).toString(),
      docx: (await mammoth.extractRawText({ buffer: await download('docx') })).value,
    };
    const parser = new PDFParse({ data: new Uint8Array(await download('pdf')) });
    texts.pdf = (await parser.getText()).text;
    await parser.destroy();
    for (const [format, text] of Object.entries(texts)) {
      expect(text.replace(/\s+/g, ' '), format).toContain('Keep this sentence.');
      expect(text, format).not.toContain('PROPOSED');
    }
  });

  it('[SG9] JSON keeps the suggestions', async () => {
    const json = (await download('json')).toString();
    expect(json).toContain('PROPOSED');
    expect(json).toContain('"suggestionInsert"');
  });
});
