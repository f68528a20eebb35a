import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BatchOperation } from 'leveldown';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/** `/metrics` scraped from a real server after real traffic from both protocols. */

let server: TestServer | undefined;
let folder: string | undefined;

afterEach(async () => {
  await server?.stop({ removeData: true });
  server = undefined;
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = undefined;
});

/** A real LevelDB whose batches fail while `failing` is set. */
class FlakyDatabase extends LevelDatabase {
  failing = false;

  override async batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    if (this.failing) throw new Error('injected I/O error: no space left on device');
    return super.batch(operations, sync);
  }
}

describe('metrics', () => {
  it('count connections, documents, messages, writes, group commits, loads, compactions and the update log', async () => {
    server = await startTestServer({ config: { compactLogEntries: 8 } });
    const token = await server.token({ doc: '*' });
    const a = hocuspocusClient(server.hocuspocusUrl, 'alpha', token);
    const b = hocuspocusClient(server.hocuspocusUrl, 'alpha', token);
    const y = yWebsocketClient(server.yWebsocketUrl, 'beta', token);
    await Promise.all([a.synced(), b.synced(), y.synced()]);
    for (let i = 0; i < 20; i++) {
      a.doc.getText('body').insert(0, `a${i} `);
      await a.saved();
    }
    b.doc.getText('body').insert(0, 'from b ');
    await b.saved();
    y.doc.getText('body').insert(0, 'from y-websocket');
    await waitFor(async () => ((await server?.server.store.getMeta('beta'))?.logCount ?? 0) > 0, { message: 'the y-websocket edit to be stored' });
    await waitFor(() => server?.server.persistence.unsavedDocuments().length === 0, { message: 'every write to land' });

    const metrics = await scrapeMetrics(server.httpUrl);
    expect(metric(metrics, 'collab_connections')).toBe(3);
    expect(metric(metrics, 'collab_documents_loaded')).toBe(2);
    expect(metric(metrics, 'collab_messages_total{direction="in"}')).toBeGreaterThan(20);
    expect(metric(metrics, 'collab_messages_total{direction="out"}')).toBeGreaterThan(20);
    expect(metric(metrics, 'collab_store_write_seconds_count')).toBeGreaterThanOrEqual(22);
    expect(metric(metrics, 'collab_store_update_bytes_total')).toBeGreaterThan(0);
    expect(metric(metrics, 'collab_store_write_failures_total')).toBe(0);
    expect(metric(metrics, 'collab_compactions_total{result="ok"}')).toBeGreaterThanOrEqual(2);
    expect(metric(metrics, 'collab_document_loads_total{result="ok"}')).toBe(2);
    expect(metric(metrics, 'collab_document_load_seconds_count')).toBe(2);
    expect(metric(metrics, 'collab_documents_unsaved')).toBe(0);
    expect(metric(metrics, 'collab_documents_failing')).toBe(0);
    const batches = metric(metrics, 'collab_store_batches_total{result="ok"}');
    expect(batches).toBeGreaterThanOrEqual(1);
    expect(metric(metrics, 'collab_store_batch_writes_count')).toBe(batches);
    expect(metric(metrics, 'collab_store_batch_writes_sum')).toBeGreaterThanOrEqual(batches);
    expect(metric(metrics, 'collab_process_resident_memory_bytes')).toBeGreaterThan(0);

    // The update-log gauges are exactly what the store holds for the loaded documents.
    const metas = await Promise.all(['alpha', 'beta'].map((name) => server?.server.store.getMeta(name)));
    expect(metric(metrics, 'collab_update_log_bytes')).toBe(metas.reduce((sum, meta) => sum + (meta?.logBytes ?? 0), 0));
    expect(metric(metrics, 'collab_update_log_entries')).toBe(metas.reduce((sum, meta) => sum + (meta?.logCount ?? 0), 0));
    expect(metric(metrics, 'collab_update_log_bytes')).toBeGreaterThan(0);

    for (const client of [a, b, y]) client.destroy();
    await waitFor(async () => metric(await scrapeMetrics(server?.httpUrl ?? ''), 'collab_documents_loaded') === 0, { message: 'the documents to unload' });
    const after = await scrapeMetrics(server.httpUrl);
    expect(metric(after, 'collab_connections')).toBe(0);
    // Unloaded documents are not counted: the gauge covers the documents in memory.
    expect(metric(after, 'collab_update_log_bytes')).toBe(0);
  });

  it('count failed writes and failed batches, and show the failing document until it recovers', async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'metrics-flaky-'));
    let database: FlakyDatabase | undefined;
    const started = await startTestServer({
      store: (dataDir) =>
        new LevelDocumentStore({
          location: path.join(dataDir, 'documents'),
          onBatch: (report) => server?.server.metrics.observeBatch(report),
          openDatabase: (location) => {
            database = new FlakyDatabase(location);
            return database;
          },
        }),
    });
    server = started;
    const token = await started.token({ doc: 'flaky' });
    const client = hocuspocusClient(started.hocuspocusUrl, 'flaky', token);
    await client.synced();
    (database as FlakyDatabase).failing = true;
    client.doc.getText('body').insert(0, 'kept in memory until the disk is back');
    await waitFor(async () => metric(await scrapeMetrics(started.httpUrl), 'collab_store_write_failures_total') >= 2, { message: 'retries to fail' });
    const failing = await scrapeMetrics(started.httpUrl);
    expect(metric(failing, 'collab_documents_failing')).toBe(1);
    expect(metric(failing, 'collab_documents_unsaved')).toBe(1);
    expect(metric(failing, 'collab_store_batches_total{result="failed"}')).toBeGreaterThanOrEqual(2);
    expect(client.provider.unsyncedChanges).toBeGreaterThan(0);
    expect((await fetch(`${started.httpUrl}/readyz`)).status).toBe(503);

    (database as FlakyDatabase).failing = false;
    await client.saved();
    const recovered = await scrapeMetrics(started.httpUrl);
    expect(metric(recovered, 'collab_documents_failing')).toBe(0);
    expect(metric(recovered, 'collab_documents_unsaved')).toBe(0);
    expect((await fetch(`${started.httpUrl}/readyz`)).status).toBe(200);
    client.destroy();
  });
});
