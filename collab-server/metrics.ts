import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Where the gauges read their current values from. */
export interface MetricSources {
  connections: () => number;
  documents: () => number;
  logBytes: () => number;
  unsavedDocuments: () => number;
}

/**
 * The Prometheus metrics served at `/metrics`, in a registry of their own (never prom-client's
 * global one, so two servers in one process, as in tests, do not collide).
 */
export class Metrics {
  readonly registry = new Registry();
  readonly messages: Counter<'direction'>;
  readonly storeWriteSeconds: Histogram;
  readonly storeWriteFailures: Counter;
  readonly storeBytesWritten: Counter;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry, prefix: 'collab_process_' });
    new Gauge({
      name: 'collab_connections',
      help: 'Open WebSocket connections',
      registers,
      collect() {
        this.set(sources.connections());
      },
    });
    new Gauge({
      name: 'collab_documents_loaded',
      help: 'Documents loaded in memory',
      registers,
      collect() {
        this.set(sources.documents());
      },
    });
    new Gauge({
      name: 'collab_update_log_bytes',
      help: 'Bytes in the update logs of loaded documents (not yet compacted)',
      registers,
      collect() {
        this.set(sources.logBytes());
      },
    });
    new Gauge({
      name: 'collab_documents_unsaved',
      help: 'Loaded documents with updates not yet durable',
      registers,
      collect() {
        this.set(sources.unsavedDocuments());
      },
    });
    this.messages = new Counter({ name: 'collab_messages_total', help: 'WebSocket messages, by direction (in, out)', labelNames: ['direction'], registers });
    this.storeWriteSeconds = new Histogram({
      name: 'collab_store_write_seconds',
      help: 'Latency of document writes to the store (synced)',
      buckets: [0.0005, 0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    });
    this.storeWriteFailures = new Counter({ name: 'collab_store_write_failures_total', help: 'Failed document writes (each is retried)', registers });
    this.storeBytesWritten = new Counter({ name: 'collab_store_update_bytes_total', help: 'Bytes of updates appended to document logs', registers });
  }
}
