import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const textIn = (doc: Y.Doc) => doc.getText('body').toString();

describe('sync', () => {
  it('two Hocuspocus clients converge on one document', async () => {
    const token = await server.token({ doc: 'converge' });
    const a = hocuspocusClient(server.hocuspocusUrl, 'converge', token);
    const b = hocuspocusClient(server.hocuspocusUrl, 'converge', token);
    await Promise.all([a.synced(), b.synced()]);
    a.doc.getText('body').insert(0, 'hello ');
    b.doc.getText('body').insert(0, 'world ');
    await waitFor(() => textIn(a.doc) === textIn(b.doc) && textIn(a.doc).length === 12, { message: 'convergence' });
    expect(textIn(a.doc)).toContain('hello ');
    expect(textIn(a.doc)).toContain('world ');
    a.destroy();
    b.destroy();
  });

  it('a y-websocket client and a Hocuspocus client co-edit one document', async () => {
    const token = await server.token({ doc: 'mixed' });
    const hp = hocuspocusClient(server.hocuspocusUrl, 'mixed', token);
    const yw = yWebsocketClient(server.yWebsocketUrl, 'mixed', token);
    await Promise.all([hp.synced(), yw.synced()]);
    hp.doc.getText('body').insert(0, 'from hocuspocus;');
    yw.doc.getText('body').insert(0, 'from y-websocket;');
    await waitFor(() => textIn(hp.doc) === textIn(yw.doc) && textIn(hp.doc).length === 33, { message: 'convergence across protocols' });
    hp.destroy();
    yw.destroy();
  });

  it('acknowledged content survives a server restart', async () => {
    const token = await server.token({ doc: 'restart' });
    const writer = hocuspocusClient(server.hocuspocusUrl, 'restart', token);
    await writer.synced();
    writer.doc.getText('body').insert(0, 'still here after restart');
    await writer.saved();
    writer.destroy();
    await server.restart();
    const reader = hocuspocusClient(server.hocuspocusUrl, 'restart', token);
    await reader.synced();
    expect(textIn(reader.doc)).toBe('still here after restart');
    reader.destroy();
  });
});
