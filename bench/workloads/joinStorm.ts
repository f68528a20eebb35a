import { type BenchClient, connect, hasContent, SourceAddresses, until } from '../clients';
import { documentOfSize, docWith, stateVectorOf } from '../fixtures';
import { percentile, sleep } from '../stats';
import type { System } from '../systems';
import { type WorkloadContext, withSystem } from './common';

export interface JoinStormResult {
  clients: number;
  documentBytes: number;
  /** From the first join to the last client holding the whole document, ms. */
  allSyncedMs: number;
  /** Per client, from its join to it holding the document, ms. */
  joinP50: number;
  joinP99: number;
  /** Worst event-loop delay in the server during the storm, ms. */
  serverLoopDelayMax: number;
}

/** Workload 6: N clients join one 160 KB document within one second. */
export async function joinStorm(system: System, context: WorkloadContext, block: number): Promise<JoinStormResult> {
  const count = context.quick ? 30 : 200;
  const state = documentOfSize(160_000);
  const expected = stateVectorOf(state);
  return withSystem(system, async (running) => {
    // The document is open already (one editor has it), so the storm measures joining, not loading.
    const owner = connect(running, 'storm', { doc: docWith(state) });
    await until(() => owner.synced && owner.unacknowledged === 0, 60_000, 'the storm document to be stored');
    await sleep(1000);
    const addresses = new SourceAddresses(block);
    await running.server.resetLoopDelay();
    const joined: Array<{ client: BenchClient; at: number; synced?: number }> = [];
    const started = performance.now();
    for (let i = 0; i < count; i++) {
      const at = started + (i * 1000) / count;
      const wait = at - performance.now();
      if (wait > 0) await sleep(wait);
      const client = connect(running, 'storm', { localAddress: addresses.next() });
      const entry: { client: BenchClient; at: number; synced?: number } = { client, at: performance.now() };
      joined.push(entry);
      client.doc.on('update', () => {
        if (entry.synced === undefined && hasContent(client, expected)) entry.synced = performance.now();
      });
    }
    await until(
      () =>
        joined.every((entry) => {
          if (entry.synced === undefined && hasContent(entry.client, expected)) entry.synced = performance.now();
          return entry.synced !== undefined;
        }),
      120_000,
      `${count} clients to sync`,
      20,
    );
    const stats = await running.server.stats();
    const last = Math.max(...joined.map((entry) => entry.synced ?? 0));
    const joins = joined.map((entry) => (entry.synced ?? 0) - entry.at);
    for (const { client } of joined) client.destroy();
    owner.destroy();
    const result: JoinStormResult = {
      clients: count,
      documentBytes: state.byteLength,
      allSyncedMs: last - started,
      joinP50: percentile(joins, 50),
      joinP99: percentile(joins, 99),
      serverLoopDelayMax: stats.loopDelayMax,
    };
    context.log(
      `join storm ${system.label}: all ${count} synced after ${result.allSyncedMs.toFixed(0)} ms; server loop delay max ${result.serverLoopDelayMax.toFixed(1)} ms`,
    );
    return result;
  });
}
