import type { BatchOperation } from 'leveldown';

interface QueuedWrite<Item> {
  item: Item;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/** What one group-commit batch was, told after it is written or has failed. */
export interface BatchReport {
  /** Writes (calls to `enqueue`) the batch carried. */
  writes: number;
  operations: number;
  /** Bytes of keys and values in the batch. */
  bytes: number;
  seconds: number;
  ok: boolean;
}

export interface WriteQueueOptions<Item = BatchOperation[]> {
  /** Writes the items atomically and durably (a synced LevelDB batch, a PostgreSQL transaction). */
  write: (items: Item[]) => Promise<void>;
  /** Operations and bytes of a batch, for its report (default: the LevelDB batch operations' keys and values). */
  measure?: (items: Item[]) => { operations: number; bytes: number };
  /** Called once per failed batch, before any of its writes is rejected. */
  onFailure: (error: unknown) => void;
  onBatch?: (report: BatchReport) => void;
  /**
   * Least time between the starts of two batches, in ms (default 0). A write that finds the
   * queue idle for this long goes out at once; under load, writes wait for the interval to end
   * and then share one batch, so the number of synced writes per second stays bounded.
   */
  minIntervalMs?: number;
}

/**
 * Group commit (SPEC.md [L6]): every write queued in the same event-loop turn, and every write
 * queued while a batch is on its way to disk (or, with `minIntervalMs`, before the interval since
 * the last batch started is over), goes out in the next single synced batch. One fsync then covers
 * the updates of many connections and documents.
 *
 * When a batch fails, that batch and everything queued behind it is rejected ([L7]): the later
 * writes were prepared assuming the failed one had landed (sequence numbers, sizes), so they must
 * be prepared again by their callers.
 */
export class WriteQueue<Item = BatchOperation[]> {
  private queued: QueuedWrite<Item>[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;
  /** The pending start of the next batch, while it waits for the interval to end. */
  private timer: NodeJS.Timeout | null = null;
  private lastStart = Number.NEGATIVE_INFINITY;
  /** Set by `drain`: batches no longer wait for the interval. */
  private draining = false;

  constructor(private readonly options: WriteQueueOptions<Item>) {}

  /** Resolves once `item` is durably written, all or none. */
  enqueue(item: Item): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queued.push({ item, resolve, reject });
      this.schedule();
    });
  }

  /** Batches wait for the interval again (the store is open again after a close). */
  resume(): void {
    this.draining = false;
  }

  /**
   * Resolves when nothing is queued or in flight; a batch waiting for its interval starts now, and
   * until `resume`, batches start without waiting for the interval (the store is closing).
   */
  async drain(): Promise<void> {
    this.draining = true;
    while (this.running || this.queued.length > 0 || this.scheduled) {
      if (this.timer) this.start();
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    const wait = this.draining ? 0 : this.lastStart + (this.options.minIntervalMs ?? 0) - performance.now();
    // setImmediate, not a microtask: let every socket read of this turn queue its write first.
    if (wait <= 0) setImmediate(() => this.start());
    else this.timer = setTimeout(() => this.start(), wait);
  }

  private start(): void {
    if (!this.scheduled) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.scheduled = false;
    this.running = this.flush().finally(() => {
      this.running = null;
      if (this.queued.length > 0) this.schedule();
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    const items = batch.map((entry) => entry.item);
    const started = performance.now();
    this.lastStart = started;
    const report = (ok: boolean) => {
      if (!this.options.onBatch) return;
      const measure = this.options.measure ?? (measureOperations as unknown as (items: Item[]) => { operations: number; bytes: number });
      const { operations, bytes } = measure(items);
      this.options.onBatch({ writes: batch.length, operations, bytes, seconds: (performance.now() - started) / 1000, ok });
    };
    try {
      await this.options.write(items);
    } catch (error) {
      const later = this.queued;
      this.queued = [];
      this.options.onFailure(error);
      report(false);
      for (const entry of [...batch, ...later]) entry.reject(error);
      return;
    }
    report(true);
    for (const entry of batch) entry.resolve();
  }
}

/** LevelDB batches: their operations, and the bytes of their keys and values. */
function measureOperations(items: BatchOperation[][]): { operations: number; bytes: number } {
  let operations = 0;
  let bytes = 0;
  for (const item of items) {
    operations += item.length;
    for (const { key, value } of item) bytes += Buffer.byteLength(key) + (value === undefined ? 0 : Buffer.byteLength(value));
  }
  return { operations, bytes };
}
