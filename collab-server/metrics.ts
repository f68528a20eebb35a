import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { BatchReport } from '../persistence/WriteQueue';

/** Where the gauges read their current values from (each is read at scrape time). */
export interface MetricSources {
  /** Open WebSocket connections. */
  connections: () => number;
  /** Documents loaded in memory. */
  documents: () => number;
  /** Update-log bytes of the loaded documents (stored, not yet compacted). */
  logBytes: () => number;
  /** Update-log entries of the loaded documents. */
  logEntries: () => number;
  /** Loaded documents with updates not yet durable. */
  unsavedDocuments: () => number;
  /** Loaded documents whose last write failed (what makes `/readyz` fail). */
  failingDocuments: () => number;
}

const LATENCY_BUCKETS = [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * The Prometheus metrics served at `/metrics`, in a registry of their own (never prom-client's
 * global one, so two servers in one process, as in tests, do not collide). All names start with
 * `collab_`; the README's "Metrics" section lists them.
 */
export class Metrics {
  readonly registry = new Registry();
  /** WebSocket messages, by direction (count them with `countMessage`). */
  readonly messages: Counter<'direction'>;
  private readonly messageCounts = { in: 0, out: 0 };
  /** Time from queuing a document's updates to their synced write resolving. */
  readonly storeWriteSeconds: Histogram;
  readonly storeWriteFailures: Counter;
  readonly storeBytesWritten: Counter;
  /** Compactions of update logs into snapshots, by result. */
  readonly compactions: Counter<'result'>;
  /** Loads of documents from the store, by result, and their latency. */
  readonly documentLoads: Counter<'result'>;
  readonly documentLoadSeconds: Histogram;
  /** Clients sent a document's stored state while the server was still loading it. */
  readonly earlySyncs: Counter;
  /** Clients asking for a whole loaded document, answered from an encoding made for an earlier one. */
  readonly sharedSyncAnswers: Counter;
  /** Synced LevelDB batches (group commits), by result, their latency and how many writes each carried. */
  readonly storeBatches: Counter<'result'>;
  readonly storeBatchSeconds: Histogram;
  readonly storeBatchWrites: Histogram;
  /** Backups served, by result, and when the last one completed. */
  readonly backups: Counter<'result'>;
  readonly lastBackup: Gauge;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    // Node's own metrics (CPU, memory, event-loop lag, GC) as collab_process_* and collab_nodejs_*.
    collectDefaultMetrics({ register: this.registry, prefix: 'collab_' });
    const gauge = (name: string, help: string, read: () => number) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(read());
        },
      });
    gauge('collab_connections', 'Open WebSocket connections', sources.connections);
    gauge('collab_documents_loaded', 'Documents loaded in memory', sources.documents);
    gauge('collab_update_log_bytes', 'Bytes in the update logs of loaded documents, stored but not yet compacted into snapshots', sources.logBytes);
    gauge('collab_update_log_entries', 'Entries in the update logs of loaded documents', sources.logEntries);
    gauge('collab_documents_unsaved', 'Loaded documents with updates not yet durable', sources.unsavedDocuments);
    gauge('collab_documents_failing', 'Loaded documents whose last write failed (kept in memory, retried; /readyz fails)', sources.failingDocuments);

    // Counted in plain numbers on the hot path and handed to prom-client when scraped.
    const messageCounts = this.messageCounts;
    this.messages = new Counter({
      name: 'collab_messages_total',
      help: 'WebSocket messages, by direction (in, out)',
      labelNames: ['direction'],
      registers,
      collect() {
        for (const direction of ['in', 'out'] as const) {
          this.inc({ direction }, messageCounts[direction]);
          messageCounts[direction] = 0;
        }
      },
    });
    this.storeWriteSeconds = new Histogram({
      name: 'collab_store_write_seconds',
      help: "Latency of a document's update writes, from queuing to the synced write resolving",
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeWriteFailures = new Counter({ name: 'collab_store_write_failures_total', help: 'Failed document writes (each is retried)', registers });
    this.storeBytesWritten = new Counter({ name: 'collab_store_update_bytes_total', help: 'Bytes of updates appended to document logs', registers });
    this.compactions = new Counter({
      name: 'collab_compactions_total',
      help: 'Update logs compacted into snapshots, by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.documentLoads = new Counter({
      name: 'collab_document_loads_total',
      help: 'Documents loaded from the store, by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.earlySyncs = new Counter({
      name: 'collab_early_syncs_total',
      help: 'Clients sent a document’s stored state while the server was still loading it',
      registers,
    });
    this.sharedSyncAnswers = new Counter({
      name: 'collab_shared_sync_answers_total',
      help: 'Clients that asked for a whole loaded document and were answered from an encoding made for an earlier one',
      registers,
    });
    this.documentLoadSeconds = new Histogram({
      name: 'collab_document_load_seconds',
      help: 'Latency of loading a document from the store',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeBatches = new Counter({
      name: 'collab_store_batches_total',
      help: 'Synced LevelDB batches (group commits), by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.storeBatchSeconds = new Histogram({
      name: 'collab_store_batch_seconds',
      help: 'Latency of one synced LevelDB batch',
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.storeBatchWrites = new Histogram({
      name: 'collab_store_batch_writes',
      help: 'Writes carried by one synced LevelDB batch (more than one: group commit at work)',
      buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256],
      registers,
    });
    this.backups = new Counter({
      name: 'collab_backups_total',
      help: 'Backups streamed from /admin/backup, by result (ok, failed)',
      labelNames: ['result'],
      registers,
    });
    this.lastBackup = new Gauge({
      name: 'collab_backup_last_success_timestamp_seconds',
      help: 'When the last complete backup finished (0: none since start)',
      registers,
    });
  }

  /** Records one group-commit batch of the store. */
  /** Counts one WebSocket message (on every frame: a plain increment). */
  countMessage(direction: 'in' | 'out'): void {
    this.messageCounts[direction] += 1;
  }

  observeBatch(report: BatchReport): void {
    this.storeBatches.inc({ result: report.ok ? 'ok' : 'failed' });
    this.storeBatchSeconds.observe(report.seconds);
    this.storeBatchWrites.observe(report.writes);
  }
}
