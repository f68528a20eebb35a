import { afterEach, describe, expect, it } from 'vitest';
import type { Config } from '../../collab-server/config';
import { TITLE_FIELD } from '../../shared/documentFields';
import { hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * A document stays loaded for IDLE_DOCUMENT_GRACE_MS after its last connection leaves, so a client
 * that comes back (or comes and goes in a loop) does not make the server load it again ([LC4] in
 * SECURITY.md); the idle documents' stored sizes stay within IDLE_DOCUMENTS_MAX_BYTES (the longest
 * idle unloads first), and a deleted document unloads at once.
 */

let server: TestServer;
afterEach(async () => {
  await server?.stop({ removeData: true });
});

const start = async (config: Partial<Config>) => {
  server = await startTestServer({ config });
};
const loaded = (name: string) => server.server.hocuspocus.documents.get(name);
const idle = () => server.server.idle.idleDocuments();

/** Connects to `name` (creating it), writes `text` into its title, waits until it is durable, and leaves; resolves once the document is idle. */
async function visit(name: string, text = '') {
  const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
  await client.synced();
  if (text) {
    client.doc.getText(TITLE_FIELD).insert(0, text);
    await client.saved();
  }
  client.destroy();
  await waitFor(() => idle().includes(name) || !loaded(name), { message: `${name} to be idle or unloaded` });
}

describe('documents kept loaded after their last connection leaves', () => {
  it('[LC4] an idle document stays loaded for its grace period: a client coming back finds the same copy; after it, the document unloads and loads again with everything', async () => {
    await start({ idleDocumentGraceMs: 1500 });
    await visit('kept', 'Kept');
    const copy = loaded('kept');
    expect(copy, 'still loaded after its last connection left').toBeDefined();
    expect(idle()).toEqual(['kept']);

    const again = hocuspocusClient(server.hocuspocusUrl, 'kept', await server.token({ doc: 'kept' }));
    await again.synced();
    expect(loaded('kept'), 'the same copy, not loaded again').toBe(copy);
    expect(idle(), 'in use again, not idle').toEqual([]);
    expect(again.doc.getText(TITLE_FIELD).toString()).toBe('Kept');
    again.destroy();

    await waitFor(() => idle().includes('kept'), { message: 'the document to be idle again' });
    const idleSince = performance.now();
    await waitFor(() => !loaded('kept'), { message: 'the document to unload after its grace period', timeoutMs: 10_000 });
    // Its grace period began before it was seen idle: it stayed at least about that long.
    expect(performance.now() - idleSince).toBeGreaterThan(1000);
    expect(idle()).toEqual([]);

    const later = hocuspocusClient(server.hocuspocusUrl, 'kept', await server.token({ doc: 'kept' }));
    await later.synced();
    expect(later.doc.getText(TITLE_FIELD).toString()).toBe('Kept');
    later.destroy();
  });

  it('[LC4] past the memory budget of idle documents, the longest idle unloads first', async () => {
    await start({ idleDocumentGraceMs: 600_000, idleDocumentsMaxBytes: 25_000 });
    const text = 'x'.repeat(10_000);
    await visit('first', text);
    await visit('second', text);
    // Each holds about 10 kB: two fit in the budget.
    expect(server.server.persistence.sizeOf('first')).toBeGreaterThan(10_000);
    expect(idle()).toEqual(['first', 'second']);
    await visit('third', text);
    await waitFor(() => !loaded('first'), { message: 'the longest idle document to unload' });
    expect(idle()).toEqual(['second', 'third']);
    expect(loaded('second')).toBeDefined();
    expect(loaded('third')).toBeDefined();
  });

  it('[LC4] with a grace period of 0, a document unloads as its last connection leaves', async () => {
    await start({ idleDocumentGraceMs: 0 });
    await visit('gone', 'Gone');
    await waitFor(() => !loaded('gone'), { message: 'the document to unload' });
    expect(idle()).toEqual([]);
  });

  it('[LC4] a deleted document unloads at once, idle or still open, instead of staying for its grace period', async () => {
    await start({ idleDocumentGraceMs: 600_000 });
    await visit('idle-deleted', 'Idle');
    expect(loaded('idle-deleted')).toBeDefined();
    expect(await server.server.documents.delete('idle-deleted')).toBe(true);
    await waitFor(() => !loaded('idle-deleted'), { message: 'the deleted idle document to unload' });
    expect(idle()).toEqual([]);

    const open = hocuspocusClient(server.hocuspocusUrl, 'open-deleted', await server.token({ doc: 'open-deleted' }));
    await open.synced();
    expect(await server.server.documents.delete('open-deleted')).toBe(true);
    // Its editor is told and disconnected; the document goes with it.
    await waitFor(() => !loaded('open-deleted'), { message: 'the deleted document to unload as its editor is closed' });
    open.destroy();
    expect(idle()).toEqual([]);
  });
});
