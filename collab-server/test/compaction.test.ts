import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { hocuspocusClient } from '../../testing/clients';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Compaction through the real path (client → Hocuspocus → DocumentSaver → LevelDB): however long
 * a document's history grows, its stored log stays within the configured threshold, and a load
 * reads one snapshot plus at most that many entries, with every edit in it.
 */

let server: TestServer;

afterEach(async () => {
  await server?.stop({ removeData: true });
});

const bodyOf = (doc: Y.Doc) => doc.getText('body').toString();

/** The stored document as a fresh load sees it. */
async function loadStored(name: string) {
  const loaded = await server.server.store.load(name);
  if (!loaded) throw new Error(`${name} is not stored`);
  const doc = new Y.Doc();
  for (const update of loaded.updates) Y.applyUpdate(doc, update);
  return { loaded, doc };
}

describe('compaction', () => {
  it('keeps the stored log within COMPACT_LOG_ENTRIES while the history grows, and loads stay whole', async () => {
    const threshold = 12;
    server = await startTestServer({ config: { compactLogEntries: threshold, compactLogBytes: 1024 * 1024 } });
    const name = 'long-history';
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await client.synced();
    const edits = 150;
    let largestLog = 0;
    for (let i = 0; i < edits; i++) {
      client.doc.getText('body').insert(bodyOf(client.doc).length, `${i},`);
      // One acknowledged edit at a time: each becomes its own append, so the log really grows.
      await client.saved();
      const meta = await server.server.store.getMeta(name);
      largestLog = Math.max(largestLog, meta?.logCount ?? 0);
      expect(meta?.logCount, `after edit ${i}`).toBeLessThanOrEqual(threshold);
    }
    const expected = Array.from({ length: edits }, (_, i) => `${i},`).join('');
    expect(bodyOf(client.doc)).toBe(expected);
    // The log did fill up (the entry that reaches the threshold is compacted right after it is
    // acknowledged, so a sample after the acknowledgement sees at most one less), and was
    // compacted many times on the way.
    expect(largestLog).toBeGreaterThanOrEqual(threshold - 1);
    const metrics = await scrapeMetrics(server.httpUrl);
    expect(metric(metrics, 'collab_compactions_total{result="ok"}')).toBeGreaterThanOrEqual(Math.floor(edits / threshold) - 1);
    expect(metric(metrics, 'collab_store_write_seconds_count')).toBeGreaterThanOrEqual(edits);

    const { loaded, doc } = await loadStored(name);
    expect(loaded.updates.length).toBeLessThanOrEqual(threshold + 1);
    expect(loaded.meta.logCount).toBe(loaded.updates.length - 1);
    expect(bodyOf(doc)).toBe(expected);
    client.destroy();

    // A restarted server loads the same document from the snapshot and the short log.
    await server.restart();
    const reader = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await reader.synced();
    expect(bodyOf(reader.doc)).toBe(expected);
    reader.destroy();
  });

  it('compacts on COMPACT_LOG_BYTES too: the stored log never holds much more than the byte threshold', async () => {
    const bytes = 2048;
    server = await startTestServer({ config: { compactLogEntries: 100_000, compactLogBytes: bytes } });
    const name = 'big-edits';
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await client.synced();
    const chunk = 'x'.repeat(300);
    for (let i = 0; i < 40; i++) {
      client.doc.getText('body').insert(0, chunk);
      await client.saved();
      const meta = await server.server.store.getMeta(name);
      // A compaction starts once the log reaches the threshold, so it may pass it by one edit.
      expect(meta?.logBytes, `after edit ${i}`).toBeLessThan(bytes + chunk.length + 100);
    }
    const { loaded, doc } = await loadStored(name);
    expect(loaded.meta.logBytes).toBeLessThan(bytes + chunk.length + 100);
    expect(bodyOf(doc)).toBe(chunk.repeat(40));
    expect(metric(await scrapeMetrics(server.httpUrl), 'collab_compactions_total{result="ok"}')).toBeGreaterThan(0);
    client.destroy();
    await waitFor(() => server.server.hocuspocus.getDocumentsCount() === 0, { message: 'the document to unload' });
  });
});
