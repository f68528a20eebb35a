import leveldown, { type BatchOperation, type IteratorOptions, type LevelDown } from 'leveldown';

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
    const iterator = this.db.iterator({ ...options, keyAsBuffer: false, valueAsBuffer: true });
    try {
      while (true) {
        const entry = await new Promise<[string, Buffer] | undefined>((resolve, reject) =>
          iterator.next((error, key, value) => {
            if (error) reject(error);
            else if (key === undefined) resolve(undefined);
            else resolve([String(key), value as Buffer]);
          }),
        );
        if (!entry) return;
        yield entry;
      }
    } finally {
      await new Promise<void>((resolve) => iterator.end(() => resolve()));
    }
  }
}
