import type { BatchOperation } from 'leveldown';

interface QueuedWrite {
  operations: BatchOperation[];
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit: every write queued in the same event-loop turn, and every write queued while a
 * batch is on its way to disk, goes out in the next single synced batch. One fsync then covers
 * the updates of many connections and documents.
 *
 * When a batch fails, that batch and everything queued behind it is rejected: the later writes
 * were prepared assuming the failed one had landed (sequence numbers, sizes), so they must be
 * prepared again by their callers.
 */
export class WriteQueue {
  private queued: QueuedWrite[] = [];
  private running: Promise<void> | null = null;
  private scheduled = false;

  constructor(
    private readonly write: (operations: BatchOperation[]) => Promise<void>,
    private readonly onFailure: (error: unknown) => void,
  ) {}

  /** Resolves once `operations` are durably written, all or none. */
  enqueue(operations: BatchOperation[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push({ operations, resolve, reject });
      this.schedule();
    });
  }

  /** Resolves when nothing is queued or in flight. */
  async drain(): Promise<void> {
    while (this.running || this.queued.length > 0 || this.scheduled) {
      await (this.running ?? new Promise((resolve) => setImmediate(resolve)));
    }
  }

  private schedule(): void {
    if (this.scheduled || this.running) return;
    this.scheduled = true;
    // setImmediate, not a microtask: let every socket read of this turn queue its write first.
    setImmediate(() => {
      this.scheduled = false;
      this.running = this.flush().finally(() => {
        this.running = null;
        if (this.queued.length > 0) this.schedule();
      });
    });
  }

  private async flush(): Promise<void> {
    const batch = this.queued;
    this.queued = [];
    if (batch.length === 0) return;
    try {
      await this.write(batch.flatMap((entry) => entry.operations));
    } catch (error) {
      const later = this.queued;
      this.queued = [];
      this.onFailure(error);
      for (const entry of [...batch, ...later]) entry.reject(error);
      return;
    }
    for (const entry of batch) entry.resolve();
  }
}
