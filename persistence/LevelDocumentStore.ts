import type { BatchOperation } from 'leveldown';
import { applyPatch, type DocumentMeta, type DocumentStore, type LoadedDocument, type MetaPatch, newMeta, StoreError } from './DocumentStore';
import { formatKey, LAYOUT_VERSION, layoutRange, logKey, logRange, metaKey, metaRange, probeKey, snapshotKey, tombstoneKey } from './keys';
import { LevelDatabase } from './LevelDatabase';
import { WriteQueue } from './WriteQueue';

/** Metadata as stored: the public fields plus the log's sequence range. */
interface StoredMeta extends DocumentMeta {
  snapshotBytes: number;
  /** Sequence number of the oldest log entry still stored. */
  firstSeq: number;
  /** Sequence number the next append gets. */
  nextSeq: number;
}

export interface LevelDocumentStoreOptions {
  /** The LevelDB folder. */
  location: string;
  /** Clock, injectable for tests. */
  now?: () => number;
}

/**
 * The LevelDB document store (rules in SPEC.md). Writes of one event-loop turn share one synced
 * batch; metadata of documents in use is cached, and the cache is dropped whenever a write
 * fails so the next write starts again from what is on disk.
 */
export class LevelDocumentStore implements DocumentStore {
  private readonly db: LevelDatabase;
  private readonly now: () => number;
  private readonly queue: WriteQueue;
  private readonly metas = new Map<string, StoredMeta | null>();
  private readonly metaReads = new Map<string, Promise<StoredMeta | null>>();
  private opened = false;

  constructor(options: LevelDocumentStoreOptions) {
    this.db = new LevelDatabase(options.location);
    this.now = options.now ?? Date.now;
    this.queue = new WriteQueue(
      (operations) => this.db.batch(operations, true),
      () => this.metas.clear(),
    );
  }

  async open(): Promise<void> {
    try {
      await this.db.open();
    } catch (error) {
      throw openError(this.db.location, error);
    }
    const format = await this.read(() => this.db.get(formatKey));
    if (format === undefined) {
      // [L2] Only an empty folder may be claimed; anything else is not ours to overwrite.
      for await (const _ of this.db.entries({ limit: 1 })) {
        await this.db.close();
        throw new StoreError('FORMAT', `${this.db.location} holds a LevelDB database without a layout marker; refusing to use it`);
      }
      await this.write([{ type: 'put', key: formatKey, value: LAYOUT_VERSION }]);
    } else if (format.toString() !== LAYOUT_VERSION) {
      await this.db.close();
      throw new StoreError('FORMAT', `${this.db.location} uses key layout ${format.toString()}; this version reads layout ${LAYOUT_VERSION}`);
    }
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    await this.queue.drain();
    this.opened = false;
    await this.db.close();
  }

  async load(name: string): Promise<LoadedDocument | null> {
    this.assertOpen();
    const meta = await this.readMeta(name);
    if (!meta) return null;
    return this.read(async () => {
      const updates: Uint8Array[] = [];
      const snapshot = await this.db.get(snapshotKey(name));
      if (snapshot) updates.push(snapshot);
      for await (const [, value] of this.db.entries(logRange(name))) updates.push(value);
      return { meta: publicMeta(meta), updates };
    });
  }

  async create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    this.assertOpen();
    if (await this.readMeta(name)) throw new StoreError('EXISTS', `document "${name}" exists already`);
    const { update, ...patch } = init;
    const base = newMeta(name, this.now(), patch);
    const meta: StoredMeta = { ...base, snapshotBytes: update?.byteLength ?? 0, size: update?.byteLength ?? 0, firstSeq: 0, nextSeq: 0 };
    const operations: BatchOperation[] = [{ type: 'del', key: tombstoneKey(name) }, putMeta(meta)];
    if (update) operations.push({ type: 'put', key: snapshotKey(name), value: asBuffer(update) });
    await this.commit(name, meta, operations);
    return publicMeta(meta);
  }

  async append(name: string, update: Uint8Array, patch: MetaPatch = {}): Promise<void> {
    const current = await this.requireMeta(name);
    const seq = current.nextSeq;
    const meta: StoredMeta = {
      ...applyPatch(current, patch),
      snapshotBytes: current.snapshotBytes,
      firstSeq: current.firstSeq,
      nextSeq: seq + 1,
      logCount: current.logCount + 1,
      logBytes: current.logBytes + update.byteLength,
      size: current.size + update.byteLength,
      updatedAt: this.now(),
    };
    await this.commit(name, meta, [{ type: 'put', key: logKey(name, seq), value: asBuffer(update) }, putMeta(meta)]);
  }

  async compact(name: string, snapshot: Uint8Array): Promise<void> {
    const current = await this.requireMeta(name);
    const operations: BatchOperation[] = [{ type: 'put', key: snapshotKey(name), value: asBuffer(snapshot) }];
    // [L5] The snapshot and the deletions go out in one atomic batch: no entry disappears
    // before the snapshot that contains it is on disk.
    for (let seq = current.firstSeq; seq < current.nextSeq; seq++) operations.push({ type: 'del', key: logKey(name, seq) });
    const meta: StoredMeta = {
      ...current,
      firstSeq: current.nextSeq,
      logCount: 0,
      logBytes: 0,
      snapshotBytes: snapshot.byteLength,
      size: snapshot.byteLength,
    };
    operations.push(putMeta(meta));
    await this.commit(name, meta, operations);
  }

  async getMeta(name: string): Promise<DocumentMeta | null> {
    this.assertOpen();
    const meta = await this.readMeta(name);
    return meta ? publicMeta(meta) : null;
  }

  async updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    const current = await this.requireMeta(name);
    const meta: StoredMeta = { ...current, ...applyPatch(current, patch) };
    await this.commit(name, meta, [putMeta(meta)]);
    return publicMeta(meta);
  }

  async list(): Promise<DocumentMeta[]> {
    this.assertOpen();
    return this.read(async () => {
      const result: DocumentMeta[] = [];
      for await (const [key, value] of this.db.entries(metaRange)) {
        const meta = parseMeta(key, value);
        result.push(publicMeta(this.metas.get(meta.name) ?? meta));
      }
      return result;
    });
  }

  async delete(name: string): Promise<boolean> {
    const current = await this.readMeta(name);
    if (!current) return false;
    const operations: BatchOperation[] = [
      { type: 'del', key: metaKey(name) },
      { type: 'del', key: snapshotKey(name) },
      { type: 'put', key: tombstoneKey(name), value: String(this.now()) },
    ];
    // Read the keys rather than trusting the cached range: whatever is there goes.
    await this.read(async () => {
      for await (const [key] of this.db.entries({ ...logRange(name), values: false })) operations.push({ type: 'del', key });
    });
    await this.commit(name, null, operations);
    return true;
  }

  async wasDeleted(name: string): Promise<boolean> {
    this.assertOpen();
    return (await this.read(() => this.db.get(tombstoneKey(name)))) !== undefined;
  }

  async probe(): Promise<void> {
    this.assertOpen();
    const value = String(this.now());
    await this.write([{ type: 'put', key: probeKey, value }]);
    const back = await this.read(() => this.db.get(probeKey));
    if (back?.toString() !== value) throw new StoreError('CORRUPT', 'readiness probe read back a different value');
  }

  /** Every key and value of this layout, in key order: what a backup copies. */
  async *dump(): AsyncGenerator<[string, Buffer]> {
    this.assertOpen();
    yield* this.db.entries(layoutRange);
  }

  /** Writes raw key/value pairs (a restore) in synced batches; the metadata cache is dropped. */
  async restoreEntries(entries: Array<[string, Uint8Array]>): Promise<void> {
    this.assertOpen();
    this.metas.clear();
    await this.write(entries.map(([key, value]) => ({ type: 'put', key, value: asBuffer(value) })));
  }

  /** Queues `operations` with the group commit, updating the cached metadata as it is queued. */
  private async commit(name: string, meta: StoredMeta | null, operations: BatchOperation[]): Promise<void> {
    this.metas.set(name, meta);
    try {
      await this.queue.enqueue(operations);
    } catch (error) {
      throw new StoreError('WRITE_FAILED', `writing document "${name}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private async write(operations: BatchOperation[]): Promise<void> {
    try {
      await this.queue.enqueue(operations);
    } catch (error) {
      throw new StoreError('WRITE_FAILED', `write failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private async requireMeta(name: string): Promise<StoredMeta> {
    this.assertOpen();
    const meta = await this.readMeta(name);
    if (!meta) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    return meta;
  }

  /** Cached metadata; concurrent first reads of one name share one disk read. */
  private async readMeta(name: string): Promise<StoredMeta | null> {
    const cached = this.metas.get(name);
    if (cached !== undefined) return cached;
    let reading = this.metaReads.get(name);
    if (!reading) {
      reading = this.read(async () => {
        const value = await this.db.get(metaKey(name));
        return value ? parseMeta(metaKey(name), value) : null;
      }).finally(() => this.metaReads.delete(name));
      this.metaReads.set(name, reading);
    }
    const meta = await reading;
    // A write queued while we read has the newer value; keep it.
    if (!this.metas.has(name)) this.metas.set(name, meta);
    return this.metas.get(name) ?? null;
  }

  private async read<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('READ_FAILED', `read from ${this.db.location} failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private assertOpen(): void {
    if (!this.opened) throw new StoreError('NOT_OPEN', 'the document store is not open');
  }
}

/** leveldown stores a Buffer as bytes but any other value as its string form: always pass a Buffer. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function putMeta(meta: StoredMeta): BatchOperation {
  return { type: 'put', key: metaKey(meta.name), value: JSON.stringify(meta) };
}

function parseMeta(key: string, value: Buffer): StoredMeta {
  try {
    const meta = JSON.parse(value.toString()) as StoredMeta;
    if (typeof meta.name !== 'string' || typeof meta.nextSeq !== 'number') throw new Error('missing fields');
    meta.properties ??= {};
    return meta;
  } catch (error) {
    throw new StoreError('CORRUPT', `metadata at ${JSON.stringify(key)} is not valid: ${messageOf(error)}`, { cause: error });
  }
}

function publicMeta(meta: StoredMeta): DocumentMeta {
  const { name, createdAt, updatedAt, title, size, logCount, logBytes, properties } = meta;
  return { name, createdAt, updatedAt, title, size, logCount, logBytes, properties: { ...properties } };
}

function openError(location: string, error: unknown): StoreError {
  const message = messageOf(error);
  if (/lock/i.test(message)) {
    return new StoreError('LOCKED', `the data folder ${location} is in use by another process (LevelDB lock held); stop it or choose another DATA_DIR`, {
      cause: error,
    });
  }
  if (/corrupt/i.test(message)) {
    return new StoreError('CORRUPT', `the LevelDB database in ${location} is corrupted: ${message}`, { cause: error });
  }
  return new StoreError('READ_FAILED', `cannot open the LevelDB database in ${location}: ${message}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
