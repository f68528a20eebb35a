import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exportBody } from '../../shared/conversion';
import { TITLE_FIELD } from '../../shared/documentFields';
import { colorFor, verifyToken } from '../../shared/token';
import { AppBrowser } from '../../testing/appBrowser';
import { hocuspocusClient } from '../../testing/clients';
import { CLIPBOARD_MARKDOWN } from '../../testing/clipboardFixtures';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { MAX_IMPORT_BYTES } from '../http/appRoutes';

let server: TestServer;
/** The browser making the app's requests (it keeps the identity cookie the server sets). */
let browser: AppBrowser;

beforeAll(async () => {
  server = await startTestServer();
  browser = new AppBrowser(server.httpUrl);
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

interface Created {
  name: string;
  editKey: string;
  viewKey: string;
  commentKey: string;
}

const call = (method: string, path: string, body: unknown) => browser.call(method, path, body);

const create = async (body: Record<string, unknown> = {}): Promise<Created> => {
  const { name, secrets } = await browser.create(body);
  return { name, editKey: secrets.edit, viewKey: secrets.view, commentKey: secrets.comment };
};
const session = (name: string, key: string) => browser.session(name, key);
/** The name the renaming person chose, as the app sends it (who they are is the browser's cookie). */
const renamer = { userName: '  Grace Hopper ' };

describe('app routes', () => {
  it('creates documents with two different 128-bit link secrets that open as editor and viewer', async () => {
    const { name, editKey, viewKey, commentKey } = await create({ title: 'Plans' });
    expect(Buffer.from(editKey, 'base64url')).toHaveLength(16);
    expect(Buffer.from(viewKey, 'base64url')).toHaveLength(16);
    expect(editKey).not.toBe(viewKey);
    const asEditor = await session(name, editKey);
    expect(asEditor.status).toBe(200);
    expect(asEditor.data).toMatchObject({ role: 'editor', title: 'Plans', link: 'edit', manages: ['edit', 'comment', 'view'] });
    // The edit link's holder is shown every link, as the Share dialog asks for them.
    expect(await browser.links(name, editKey)).toEqual([
      { kind: 'edit', secret: editKey, expiresAt: null, expired: false },
      { kind: 'comment', secret: commentKey, expiresAt: null, expired: false },
      { kind: 'view', secret: viewKey, expiresAt: null, expired: false },
    ]);
    // The comment link's holder comments, manages nothing by default, and is shown its own link and the view link.
    expect((await session(name, commentKey)).data).toMatchObject({ role: 'commenter', link: 'comment', manages: [] });
    expect(await browser.links(name, commentKey)).toEqual([
      { kind: 'comment', secret: commentKey, expiresAt: null, expired: false },
      { kind: 'view', secret: viewKey, expiresAt: null, expired: false },
    ]);
    const asViewer = await session(name, viewKey);
    expect(asViewer.data).toMatchObject({ role: 'viewer', link: 'view', manages: [] });
    expect(await browser.links(name, viewKey)).toEqual([{ kind: 'view', secret: viewKey, expiresAt: null, expired: false }]);
    expect((await session(name, 'A'.repeat(22))).status).toBe(404);
  });

  it('a session token lives LINK_TOKEN_SECONDS: ten minutes unless configured', async () => {
    /** Opens a new document's edit link on `target`: the lifetime it announces and the one in the token. */
    const lifetimeOn = async (target: TestServer) => {
      const on = new AppBrowser(target.httpUrl);
      const { name, secrets } = await on.create();
      const { token, expiresIn } = (await on.session(name, secrets.edit)).data as { token: string; expiresIn: number };
      const { exp, iat } = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString()) as { exp: number; iat: number };
      // `iat` and `exp` are whole seconds of two clock readings a moment apart: `exp` may be a second later.
      return { expiresIn, lifetime: exp - iat };
    };
    expect(await lifetimeOn(server)).toEqual({ expiresIn: 600, lifetime: expect.toSatisfy((seconds: number) => seconds === 600 || seconds === 601) });
    const configured = await startTestServer({ config: { linkTokenSeconds: 5 } });
    try {
      expect(await lifetimeOn(configured)).toEqual({ expiresIn: 5, lifetime: expect.toSatisfy((seconds: number) => seconds === 5 || seconds === 6) });
    } finally {
      await configured.stop({ removeData: true });
    }
  });

  it('keeps the title of a new document in the document itself', async () => {
    const { name } = await create({ title: 'Kept in the Y.Doc' });
    expect(await server.server.documents.read(name, (doc) => doc.getText(TITLE_FIELD).toString())).toBe('Kept in the Y.Doc');
  });

  it('lookup answers only for documents whose secret is valid', async () => {
    const first = await create({ title: 'First' });
    const second = await create({ title: 'Second' });
    const { status, data } = await call('POST', '/api/app/documents/lookup', {
      documents: [
        { name: first.name, key: first.editKey },
        { name: second.name, key: second.viewKey },
        { name: second.name, key: first.editKey },
        { name: 'no-such-document', key: first.editKey },
      ],
    });
    expect(status).toBe(200);
    const found = data.documents as Array<Record<string, unknown>>;
    expect(found.map(({ name, role, title }) => ({ name, role, title }))).toEqual([
      { name: first.name, role: 'editor', title: 'First' },
      { name: second.name, role: 'viewer', title: 'Second' },
    ]);
    expect(typeof found[0].updatedAt).toBe('number');
  });

  it('renaming changes the live title that a connected editor sees; a view link may not rename', async () => {
    const { name, editKey, viewKey } = await create({ title: 'Old title' });
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await client.synced();
    expect((await call('PATCH', `/api/app/documents/${name}`, { key: viewKey, title: 'Nope', ...renamer })).status).toBe(403);
    const renamed = await call('PATCH', `/api/app/documents/${name}`, { key: editKey, title: '  New title\n ', ...renamer });
    expect(renamed).toMatchObject({ status: 200, data: { name, title: 'New title' } });
    await waitFor(() => client.doc.getText(TITLE_FIELD).toString() === 'New title', { message: 'the new title to reach the editor' });
    client.destroy();
    expect((await session(name, editKey)).data.title).toBe('New title');
  });

  it('a rename is recorded in history as the person who made it, with the identity their link token carries', async () => {
    const { name, editKey } = await create({ title: 'Before' });
    expect((await call('PATCH', `/api/app/documents/${name}`, { key: editKey, title: 'After', ...renamer })).status).toBe(200);
    const named = await call('POST', `/api/app/documents/${name}/history/name`, { key: editKey, label: 'Renamed' });
    expect(named.status).toBe(200);
    // The same identity a session for this browser carries: the id from its cookie, the name it chose.
    const { token, user } = (await call('POST', '/api/app/session', { name, key: editKey, ...renamer })).data as { token: string; user: { id: string } };
    const sub = user.id;
    expect(sub).toMatch(/^browser:[A-Za-z0-9_-]{22}$/);
    expect((named.data.version as { authors: unknown[] }).authors).toEqual([{ id: sub, name: 'Grace Hopper', color: colorFor(sub) }]);
    expect(await verifyToken(TEST_SECRET, token)).toMatchObject({ sub, name: 'Grace Hopper' });
    expect(await server.server.documents.read(name, (doc) => doc.getText(TITLE_FIELD).toString())).toBe('After');
  });

  it('deleting needs the edit secret, closes open editors and makes the links stop working', async () => {
    const { name, editKey, viewKey } = await create();
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    // The server closes the document (not the shared socket): the provider reports it as its own close event.
    const closes: string[] = [];
    client.provider.on('close', ({ event }: { event: { reason: string } }) => closes.push(event.reason));
    await client.synced();
    expect((await call('DELETE', `/api/app/documents/${name}`, { key: viewKey })).status).toBe(403);
    expect((await call('DELETE', `/api/app/documents/${name}`, { key: 'wrong' })).status).toBe(404);
    expect((await call('DELETE', `/api/app/documents/${name}`, { key: editKey })).status).toBe(200);
    await waitFor(() => closes.includes('document-deleted'), { message: 'the editor to be told' });
    client.destroy();
    expect((await session(name, editKey)).status).toBe(404);
    expect((await call('DELETE', `/api/app/documents/${name}`, { key: editKey })).status).toBe(404);
  });

  it('imports Markdown as a new document with that content, its leading heading as the title and out of the body', async () => {
    const body = 'Some **bold** text.\n\n- one\n- two\n\n# Later heading';
    const { name } = await create({ title: 'file-name', content: `# Imported\n\n${body}`, format: 'markdown' });
    expect(await server.server.documents.read(name, (doc) => exportBody(doc, 'markdown'))).toBe(body);
    expect(await server.server.documents.read(name, (doc) => doc.getText(TITLE_FIELD).toString())).toBe('Imported');
    // Without a leading heading, the title sent (the file's name) is the title and the body stays whole.
    const plain = await create({ title: 'file-name', content: body, format: 'markdown' });
    expect(await server.server.documents.read(plain.name, (doc) => exportBody(doc, 'markdown'))).toBe(body);
    expect(await server.server.documents.read(plain.name, (doc) => doc.getText(TITLE_FIELD).toString())).toBe('file-name');
  });

  it('imports HTML from a word processor as real lists and marks, its leading heading as the title', async () => {
    const word = readFileSync(new URL('../../testing/fixtures/clipboard/word.html', import.meta.url), 'utf8');
    const { name } = await create({ title: 'notes', content: word.replace('<!--StartFragment-->', '<h2>Shopping</h2>'), format: 'html' });
    expect(await server.server.documents.read(name, (doc) => doc.getText(TITLE_FIELD).toString())).toBe('Shopping');
    expect(await server.server.documents.read(name, (doc) => exportBody(doc, 'markdown'))).toBe(CLIPBOARD_MARKDOWN);
  });

  it('refuses an import over the size limit with 413 and a message that says the limit', async () => {
    const { status, data } = await call('POST', '/api/app/documents', { content: 'a'.repeat(MAX_IMPORT_BYTES + 1), format: 'markdown' });
    expect(status).toBe(413);
    expect(data.error).toMatch(/too large to import.*at most 1\.0 MB/);
    const escaped = await call('POST', '/api/app/documents', { content: '\n'.repeat(MAX_IMPORT_BYTES * 2), format: 'markdown' });
    expect(escaped.status).toBe(413);
    expect(escaped.data.error).toMatch(/too large to import/);
  });

  it('refuses other formats and content that is not a string', async () => {
    expect((await call('POST', '/api/app/documents', { content: '<p>x</p>', format: 'text' })).status).toBe(400);
    expect((await call('POST', '/api/app/documents', { content: 42, format: 'markdown' })).status).toBe(400);
  });
});
