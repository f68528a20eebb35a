import leveldown, { type BatchOperation, type IteratorOptions, type LevelDown, type LevelIterator } from 'leveldown';

/** A thin promise wrapper around one `leveldown` database. Errors pass through unchanged. */
export class LevelDatabase {
  private readonly db: LevelDown;

  constructor(readonly location: string) {
    this.db = leveldown(location);
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  open(): Promise<void> {
    return new Promise((resolve, reject) => this.db.open({ createIfMissing: true }, (error) => (error ? reject(error) : resolve())));
  }

  close(): Promise<void> {
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }

  /** The value at `key`, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined> {
    return new Promise((resolve, reject) =>
      this.db.get(key, { asBuffer: true }, (error, value) => {
        if (error && /notfound/i.test(`${error.code ?? ''} ${error.message}`)) resolve(undefined);
        else if (error) reject(error);
        else resolve(value);
      }),
    );
  }

  /** Applies all operations atomically; with `sync` the write reaches the disk before resolving. */
  batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    return new Promise((resolve, reject) => this.db.batch(operations, { sync }, (error) => (error ? reject(error) : resolve())));
  }

  /** Iterates key/value pairs in key order over a range. */
  async *entries(options: IteratorOptions): AsyncGenerator<[string, Buffer]> {
    const view = new SnapshotView(this.db.iterator({ ...options, keyAsBuffer: true, valueAsBuffer: true }));
    try {
      while (true) {
        const entry = await view.next();
        if (!entry) return;
        yield [entry[0].toString(), entry[1]];
      }
    } finally {
      await view.close();
    }
  }

  /**
   * A view of the whole database as it is now: every read through it sees the same point in time,
   * whatever is written meanwhile. (A leveldown iterator takes a LevelDB snapshot when it is
   * created, and `seek` moves it without leaving that snapshot.) Close it when done.
   */
  view(): SnapshotView {
    return new SnapshotView(this.db.iterator({ keyAsBuffer: true, valueAsBuffer: true }));
  }
}

/** Reads from one LevelDB snapshot; one read at a time. */
export class SnapshotView {
  private ended = false;

  constructor(private readonly iterator: LevelIterator) {}

  /** The value at `key` as of this view, or undefined. */
  async get(key: string): Promise<Buffer | undefined> {
    const target = Buffer.from(key);
    this.iterator.seek(target);
    const entry = await this.next();
    return entry?.[0].equals(target) ? entry[1] : undefined;
  }

  /** Entries with `gte <= key < lt` (compared as UTF-8 bytes, as LevelDB orders them), in key order. */
  async *range(gte: string, lt: string): AsyncGenerator<[string, Buffer]> {
    const end = Buffer.from(lt);
    this.iterator.seek(Buffer.from(gte));
    while (true) {
      const entry = await this.next();
      if (!entry || Buffer.compare(entry[0], end) >= 0) return;
      yield [entry[0].toString(), entry[1]];
    }
  }

  /** The next entry after the current position, or undefined at the end. */
  next(): Promise<[Buffer, Buffer] | undefined> {
    return new Promise((resolve, reject) =>
      this.iterator.next((error, key, value) => {
        if (error) reject(error);
        else if (key === undefined) resolve(undefined);
        else resolve([key, value as Buffer]);
      }),
    );
  }

  /** Releases the snapshot. Safe to call twice. */
  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    return new Promise((resolve) => this.iterator.end(() => resolve()));
  }
}
