import { type BenchClient, SourceAddresses, until } from '../clients';
import { automergePaper, docWith } from '../fixtures';
import { sleep } from '../stats';
import type { RunningSystem, System } from '../systems';
import { connectMany, disconnectAll, type WorkloadContext, withSystem } from './common';

export interface MemoryResult {
  connections: number;
  /** Server RSS growth per idle connection, bytes. */
  perConnection: number;
  documents: number;
  /** Server RSS growth per loaded idle document (with its one connection), bytes. */
  perDocument: number;
  /** `perDocument` less one connection's share. */
  perDocumentWithoutConnection: number;
  /** Connections that closed while the test held them (should be 0). */
  unexpectedCloses: number;
  rss: { baselineDocuments: number; withDocuments: number; withOneConnectionPerDocument: number; withAllConnections: number };
}

const CONNECTIONS_PER_DOCUMENT = 10;

/**
 * Workload 3: RSS per idle connection and per loaded idle document, each on a fresh server,
 * read after full garbage collections in the server (every server runs with `--expose-gc`).
 */
export async function memory(system: System, context: WorkloadContext, block: number): Promise<MemoryResult> {
  const connections = context.quick ? 300 : 10_000;
  const documents = context.quick ? 10 : 1000;

  // Idle connections: 10 per document, nobody typing. Presence stays on, as in an open editor:
  // its renewal every 15 s is what keeps an idle connection open (servers close silent ones).
  const idle = await withSystem(system, async (running) => {
    const addresses = new SourceAddresses(block);
    const perDocument = await connectMany(running, connections / CONNECTIONS_PER_DOCUMENT, (i) => `idle-${i}`, {
      addresses,
      batch: 200,
    });
    await settle(running, context.quick ? 1 : 2);
    const withOne = (await running.server.collectGarbage()).rss;
    const rest = await connectMany(running, connections - perDocument.length, (i) => `idle-${i % perDocument.length}`, {
      addresses,
      batch: 200,
    });
    await settle(running, context.quick ? 1 : 2);
    const withAll = (await running.server.collectGarbage()).rss;
    const all = [...perDocument, ...rest];
    const closes = all.reduce((sum, client) => sum + client.closes, 0);
    await disconnectAll(all);
    return { withOne, withAll, closes, added: rest.length };
  });
  const perConnection = (idle.withAll - idle.withOne) / idle.added;
  context.log(`memory ${system.label}: ${Math.round(perConnection)} B per idle connection (${connections} connections)`);

  // Loaded idle documents: each the size of the whole automerge-paper trace, one connection each.
  const loaded = await withSystem(system, async (running) => {
    await settle(running, context.quick ? 1 : 2);
    const baseline = (await running.server.collectGarbage()).rss;
    // One client document serves every connection: the clients push the same content to each
    // server document, and the client side stays small.
    const shared = docWith(automergePaper().state);
    const clients: BenchClient[] = await connectMany(running, documents, (i) => `loaded-${i}`, {
      addresses: new SourceAddresses(block + 100),
      client: () => ({ doc: shared }),
      batch: 10,
      timeoutMs: 120_000,
    });
    await until(() => clients.every((client) => client.unacknowledged === 0), 300_000, 'pushed documents to be acknowledged').catch((error) =>
      context.log(`memory ${system.label}: ${error.message}; measuring anyway`),
    );
    await settle(running, context.quick ? 1 : 2);
    const rss = (await running.server.collectGarbage()).rss;
    const closes = clients.reduce((sum, client) => sum + client.closes, 0);
    await disconnectAll(clients);
    return { baseline, rss, closes };
  });
  const perDocument = (loaded.rss - loaded.baseline) / documents;
  context.log(`memory ${system.label}: ${(perDocument / 1e6).toFixed(2)} MB per loaded document (${documents} documents)`);
  return {
    connections,
    perConnection,
    documents,
    perDocument,
    perDocumentWithoutConnection: perDocument - perConnection,
    unexpectedCloses: idle.closes + loaded.closes,
    rss: { baselineDocuments: loaded.baseline, withDocuments: loaded.rss, withOneConnectionPerDocument: idle.withOne, withAllConnections: idle.withAll },
  };
}

/** Waits until the server has been nearly idle (under 5% CPU) for `quietWindows` half-seconds in a row: work in flight is done. */
async function settle(running: RunningSystem, quietWindows: number): Promise<void> {
  let quiet = 0;
  for (let i = 0; i < 120 && quiet < quietWindows; i++) {
    const before = await running.server.stats();
    await sleep(500);
    const after = await running.server.stats();
    quiet = after.cpuMicros - before.cpuMicros < 25_000 ? quiet + 1 : 0;
  }
}
