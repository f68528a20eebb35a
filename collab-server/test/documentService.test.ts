import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { appendBody, exportBody, initialUpdate, parseContent } from '../../shared/conversion';
import { hocuspocusClient, textOf, yWebsocketClient } from '../../testing/clients';
import { FaultyStore } from '../../testing/faultyStore';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

describe('DocumentService', () => {
  it('a server-side change reaches a connected editor and is durable when it resolves', async () => {
    const { documents } = server.server;
    await documents.create('service-change', { update: initialUpdate(parseContent('First paragraph.', 'markdown')) });
    const client = hocuspocusClient(server.hocuspocusUrl, 'service-change', await server.token({ doc: 'service-change' }));
    await client.synced();
    await documents.change('service-change', (doc) => appendBody(doc, parseContent('Appended **bold**.', 'markdown')));
    await waitFor(() => textOf(client.doc).includes('Appended'), { message: 'the change to reach the client' });
    client.destroy();
    await server.restart();
    const markdown = await server.server.documents.read('service-change', (doc) => exportBody(doc, 'markdown'));
    expect(markdown).toBe('First paragraph.\n\nAppended **bold**.');
  });

  it('deleting a document closes its editors with document-deleted and refuses reconnection', async () => {
    const { documents } = server.server;
    await documents.create('service-delete');
    const token = await server.token({ doc: 'service-delete' });
    const client = yWebsocketClient(server.yWebsocketUrl, 'service-delete', token);
    await client.synced();
    expect(await documents.delete('service-delete')).toBe(true);
    await waitFor(() => client.closes.some((close) => close.code === CloseCodes.DocumentDeleted.code), { message: 'the deleted close code' });
    expect(await documents.getMeta('service-delete')).toBeNull();
    client.destroy();
    const again = hocuspocusClient(server.hocuspocusUrl, 'service-delete', token);
    await waitFor(() => again.refusals.includes(CloseCodes.DocumentDeleted.reason), { message: 'the refusal of a deleted document' });
    again.destroy();
  });

  it('deleting a document whose writes are failing neither hangs nor acknowledges the unsaved edit', async () => {
    let faulty: FaultyStore | undefined;
    const local = await startTestServer({
      store: (dataDir) => {
        faulty = new FaultyStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
        return faulty;
      },
    });
    try {
      await local.server.documents.create('delete-while-failing');
      const client = hocuspocusClient(local.hocuspocusUrl, 'delete-while-failing', await local.token({ doc: 'delete-while-failing' }));
      await client.synced();
      faulty?.inject(['append']);
      client.doc.getText('body').insert(0, 'never stored');
      await waitFor(() => (faulty?.failures.get('append') ?? 0) > 0, { message: 'a failed append' });
      // The delete returns although the document's write keeps failing…
      expect(await local.server.documents.delete('delete-while-failing')).toBe(true);
      expect(await local.server.documents.getMeta('delete-while-failing')).toBeNull();
      // …and once the disk is back, the retried write finds no document and the edit is dropped
      // unacknowledged: the document unloads and the client still counts its change as unsaved.
      faulty?.heal();
      await waitFor(() => !local.server.hocuspocus.documents.has('delete-while-failing'), { message: 'the deleted document to unload' });
      expect(client.provider.unsyncedChanges).toBeGreaterThan(0);
      client.destroy();
    } finally {
      await local.stop({ removeData: true });
    }
  });
});
