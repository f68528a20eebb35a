import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

describe('presence', () => {
  it('a client that reconnected leaves everyone’s presence when its connection closes', async () => {
    const doc = 'presence-reconnect';
    const watcher = hocuspocusClient(server.hocuspocusUrl, doc, await server.token({ doc, sub: 'watcher', name: 'Watcher' }));
    const leaver = hocuspocusClient(server.hocuspocusUrl, doc, await server.token({ doc, sub: 'leaver', name: 'Leaver' }));
    await Promise.all([watcher.synced(), leaver.synced()]);
    const leaverId = leaver.doc.clientID;
    leaver.provider.setAwarenessField('cursor', { at: 1 });
    const present = () => watcher.provider.awareness?.getStates().get(leaverId)?.user?.name === 'Leaver';
    await waitFor(present, { message: 'the leaver to appear' });

    // Reconnect with the same awareness client id, and speak again on the new connection.
    const socket = leaver.provider.configuration.websocketProvider;
    socket.disconnect();
    await waitFor(() => socket.status === 'disconnected', { message: 'the old connection to close' });
    void socket.connect();
    await leaver.synced();
    leaver.provider.setAwarenessField('cursor', { at: 2 });
    await waitFor(() => present() && watcher.provider.awareness?.getStates().get(leaverId)?.cursor?.at === 2, { message: 'the new state' });

    // The connection drops without a goodbye (as when a tab is closed): the server removes its state.
    socket.disconnect();
    await waitFor(() => !watcher.provider.awareness?.getStates().has(leaverId), { timeoutMs: 5000, message: 'the leaver to leave' });
    expect(present()).toBe(false);
    leaver.destroy();
    watcher.destroy();
  });
});
