import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, TEST_SECRET, type TestServer } from '../../../testing/testServer';
import { mintToken, QuireApiError, QuireClient } from '../src/index';

/**
 * `QuireClient` against a real server (port 0, LevelDB in a temporary folder): every call of the
 * content API it offers, with tokens minted by the package's own `mintToken`.
 */

let server: TestServer;
let admin: QuireClient;

beforeAll(async () => {
  server = await startTestServer();
  admin = new QuireClient({ url: server.httpUrl, token: () => mintToken(TEST_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' }, 60) });
});

afterAll(async () => {
  await server?.stop({ removeData: true });
});

describe('QuireClient', () => {
  it('creates, lists, renames, reads, writes and deletes documents', async () => {
    const created = await admin.createDocument({ name: 'client-notes', title: 'Notes', content: '# Plan\n\nFirst.', format: 'markdown' });
    expect(created).toMatchObject({ name: 'client-notes', title: 'Notes' });
    await admin.createDocument({ name: 'client-other' });
    const first = await admin.listDocuments({ limit: 1 });
    expect(first.documents.map((document) => document.name)).toEqual(['client-notes']);
    expect((await admin.listDocuments({ after: first.next ?? '' })).documents.map((document) => document.name)).toEqual(['client-other']);

    expect((await admin.renameDocument('client-notes', 'Plans')).title).toBe('Plans');
    expect((await admin.getDocument('client-notes')).title).toBe('Plans');

    await admin.appendContent('client-notes', { content: 'Second.', format: 'markdown' });
    const read = await admin.getContent('client-notes', 'markdown');
    expect(read.content).toBe('# Plan\n\nFirst.\n\nSecond.');
    expect(read.etag).toMatch(/^".+"$/);
    expect(JSON.parse((await admin.getContent('client-notes')).content)).toMatchObject({ type: 'doc' });

    // A write based on the current version applies; one based on an older version is refused.
    await admin.replaceContent('client-notes', { content: read.content.replace('First', 'Only'), format: 'markdown', ifMatch: read.etag });
    expect((await admin.getContent('client-notes', 'text')).content).toContain('Only.');
    const stale = await admin.replaceContent('client-notes', { content: 'Lost', ifMatch: read.etag }).catch((error: unknown) => error);
    expect(stale).toBeInstanceOf(QuireApiError);
    expect((stale as QuireApiError).status).toBe(412);

    const pdf = await admin.getContent('client-notes', 'pdf');
    expect(pdf.content).toBeInstanceOf(Uint8Array);
    expect(new TextDecoder().decode(pdf.content.slice(0, 5))).toBe('%PDF-');

    await admin.deleteDocument('client-other');
    const gone = await admin.getDocument('client-other').catch((error: unknown) => error);
    expect(gone).toBeInstanceOf(QuireApiError);
    expect((gone as QuireApiError).status).toBe(404);
    expect((gone as QuireApiError).message).toContain('client-other');
  });

  it("says what the server refused, with the server's explanation", async () => {
    const viewer = new QuireClient({
      url: server.httpUrl,
      token: await mintToken(TEST_SECRET, { sub: 'reader', name: 'Reader', doc: 'client-notes', role: 'viewer' }),
    });
    const refused = await viewer.appendContent('client-notes', { content: 'No.' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(QuireApiError);
    expect((refused as QuireApiError).status).toBe(403);
    expect((refused as QuireApiError).message).toMatch(/editor/);
  });
});
