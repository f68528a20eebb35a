import { existsSync, readdirSync } from 'node:fs';
import leveldown, { type BatchOperation, type IteratorOptions, type LevelDown, type LevelIterator } from 'leveldown';

/** A promise wrapper around one `leveldown` database that reopens it after a failed write (see `batch`). Errors pass through unchanged. */
export class LevelDatabase {
  private db: LevelDown;
  /** Set by a failed batch: the database is reopened before it is used again (see `batch`). */
  private damaged = false;
  private reopening: Promise<void> | null = null;
  /** Operations and native calls in flight: `close` waits for them. */
  private readonly inFlight = new InFlight();
  /** Native calls in flight (reads, batches, iterator steps) on the current handle: `repair` waits for them. */
  private readonly nativeCalls = new InFlight();
  private closing = false;
  /** Views not closed yet: `close` ends them before the database. */
  private readonly views = new Set<SnapshotView>();

  constructor(readonly location: string) {
    this.db = leveldown(location);
  }

  get isOpen(): boolean {
    return this.db.status === 'open';
  }

  /**
   * Opens the database, creating it only in a folder that holds no LevelDB data yet. A folder with
   * data files but no CURRENT file (lost, or never finished) is refused: LevelDB would create a new,
   * empty database there and delete the old files as obsolete.
   */
  open(): Promise<void> {
    const files = existsSync(this.location) ? readdirSync(this.location) : [];
    if (!files.includes('CURRENT') && files.some((file) => /^(MANIFEST-\d+|\d+\.(log|ldb|sst))$/.test(file))) {
      return Promise.reject(
        new Error(
          `Corruption: ${this.location} holds LevelDB data files but no CURRENT file (the database is incomplete or corrupted); ` +
            'refusing to create a new database over them. Restore the folder from a backup, or move it away to start empty',
        ),
      );
    }
    this.closing = false;
    return new Promise((resolve, reject) => this.db.open({ createIfMissing: true }, (error) => (error ? reject(error) : resolve())));
  }

  /**
   * Closes the database once the native calls in flight have returned; calls made from now on
   * are refused with an error. leveldown crashes the process when the database closes under a
   * read or a batch in flight.
   */
  async close(): Promise<void> {
    this.closing = true;
    await this.inFlight.idle();
    // Views still open are ended here, while the database is: ending (or reading) an iterator
    // after its database closed crashes too. Their later reads fail with an error instead.
    await Promise.all([...this.views].map((view) => view.close()));
    await this.closeHandle();
  }

  private closeHandle(): Promise<void> {
    // Nothing to close after a failed (re)open; leveldown would crash trying.
    if (this.db.status === 'new' || this.db.status === 'closed') return Promise.resolve();
    return new Promise((resolve, reject) => this.db.close((error) => (error ? reject(error) : resolve())));
  }

  /**
   * Runs `run` as one operation: refused once `close` was called; otherwise counted as in flight
   * from now until it settles, so a close called meanwhile waits for it.
   */
  private operation<T>(run: () => Promise<T>): Promise<T> {
    if (this.closing) return Promise.reject(this.closingError());
    return this.track(run());
  }

  private closingError(): Error {
    return new Error(`the LevelDB database in ${this.location} is closing`);
  }

  /** Counts `call` (an operation, started now) as in flight until it settles. */
  private track<T>(call: Promise<T>): Promise<T> {
    return this.inFlight.add(call);
  }

  /** Counts `call` (a native call on the current handle, started now) as in flight until it returns. */
  private native<T>(call: Promise<T>): Promise<T> {
    return this.track(this.nativeCalls.add(call));
  }

  /** The value at `key`, or undefined when there is none. */
  get(key: string): Promise<Buffer | undefined> {
    return this.operation(async () => {
      await this.repair();
      this.assertOpen();
      return this.native(
        new Promise<Buffer | undefined>((resolve, reject) =>
          this.db.get(key, { asBuffer: true }, (error, value) => {
            if (error && /notfound/i.test(`${error.code ?? ''} ${error.message}`)) resolve(undefined);
            else if (error) reject(error);
            else resolve(value);
          }),
        ),
      );
    });
  }

  /**
   * Applies all operations atomically; with `sync` the write reaches the disk before resolving.
   *
   * LevelDB appends each batch to its log through a buffered file. When a write fails (a full
   * disk), part of the record can stay in the log, and LevelDB goes on appending after it; on
   * recovery every record behind the torn one fails its checksum and is dropped, acknowledged
   * ones included. So after a failed batch the database is closed and opened again (recovery keeps
   * the log up to the tear, and LevelDB starts a fresh log) before anything more is read or written.
   * If reopening fails (the disk is still full), this batch fails too, and the next use tries again.
   * Reopening ends the views open on the old handle (their later reads fail with an error) and
   * waits for the native calls in flight on it: leveldown crashes the process otherwise.
   */
  batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    return this.operation(async () => {
      if (this.damaged) await this.repair(true);
      this.assertOpen();
      try {
        await this.native(new Promise<void>((resolve, reject) => this.db.batch(operations, { sync }, (error) => (error ? reject(error) : resolve()))));
      } catch (error) {
        this.damaged = true;
        throw error;
      }
    });
  }

  /**
   * leveldown crashes the process when a closed database, or one whose open failed (as between a
   * failed reopen and the next), is read: refuse with an error instead.
   */
  private assertOpen(): void {
    if (this.db.status !== 'open') throw new Error(`the LevelDB database in ${this.location} is not open (${this.db.status})`);
  }

  /**
   * Reopens the database after a failed batch, once for all callers waiting at the same time. A
   * read goes on (and fails cleanly) when reopening fails; a batch (`strict`) fails with it.
   */
  private async repair(strict = false): Promise<void> {
    if (!this.damaged) return;
    this.reopening ??= (async () => {
      // A view's read in flight finishes before its end does (leveldown defers the end).
      await Promise.all([...this.views].map((view) => view.close()));
      await this.nativeCalls.idle();
      await this.closeHandle().catch(() => undefined);
      this.db = leveldown(this.location);
      await this.open();
      this.damaged = false;
    })().finally(() => {
      this.reopening = null;
    });
    if (strict) await this.reopening;
    else await this.reopening.catch(() => undefined);
  }

  /** Iterates key/value pairs in key order over a range. */
  async *entries(options: IteratorOptions): AsyncGenerator<[string, Buffer]> {
    await this.repair();
    if (this.closing) throw this.closingError();
    this.assertOpen();
    const view = this.newView(this.db.iterator({ ...options, keyAsBuffer: true, valueAsBuffer: true }));
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
  view(): Promise<SnapshotView> {
    return this.operation(async () => {
      await this.repair();
      this.assertOpen();
      return this.newView(this.db.iterator({ keyAsBuffer: true, valueAsBuffer: true }));
    });
  }

  private newView(iterator: LevelIterator): SnapshotView {
    const view = new SnapshotView(iterator, {
      track: (call) => this.native(call),
      onClose: () => this.views.delete(view),
    });
    this.views.add(view);
    return view;
  }
}

/** Calls in flight, counted from their start until they settle. */
class InFlight {
  private count = 0;
  private waiters: Array<() => void> = [];

  /** Counts `call` until it settles, and returns it. */
  add<T>(call: Promise<T>): Promise<T> {
    this.count += 1;
    const done = () => {
      this.count -= 1;
      if (this.count === 0) for (const resolve of this.waiters.splice(0)) resolve();
    };
    call.then(done, done);
    return call;
  }

  /** Resolves once no call is in flight (at once when none is). */
  async idle(): Promise<void> {
    while (this.count > 0) await new Promise<void>((resolve) => this.waiters.push(resolve));
  }
}

/** Reads from one LevelDB snapshot; one read at a time. */
export class SnapshotView {
  private ended = false;

  constructor(
    private readonly iterator: LevelIterator,
    private readonly database: {
      /** Counts a native call as in flight on the database (see `LevelDatabase.close`). */
      track<T>(call: Promise<T>): Promise<T>;
      onClose(): void;
    },
  ) {}

  /** The value at `key` as of this view, or undefined. */
  async get(key: string): Promise<Buffer | undefined> {
    const target = Buffer.from(key);
    this.assertOpen();
    this.iterator.seek(target);
    const entry = await this.next();
    return entry?.[0].equals(target) ? entry[1] : undefined;
  }

  /** Entries with `gte <= key < lt` (compared as UTF-8 bytes, as LevelDB orders them), in key order. */
  async *range(gte: string, lt: string): AsyncGenerator<[string, Buffer]> {
    const end = Buffer.from(lt);
    this.assertOpen();
    this.iterator.seek(Buffer.from(gte));
    while (true) {
      const entry = await this.next();
      if (!entry || Buffer.compare(entry[0], end) >= 0) return;
      yield [entry[0].toString(), entry[1]];
    }
  }

  private assertOpen(): void {
    if (this.ended) throw new Error('the LevelDB view was closed (its database was closed or reopened)');
  }

  /** The next entry after the current position, or undefined at the end. */
  async next(): Promise<[Buffer, Buffer] | undefined> {
    this.assertOpen();
    return this.database.track(
      new Promise((resolve, reject) =>
        this.iterator.next((error, key, value) => {
          if (error) reject(error);
          else if (key === undefined) resolve(undefined);
          else resolve([key, value as Buffer]);
        }),
      ),
    );
  }

  /** Releases the snapshot. Safe to call twice. */
  close(): Promise<void> {
    if (this.ended) return Promise.resolve();
    this.ended = true;
    this.database.onClose();
    return this.database.track(new Promise((resolve) => this.iterator.end(() => resolve())));
  }
}
