import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { exportBody } from '../../shared/conversion';
import { BODY_FIELD, IDENTITY_FIELD, INCARNATION_KEY } from '../../shared/documentFields';
import { apiRequest } from '../../testing/apiRequest';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { paragraph } from '../../testing/sampleDocument';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Document identity (`shared/SCHEMA-RULES.md` [I1], [I2]): every document the server creates
 * carries a random incarnation id, whatever creates it; a client still holding the state of a
 * document that was deleted and created again under its name is refused by the new one with
 * `4409 document-replaced`, on both protocols, and nothing of the deleted document reaches it.
 */

let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.token({ doc: '*', role: 'admin', sub: 'admin' });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const incarnationOf = (doc: Y.Doc) => doc.getMap(IDENTITY_FIELD).get(INCARNATION_KEY);
const storedIncarnation = (name: string) => server.server.documents.read(name, incarnationOf);
const textOf = (name: string) => server.server.documents.read(name, (doc) => exportBody(doc, 'text'));

describe('[I1] every document gets an identity when it is created', () => {
  it('[I1] by the content API, the app (blank and imported), the document service and an editor connecting', async () => {
    expect((await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name: 'by-api' } })).status).toBe(201);
    const blank = await apiRequest(server.httpUrl, 'POST', '/api/app/documents', { body: {} });
    const imported = await apiRequest(server.httpUrl, 'POST', '/api/app/documents', { body: { content: '# Imported', format: 'markdown' } });
    await server.server.documents.create('by-service');
    const connecting = hocuspocusClient(server.hocuspocusUrl, 'by-connecting', await server.token({ doc: 'by-connecting' }));
    await connecting.synced();
    const names = ['by-api', blank.json.name as string, imported.json.name as string, 'by-service', 'by-connecting'];
    const ids = await Promise.all(names.map(storedIncarnation));
    for (const [index, id] of ids.entries()) expect(id, names[index]).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(new Set(ids).size).toBe(ids.length);
    // The client that created its document by connecting holds the identity too.
    await waitFor(() => incarnationOf(connecting.doc) === ids[4], { message: 'the creating client to hold the identity' });
    connecting.destroy();
    // And it is on disk (loaded again from LevelDB, not from memory).
    await server.stop();
    const stored = await loadStored(server.dataDir, names);
    for (const [index, name] of names.entries()) expect(incarnationOf(stored.get(name)?.doc as Y.Doc), name).toBe(ids[index]);
    server = await startTestServer({ dataDir: server.dataDir });
  });
});

describe('[I2] a client holding a deleted document’s state is refused by the new one', () => {
  /** Creates `name` through the content API with `text`, and returns a copy of its state as an editor had it. */
  async function recreate(name: string, text: string): Promise<void> {
    expect((await apiRequest(server.httpUrl, 'DELETE', `/api/docs/${name}`, { token: admin })).status).toBe(204);
    const created = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, content: text, format: 'text' } });
    expect(created.status, created.text).toBe(201);
  }

  it('[I2] Hocuspocus protocol: the stale client is closed with document-replaced; nothing of the old document returns', async () => {
    const name = 'recreated-hp';
    await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, content: 'Original text', format: 'text' } });
    const stale = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await stale.synced();
    stale.doc.getXmlFragment(BODY_FIELD).insert(1, [paragraph('Written before the deletion')]);
    await stale.saved();
    const staleState = Y.encodeStateAsUpdate(stale.doc);
    stale.destroy();

    await recreate(name, 'The new document');
    const newIdentity = await storedIncarnation(name);

    const doc = new Y.Doc();
    Y.applyUpdate(doc, staleState);
    const again = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }), { doc });
    const closes: string[] = [];
    again.provider.on('close', ({ event }: { event: { reason: string } }) => closes.push(event.reason));
    await waitFor(() => closes.includes(CloseCodes.DocumentReplaced.reason), { message: 'the stale client to be refused' });
    again.destroy();

    expect(await textOf(name)).toBe('The new document');
    expect(await storedIncarnation(name)).toBe(newIdentity);
    // A client that never held the old document opens the new one normally.
    const fresh = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await fresh.synced();
    fresh.doc.getXmlFragment(BODY_FIELD).insert(1, [paragraph('new writing')]);
    await fresh.saved();
    fresh.destroy();
    expect(await textOf(name)).toBe('The new document\n\nnew writing');
  });

  it('[I2] y-websocket: the stale client’s socket is closed with 4409 document-replaced, every time it connects', async () => {
    const name = 'recreated-y';
    await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, content: 'Original text', format: 'text' } });
    const stale = yWebsocketClient(server.yWebsocketUrl, name, await server.token({ doc: name }));
    await stale.synced();
    stale.doc.getXmlFragment(BODY_FIELD).insert(1, [paragraph('Written before the deletion')]);
    await waitFor(async () => (await textOf(name)).includes('Written before'), { message: 'the edit to reach the server' });
    const staleState = Y.encodeStateAsUpdate(stale.doc);
    stale.destroy();

    await recreate(name, 'The new document');

    const doc = new Y.Doc();
    Y.applyUpdate(doc, staleState);
    const again = yWebsocketClient(server.yWebsocketUrl, name, await server.token({ doc: name }), { doc });
    await waitFor(() => again.closes.length > 0, { message: 'the stale client to be refused' });
    // y-websocket takes a 4xxx close as final; connecting again is refused the same way.
    again.provider.connect();
    await waitFor(() => again.closes.length > 1, { message: 'the second attempt to be refused' });
    expect(again.closes).toEqual([
      { code: CloseCodes.DocumentReplaced.code, reason: CloseCodes.DocumentReplaced.reason },
      { code: CloseCodes.DocumentReplaced.code, reason: CloseCodes.DocumentReplaced.reason },
    ]);
    again.destroy();
    expect(await textOf(name)).toBe('The new document');
  });
});
