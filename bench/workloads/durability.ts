import * as Y from 'yjs';
import { type BenchClient, SourceAddresses, until } from '../clients';
import { documentOfSize, docWith } from '../fixtures';
import { percentile, sleep } from '../stats';
import type { System } from '../systems';
import { TypingSession } from '../typing';
import { connectMany, disconnectAll, type WorkloadContext, withSystem } from './common';
import { KEYSTROKES_PER_SECOND } from './fanOut';

export interface DurabilityResult {
  documents: number;
  clients: number;
  seconds: number;
  /** Edit → acknowledgement, ms; null when the protocol has no acknowledgements. */
  ackP50: number | null;
  ackP99: number | null;
  /** Whether an acknowledgement means "on disk". */
  acks: System['acks'];
  /** Bytes of the updates the clients typed. */
  updateBytes: number;
  /** Bytes the server process caused to be written to storage (`/proc/<pid>/io` write_bytes). */
  diskBytes: number;
  /** `diskBytes / updateBytes`. */
  diskBytesPerUpdateByte: number;
  /** Full-state saving for the same session (the stock database extension's way), bytes of payload. */
  fullStateBytes: number;
  /** `fullStateBytes / updateBytes`: a lower bound, since it counts payload only. */
  fullStateBytesPerUpdateByte: number;
  /** Full-state saving if every acknowledgement waited for it (the same promise as durable acks). */
  fullStatePerUpdateBytes: number;
  /** This server only (from its /metrics): synced batches (fsyncs) and log compactions in the session. */
  syncedBatches?: number;
  compactions?: number;
}

/** The stock Hocuspocus database extension saves through the `onStoreDocument` debounce: */
export const HOCUSPOCUS_DEBOUNCE_MS = 2000;
export const HOCUSPOCUS_MAX_DEBOUNCE_MS = 10_000;

/**
 * Workload 5: documents of 160 KB with three typists each; the latency from a keystroke to the
 * server's acknowledgement, and what the server writes to disk per byte of update, compared
 * with saving the whole state at each debounced store as the stock database extension does.
 */
export async function durability(system: System, context: WorkloadContext, block: number): Promise<DurabilityResult> {
  const documents = context.quick ? 3 : 10;
  const seconds = context.quick ? 3 : 30;
  const start = documentOfSize(160_000);
  return withSystem(system, async (running) => {
    // The first client of each document brings its content; the others join it.
    const addresses = new SourceAddresses(block);
    const seeds = await connectMany(running, documents, (i) => `durable-${i}`, { addresses, client: () => ({ doc: docWith(start) }) });
    await until(() => seeds.every((client) => client.unacknowledged === 0), 60_000, 'seeded documents to be acknowledged');
    const others = await connectMany(running, documents * 2, (i) => `durable-${Math.floor(i / 2)}`, { addresses });
    const clients = [...seeds, ...others];
    await sleep(1500);
    const fullState = new FullStateSaving(seeds);
    const session = new TypingSession();
    session.addTypists(clients);
    const before = await running.server.stats();
    const metricsBefore = await storeMetrics(running.metricsUrl);
    session.measure();
    fullState.start();
    session.start(KEYSTROKES_PER_SECOND);
    await sleep(seconds * 1000);
    session.stop();
    // Let the last keystrokes be acknowledged (and written) before reading the counters.
    await until(() => clients.every((client) => client.unacknowledged === 0), 30_000, 'the last keystrokes to be acknowledged');
    await sleep(500);
    session.endMeasurement();
    fullState.finish();
    // Everyone leaves; a full-state saver stores on the last disconnect and after its debounce,
    // so read the disk counter only once that has surely happened.
    await disconnectAll(clients);
    if (system.id === 'hocuspocus-database') await sleep(HOCUSPOCUS_DEBOUNCE_MS + 1500);
    else await sleep(500);
    const after = await running.server.stats();
    const metricsAfter = await storeMetrics(running.metricsUrl);
    const acks = session.ackLatencies.values();
    const diskBytes = after.diskWriteBytes - before.diskWriteBytes;
    const result: DurabilityResult = {
      documents,
      clients: clients.length,
      seconds,
      ackP50: acks.length > 0 ? percentile(acks, 50) : null,
      ackP99: acks.length > 0 ? percentile(acks, 99) : null,
      acks: system.acks,
      updateBytes: session.updateBytes,
      diskBytes,
      diskBytesPerUpdateByte: diskBytes / session.updateBytes,
      fullStateBytes: fullState.bytes,
      fullStateBytesPerUpdateByte: fullState.bytes / session.updateBytes,
      fullStatePerUpdateBytes: fullState.perUpdateBytes / session.updateBytes,
      ...(metricsBefore && metricsAfter
        ? { syncedBatches: metricsAfter.batches - metricsBefore.batches, compactions: metricsAfter.compactions - metricsBefore.compactions }
        : {}),
    };
    context.log(
      `durability ${system.label}: ack p50 ${result.ackP50?.toFixed(1) ?? '–'} ms p99 ${result.ackP99?.toFixed(1) ?? '–'} ms; ${result.diskBytesPerUpdateByte.toFixed(1)} disk B per update B (full-state saving: ${result.fullStateBytesPerUpdateByte.toFixed(1)})`,
    );
    return result;
  });
}

/**
 * Computes, for the same session, what full-state saving writes: Hocuspocus' debounce
 * (2 s, at most 10 s) per document, each store writing `Y.encodeStateAsUpdate` of the whole
 * document, plus a last store when the session ends (the last client leaving).
 */
class FullStateSaving {
  bytes = 0;
  /** What saving the whole state at every update would write. */
  perUpdateBytes = 0;
  private readonly timers = new Map<Y.Doc, { timer: NodeJS.Timeout; first: number }>();
  private running = false;

  constructor(observers: BenchClient[]) {
    for (const { doc } of observers) {
      doc.on('update', () => {
        if (!this.running) return;
        this.perUpdateBytes += stateSize(doc);
        this.schedule(doc);
      });
    }
  }

  start(): void {
    this.running = true;
  }

  finish(): void {
    this.running = false;
    for (const [doc, { timer }] of this.timers) {
      clearTimeout(timer);
      this.bytes += Y.encodeStateAsUpdate(doc).byteLength;
    }
    this.timers.clear();
  }

  private schedule(doc: Y.Doc): void {
    const now = performance.now();
    const pending = this.timers.get(doc);
    const first = pending?.first ?? now;
    if (pending) clearTimeout(pending.timer);
    const wait = Math.max(0, Math.min(HOCUSPOCUS_DEBOUNCE_MS, first + HOCUSPOCUS_MAX_DEBOUNCE_MS - now));
    const timer = setTimeout(() => {
      this.timers.delete(doc);
      this.bytes += Y.encodeStateAsUpdate(doc).byteLength;
    }, wait);
    this.timers.set(doc, { timer, first });
  }
}

/** Synced batches and compactions so far, read from a server's Prometheus endpoint (null: none). */
async function storeMetrics(url: string | undefined): Promise<{ batches: number; compactions: number } | null> {
  if (!url) return null;
  const text = await (await fetch(url)).text();
  const value = (pattern: RegExp) => Number(pattern.exec(text)?.[1] ?? 0);
  return { batches: value(/^collab_store_batches_total\{result="ok"\} (\d+)/m), compactions: value(/^collab_compactions_total\{result="ok"\} (\d+)/m) };
}

/** Size of a document's encoded state, cached per doc for a few updates (it grows slowly). */
const sizes = new WeakMap<Y.Doc, { size: number; uses: number }>();
function stateSize(doc: Y.Doc): number {
  const cached = sizes.get(doc);
  if (cached && cached.uses < 50) {
    cached.uses += 1;
    return cached.size;
  }
  const size = Y.encodeStateAsUpdate(doc).byteLength;
  sizes.set(doc, { size, uses: 0 });
  return size;
}
