import { randomBytes } from 'node:crypto';
import type { BatchOperation } from 'leveldown';
import { type AuditEntry, type AuditPage, type AuditStore, assertAuditArguments } from './AuditStore';
import { assertBlobType, BlobChunker, type BlobInfo, type BlobStore, isBlobHash, type NewBlob, type StoredBlob } from './BlobStore';
import { type Cursor, decodeCursor, encodeCursor } from './cursorEncoding';
import {
  applyPatch,
  assertStorableName,
  type DocumentMeta,
  type DocumentStore,
  type ExportedDocument,
  type ExportItem,
  type LoadedDocument,
  type MetaPatch,
  newMeta,
  StoreError,
  type Tombstone,
} from './DocumentStore';
import { encodeDelta } from './deltaEncoding';
import { checkedHistory } from './historyImport';
import {
  blobKey,
  blobRange,
  chunkKey,
  cursorKey,
  cursorRange,
  deltaKey,
  formatKey,
  historyHeadKey,
  LAYOUT_VERSION,
  logKey,
  logRange,
  metaKey,
  metaRange,
  probeKey,
  snapshotKey,
  tombstoneKey,
  tombstoneRange,
  uploadKey,
  versionKey,
} from './keys';
import { LevelDatabase, type SnapshotView } from './LevelDatabase';
import { LevelAudit } from './levelAudit';
import {
  BLOB_BATCH_BYTES,
  blobInfoOf,
  blobKeysOf,
  chunkKeys,
  putBlobRecord,
  putUploadMark,
  readBlobChunks,
  readBlobRecord,
  readBlobRecords,
  type StoredBlobRecord,
  sweepUnfinishedPuts,
} from './levelBlobs';
import {
  hasHistory,
  headFrom,
  historyKeys,
  putDescription,
  putEncodedVersion,
  putHead,
  putVersion,
  readDeltasUpTo,
  readHead,
  readHistory,
  readStoredInfos,
  readVersionInfos,
  readVersions,
} from './levelHistory';
import { PendingWrites } from './PendingWrites';
import { type HistoryHead, isEmptyHistory, mergeAuthors, type NewVersion, type VersionAuthor, type VersionInfo, type VersionStore } from './VersionStore';
import { planRemoval } from './versionRemoval';
import { type BatchReport, WriteQueue } from './WriteQueue';

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
  /** Told after every group-commit batch (for metrics). */
  onBatch?: (report: BatchReport) => void;
  /** Least time between two synced batches under load, in ms (SPEC.md [L6]); default 0. */
  commitIntervalMs?: number;
  /** Opens the database wrapper; tests pass one that counts or fails batches. */
  openDatabase?: (location: string) => LevelDatabase;
}

/** A write derived from a document's current metadata: the new metadata and the batch operations. */
interface PreparedWrite {
  meta: StoredMeta | null;
  operations: BatchOperation[];
}

/**
 * The LevelDB document store (rules in SPEC.md). Writes of one event-loop turn share one synced
 * batch. Metadata of documents in use is cached and updated as writes are queued; the cache is
 * dropped whenever a batch fails, so the next write starts again from what is on disk.
 */
export class LevelDocumentStore implements DocumentStore, VersionStore, BlobStore, AuditStore {
  private readonly db: LevelDatabase;
  private readonly now: () => number;
  private readonly queue: WriteQueue;
  private readonly metas = new Map<string, StoredMeta | null>();
  private readonly metaReads = new Map<string, Promise<StoredMeta | null>>();
  /** The tail of each document's chain of write preparations (see `exclusive`). */
  private readonly preparing = new Map<string, Promise<unknown>>();
  /** Writes called and not yet settled, so reads can wait for them ([L14]). */
  private readonly pendingWrites = new PendingWrites();
  /** Settles when the last write queued for a document has landed or failed. */
  private readonly landing = new Map<string, Promise<void>>();
  /** Counts failed batches; a preparation that saw it change starts over. */
  private failedBatches = 0;
  /** `putBlob` calls under way, per document: a deletion of the document cancels them ([L29]). */
  private readonly uploads = new Map<string, Set<{ cancelled: boolean }>>();
  private opened = false;
  private readonly audit: LevelAudit;

  constructor(options: LevelDocumentStoreOptions) {
    this.db = (options.openDatabase ?? ((location) => new LevelDatabase(location)))(options.location);
    this.now = options.now ?? Date.now;
    this.queue = new WriteQueue({
      write: (batches) => this.db.batch(batches.flat(), true),
      onFailure: () => {
        this.failedBatches += 1;
        this.metas.clear();
      },
      onBatch: options.onBatch,
      minIntervalMs: options.commitIntervalMs,
    });
    this.audit = new LevelAudit(this.db, (operations) => this.queue.enqueue(operations));
  }

  /** The LevelDB folder. */
  get location(): string {
    return this.db.location;
  }

  async open(): Promise<void> {
    this.queue.resume();
    try {
      await this.db.open();
    } catch (error) {
      throw openError(this.db.location, error);
    }
    try {
      const format = await this.read(() => this.db.get(formatKey));
      if (format === undefined) {
        // [L2] Only an empty folder may be claimed; anything else is not ours to overwrite.
        for await (const _ of this.db.entries({ limit: 1 })) {
          throw new StoreError('FORMAT', `${this.db.location} holds a LevelDB database without a Quire layout marker; refusing to use it`);
        }
        await this.queue.enqueue([{ type: 'put', key: formatKey, value: LAYOUT_VERSION }]);
      } else if (format.toString() !== LAYOUT_VERSION) {
        // [L3] Another layout version: read nothing, write nothing.
        throw new StoreError('FORMAT', `${this.db.location} uses key layout "${format.toString()}"; this version reads layout ${LAYOUT_VERSION}`);
      }
      // [L31] What blob writes cut short by a crash left behind goes before anything reads.
      await sweepUnfinishedPuts(this.db);
    } catch (error) {
      await this.db.close();
      throw error instanceof StoreError
        ? error
        : new StoreError('WRITE_FAILED', `initializing ${this.db.location} failed: ${messageOf(error)}`, { cause: error });
    }
    this.opened = true;
  }

  async close(): Promise<void> {
    if (!this.opened) return;
    this.opened = false;
    // Queued writes go out now; writes called before close that are still reading the metadata
    // they need (not queued yet) follow without waiting for the interval, and land first.
    await this.queue.drain();
    await this.pendingWrites.settled();
    await this.queue.drain();
    await this.db.close();
  }

  async load(name: string): Promise<LoadedDocument | null> {
    this.check(name);
    // [L14] A load sees every write called before it, and reads from one point in time.
    await this.pendingWrites.settled();
    return this.withView(async (view) => {
      const document = await readDocument(view, name);
      if (!document) return null;
      const { meta, snapshot, log } = document;
      return { meta, updates: snapshot ? [snapshot, ...log] : log };
    });
  }

  create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    this.check(name);
    const { update, ...patch } = init;
    let created: StoredMeta | undefined;
    return this.write(name, async (current) => {
      if (current) throw new StoreError('EXISTS', `document "${name}" exists already`);
      await this.assertNoOrphans(name);
      const base = newMeta(name, this.now(), patch);
      const size = update?.byteLength ?? 0;
      const meta: StoredMeta = { ...base, snapshotBytes: size, size, firstSeq: 0, nextSeq: 0 };
      const operations: BatchOperation[] = [{ type: 'del', key: tombstoneKey(name) }, ...putMeta(meta)];
      if (update) operations.push({ type: 'put', key: snapshotKey(name), value: asBuffer(update) });
      created = meta;
      return { meta, operations };
    }).then(() => publicMeta(created as StoredMeta));
  }

  append(name: string, update: Uint8Array, patch: MetaPatch = {}): Promise<void> {
    this.check(name);
    return this.write(name, (current) => {
      if (!current) throw notFound(name);
      const seq = current.nextSeq;
      const meta: StoredMeta = {
        ...current,
        ...applyPatch(current, patch),
        nextSeq: seq + 1,
        logCount: current.logCount + 1,
        logBytes: current.logBytes + update.byteLength,
        size: current.size + update.byteLength,
        updatedAt: this.now(),
      };
      // [L25] A plain append moves the small log cursor; only a metadata change rewrites the metadata.
      const changesMeta = patch.title !== undefined || patch.properties !== undefined;
      return { meta, operations: [{ type: 'put', key: logKey(name, seq), value: asBuffer(update) }, ...(changesMeta ? putMeta(meta) : [putCursor(meta)])] };
    });
  }

  compact(name: string, snapshot: Uint8Array): Promise<void> {
    this.check(name);
    return this.write(name, (current) => {
      if (!current) throw notFound(name);
      // [L5] The snapshot, the deletions and the metadata go out in one atomic batch: no entry
      // disappears before the snapshot that contains it is on disk. Only entries appended before
      // this call are deleted (the range comes from the metadata as queued so far).
      const operations: BatchOperation[] = [{ type: 'put', key: snapshotKey(name), value: asBuffer(snapshot) }];
      for (let seq = current.firstSeq; seq < current.nextSeq; seq++) operations.push({ type: 'del', key: logKey(name, seq) });
      const meta: StoredMeta = {
        ...current,
        firstSeq: current.nextSeq,
        logCount: 0,
        logBytes: 0,
        snapshotBytes: snapshot.byteLength,
        size: snapshot.byteLength,
      };
      operations.push(...putMeta(meta));
      return { meta, operations };
    });
  }

  async getMeta(name: string): Promise<DocumentMeta | null> {
    this.check(name);
    const meta = await this.readMeta(name);
    return meta ? publicMeta(meta) : null;
  }

  async updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    this.check(name);
    let updated: StoredMeta | undefined;
    await this.write(name, (current) => {
      if (!current) throw notFound(name);
      updated = { ...current, ...applyPatch(current, patch) };
      return { meta: updated, operations: putMeta(updated) };
    });
    return publicMeta(updated as StoredMeta);
  }

  async list(): Promise<DocumentMeta[]> {
    this.assertOpen();
    await this.pendingWrites.settled();
    return this.withView(async (view) => {
      const cursors = new Map<string, Buffer>();
      for await (const [key, value] of view.range(cursorRange.gte, cursorRange.lt)) cursors.set(key, value);
      const result: DocumentMeta[] = [];
      for await (const [key, value] of view.range(metaRange.gte, metaRange.lt)) {
        const meta = parseMeta(key, value);
        result.push(publicMeta(withCursor(meta, cursors.get(cursorKey(meta.name)))));
      }
      return result;
    });
  }

  async delete(name: string): Promise<boolean> {
    this.check(name);
    let existed = false;
    await this.write(name, async (current) => {
      existed = current !== null;
      if (!current) return null;
      const operations: BatchOperation[] = [
        { type: 'del', key: metaKey(name) },
        { type: 'del', key: cursorKey(name) },
        { type: 'del', key: snapshotKey(name) },
        { type: 'put', key: tombstoneKey(name), value: String(this.now()) },
      ];
      // Whatever log keys are on disk go, as well as those the metadata counts (queued ones).
      const keys = new Set<string>();
      for (let seq = current.firstSeq; seq < current.nextSeq; seq++) keys.add(logKey(name, seq));
      await this.read(async () => {
        const range = logRange(name);
        for await (const [key] of this.db.entries({ ...range, values: false })) keys.add(key);
      });
      // [L18] The history goes in the same batch; earlier version writes land first so their keys are seen.
      await this.landing.get(name);
      for (const key of await this.withView((view) => historyKeys(view, name))) keys.add(key);
      // [L29] So do its blobs, and the chunks of blob writes still under way, which can no longer finish.
      for (const upload of this.uploads.get(name) ?? []) upload.cancelled = true;
      for (const key of await this.withView((view) => blobKeysOf(view, name))) keys.add(key);
      for (const key of keys) operations.push({ type: 'del', key });
      return { meta: null, operations };
    });
    return existed;
  }

  async wasDeleted(name: string): Promise<boolean> {
    this.check(name);
    await this.pendingWrites.settled();
    return (await this.read(() => this.db.get(tombstoneKey(name)))) !== undefined;
  }

  async probe(): Promise<void> {
    this.assertOpen();
    const value = String(this.now());
    try {
      await this.queue.enqueue([{ type: 'put', key: probeKey, value }]);
    } catch (error) {
      throw new StoreError('WRITE_FAILED', `readiness probe write failed: ${messageOf(error)}`, { cause: error });
    }
    const back = await this.read(() => this.db.get(probeKey));
    if (back?.toString() !== value) throw new StoreError('CORRUPT', 'readiness probe read back a different value');
  }

  async appendAudit(name: string, entry: AuditEntry, keep: number): Promise<void> {
    this.check(name);
    assertAuditArguments({ keep });
    try {
      await this.pendingWrites.track(this.audit.append(name, entry, keep));
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('WRITE_FAILED', `writing the audit log of "${name}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async readAudit(name: string, { before, limit }: { before: number | null; limit: number }): Promise<AuditPage> {
    this.check(name);
    assertAuditArguments({ before, limit });
    await this.pendingWrites.settled();
    return this.read(() => this.audit.read(name, before, limit));
  }

  async *exportAll(): AsyncGenerator<ExportItem> {
    this.assertOpen();
    // [L15] Every write called before the export is in it; nothing written later is.
    await this.pendingWrites.settled();
    const view = await this.read(() => this.db.view());
    try {
      let documents = 0;
      let tombstones = 0;
      await this.read(async () => {
        for await (const _ of view.range(metaRange.gte, metaRange.lt)) documents += 1;
        for await (const _ of view.range(tombstoneRange.gte, tombstoneRange.lt)) tombstones += 1;
      });
      yield { kind: 'summary', documents, tombstones };
      // Walk the metadata by seeking past each name, so one snapshot serves every read.
      let from = metaRange.gte;
      while (true) {
        const next = await this.read(() => firstIn(view, from, metaRange.lt));
        if (!next) break;
        const name = parseMeta(next[0], next[1]).name;
        const content = await this.read(() => readDocument(view, name));
        // [L24] The history comes from the same snapshot as the content it describes.
        if (content) {
          yield { kind: 'document', document: { ...content, history: await this.read(() => readHistory(view, name)) } };
          // [L32] And so do its blobs, each read while the export waits for it.
          for (const record of await this.read(() => readBlobRecords(view, name))) {
            const reading = { done: false };
            yield { kind: 'blob', name, blob: blobInfoOf(record), chunks: this.exportChunks(view, name, record, reading) };
            reading.done = true;
          }
        }
        from = `${metaKey(name)}\u0000`;
      }
      const found: Tombstone[] = [];
      await this.read(async () => {
        for await (const [key, value] of view.range(tombstoneRange.gte, tombstoneRange.lt)) found.push(parseTombstone(key, value));
      });
      for (const tombstone of found) yield { kind: 'tombstone', tombstone };
    } finally {
      await view.close();
    }
  }

  importDocument({ meta: given, snapshot, log, history: givenHistory }: ExportedDocument): Promise<void> {
    this.check(given.name);
    const { name } = given;
    return this.write(name, async (current) => {
      if (current) throw new StoreError('EXISTS', `document "${name}" exists already; import only into a store without it`);
      const history = checkedHistory(name, givenHistory);
      await this.assertNoOrphans(name);
      const logBytes = log.reduce((sum, entry) => sum + entry.byteLength, 0);
      const snapshotBytes = snapshot?.byteLength ?? 0;
      const meta: StoredMeta = {
        name,
        createdAt: given.createdAt,
        updatedAt: given.updatedAt,
        title: given.title,
        properties: { ...given.properties },
        logCount: log.length,
        logBytes,
        size: snapshotBytes + logBytes,
        snapshotBytes,
        firstSeq: 0,
        nextSeq: log.length,
      };
      const operations: BatchOperation[] = [{ type: 'del', key: tombstoneKey(name) }, ...putMeta(meta)];
      if (snapshot) operations.push({ type: 'put', key: snapshotKey(name), value: asBuffer(snapshot) });
      for (const [seq, entry] of log.entries()) operations.push({ type: 'put', key: logKey(name, seq), value: asBuffer(entry) });
      // [L24] The history lands in the batch that creates the document: never one without the other.
      if (!isEmptyHistory(history)) operations.push(putHead(name, history.head));
      for (const stored of await Promise.all(history.versions.map((version) => putVersion(name, version)))) operations.push(...stored);
      return { meta, operations };
    });
  }

  importTombstone({ name, deletedAt }: Tombstone): Promise<void> {
    this.check(name);
    return this.write(name, (current) => {
      if (current) throw new StoreError('EXISTS', `document "${name}" exists; a tombstone cannot be imported over it`);
      return { meta: null, operations: [{ type: 'put', key: tombstoneKey(name), value: String(deletedAt) }] };
    });
  }

  async historyHead(name: string): Promise<HistoryHead | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.withView(async (view) => ((await view.get(metaKey(name))) ? readHead(view, name) : null));
  }

  async listVersions(name: string): Promise<VersionInfo[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.withView(async (view) => ((await view.get(metaKey(name))) ? readVersionInfos(view, name, await readHead(view, name)) : null));
  }

  async loadVersion(name: string, id: number): Promise<Uint8Array[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    // [L22] From one point in time: a removal landing meanwhile never mixes old and merged deltas.
    return this.withView(async (view) => ((await view.get(metaKey(name))) ? readDeltasUpTo(view, name, id, await readHead(view, name)) : null));
  }

  addVersion(name: string, version: NewVersion): Promise<VersionInfo> {
    this.check(name);
    let added: VersionInfo | undefined;
    // [L26] Compressing starts now, beside the wait for this document's earlier writes, not after it.
    const encoding = encodeDelta(version.delta);
    encoding.catch(() => undefined);
    return this.write(name, async (current) => {
      if (!current) throw notFound(name);
      const head = await this.landedHead(name);
      const { createdAt, label, authors, restoredFrom, delta, state } = version;
      const info: VersionInfo = { id: head.nextId, createdAt, label, authors: mergeAuthors([], authors), bytes: delta.byteLength, restoredFrom };
      const encoded = await encoding;
      added = info;
      // [L19] The version, its delta and the new head in one batch.
      return { meta: current, operations: [...putEncodedVersion(name, info, encoded), putHead(name, { nextId: info.id + 1, state, contributors: [] })] };
    }).then(() => added as VersionInfo);
  }

  addContributors(name: string, authors: VersionAuthor[]): Promise<void> {
    this.check(name);
    return this.write(name, async (current) => {
      if (!current) throw notFound(name);
      const head = await this.landedHead(name);
      const contributors = mergeAuthors(head.contributors, authors);
      if (contributors.length === head.contributors.length) return null;
      return { meta: current, operations: [putHead(name, { ...head, contributors })] };
    });
  }

  labelVersion(name: string, id: number, label: string | null): Promise<VersionInfo> {
    this.check(name);
    let labelled: VersionInfo | undefined;
    return this.write(name, async (current) => {
      if (!current) throw notFound(name);
      await this.landing.get(name);
      const versions = await this.withView(async (view) => readStoredInfos(view, name, await readHead(view, name)));
      const version = versions.find((candidate) => candidate.info.id === id);
      if (!version) throw new StoreError('NOT_FOUND', `document "${name}" has no version ${id}`);
      labelled = { ...version.info, label };
      // Only the description changes; the delta stays as stored, and so does the note of how ([L26]).
      return { meta: current, operations: [putDescription(name, { info: labelled, deflated: version.deflated })] };
    }).then(() => labelled as VersionInfo);
  }

  removeVersions(name: string, ids: number[]): Promise<void> {
    this.check(name);
    return this.write(name, async (current) => {
      if (!current) throw notFound(name);
      await this.landing.get(name);
      const versions = await this.withView(async (view) => readVersions(view, name, await readHead(view, name)));
      const plan = planRemoval(name, versions, ids);
      if (plan.removed.length === 0) return null;
      // [L21] Deletions and the merged deltas that take their place go out in one batch.
      const operations: BatchOperation[] = (await Promise.all(plan.rewritten.map((version) => putVersion(name, version)))).flat();
      for (const id of plan.removed) operations.push({ type: 'del', key: versionKey(name, id) }, { type: 'del', key: deltaKey(name, id) });
      return { meta: current, operations };
    });
  }

  async putBlob(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo> {
    this.check(name);
    assertBlobType(blob.type);
    const createdAt = blob.createdAt ?? this.now();
    if (!Number.isSafeInteger(createdAt) || createdAt < 0)
      throw new StoreError('INVALID_ARGUMENT', `a blob's createdAt must be a time in ms (got ${createdAt})`);
    if (!(await this.readMeta(name))) throw notFound(name);
    const upload = { cancelled: false };
    const uploads = this.uploads.get(name) ?? new Set();
    this.uploads.set(name, uploads.add(upload));
    const id = randomBytes(12).toString('hex');
    const chunker = new BlobChunker();
    let written = 0;
    // [L31] The mark goes out with the first chunks: a crash from then on leaves something `open` removes.
    let batch: BatchOperation[] = [putUploadMark(name, id)];
    let batchBytes = 0;
    const flush = async () => {
      const operations = batch;
      batch = [];
      batchBytes = 0;
      this.assertOpen();
      await this.queue.enqueue(operations).catch((error: unknown) => {
        throw new StoreError('WRITE_FAILED', `writing a blob of document "${name}" failed: ${messageOf(error)}`, { cause: error });
      });
    };
    const add = async (chunk: Buffer) => {
      batch.push({ type: 'put', key: chunkKey(name, id, written), value: chunk });
      written += 1;
      batchBytes += chunk.byteLength;
      // [L27] Bytes reach the disk as they come, in batches of about a megabyte, never all at once.
      if (batchBytes >= BLOB_BATCH_BYTES) await flush();
    };
    try {
      for await (const input of chunks) for (const chunk of chunker.push(input)) await add(chunk);
      const { last, hash } = chunker.finish();
      if (last) await add(last);
      await flush();
      let stored: BlobInfo | undefined;
      await this.write(name, async (current) => {
        if (!current || upload.cancelled) throw notFound(name);
        await this.landing.get(name);
        const existing = await this.withView((view) => readBlobRecord(view, name, hash));
        const operations: BatchOperation[] = [{ type: 'del', key: uploadKey(id) }];
        if (existing) {
          // [L27] Bytes the document holds already: the stored blob stays, this copy goes.
          stored = blobInfoOf(existing);
          for (const key of chunkKeys(name, id, written)) operations.push({ type: 'del', key });
        } else {
          const record: StoredBlobRecord = { hash, size: chunker.size, type: blob.type, createdAt, upload: id, chunks: written };
          stored = blobInfoOf(record);
          operations.push(putBlobRecord(name, record));
        }
        return { meta: current, operations };
      });
      return stored as BlobInfo;
    } catch (error) {
      // Nothing of a failed call stays; if even this fails, the mark has `open` finish it.
      if (this.opened) {
        const operations: BatchOperation[] = [
          { type: 'del', key: uploadKey(id) },
          ...chunkKeys(name, id, written).map((key) => ({ type: 'del' as const, key })),
        ];
        await this.queue.enqueue(operations).catch(() => undefined);
      }
      throw error;
    } finally {
      uploads.delete(upload);
      if (uploads.size === 0 && this.uploads.get(name) === uploads) this.uploads.delete(name);
    }
  }

  async getBlob(name: string, hash: string): Promise<StoredBlob | null> {
    this.check(name);
    if (!isBlobHash(hash)) return null;
    await this.pendingWrites.settled();
    const record = await this.withView((view) => readBlobRecord(view, name, hash));
    return record ? { info: blobInfoOf(record), chunks: this.blobChunks(name, record) } : null;
  }

  async listBlobs(name: string): Promise<BlobInfo[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.withView(async (view) => ((await view.get(metaKey(name))) ? (await readBlobRecords(view, name)).map(blobInfoOf) : null));
  }

  deleteBlobs(name: string, hashes: string[]): Promise<void> {
    this.check(name);
    const wanted = hashes.filter(isBlobHash);
    return this.write(name, async (current) => {
      if (!current) throw notFound(name);
      await this.landing.get(name);
      const records = await this.withView(async (view) => (await readBlobRecords(view, name)).filter((record) => wanted.includes(record.hash)));
      if (records.length === 0) return null;
      // [L30] Descriptions and chunks go in one batch.
      const operations: BatchOperation[] = records.flatMap((record) => [
        { type: 'del' as const, key: blobKey(name, record.hash) },
        ...chunkKeys(name, record.upload, record.chunks).map((key) => ({ type: 'del' as const, key })),
      ]);
      return { meta: current, operations };
    });
  }

  /** The chunks of a blob, read from one point in time when iterated ([L28]); NOT_FOUND when it went meanwhile. */
  private async *blobChunks(name: string, record: StoredBlobRecord): AsyncGenerator<Uint8Array> {
    this.assertOpen();
    const view = await this.read(() => this.db.view());
    try {
      const current = await this.read(() => readBlobRecord(view, name, record.hash));
      if (current?.upload !== record.upload) throw new StoreError('NOT_FOUND', `blob ${record.hash} of document "${name}" was deleted`);
      const reading = readBlobChunks(view, name, record);
      while (true) {
        const next = await this.read(() => reading.next());
        if (next.done) return;
        yield next.value;
      }
    } finally {
      await view.close();
    }
  }

  /** The chunks of a blob, through the export's view; only while the export waits for them ([L32]). */
  private async *exportChunks(view: SnapshotView, name: string, record: StoredBlobRecord, reading: { done: boolean }): AsyncGenerator<Uint8Array> {
    const chunks = readBlobChunks(view, name, record);
    while (true) {
      if (reading.done) throw new Error(`the chunks of blob ${record.hash} of "${name}" were read after the export moved on; read them before the next item`);
      const next = await this.read(() => chunks.next());
      if (next.done) return;
      yield next.value;
    }
  }

  /** The history head as on disk once this document's earlier writes have landed (call inside `write`). */
  private async landedHead(name: string): Promise<HistoryHead> {
    await this.landing.get(name);
    return this.read(async () => headFrom(name, await this.db.get(historyHeadKey(name))));
  }

  /**
   * Prepares a write from the current metadata of `name` and queues it; resolves once durable.
   * Preparations of one document run one at a time, so each sees the metadata the previous one
   * left ([L4]); one that overlapped a failed batch starts over from what is on disk ([L7]).
   */
  private write(name: string, prepare: (current: StoredMeta | null) => PreparedWrite | null | Promise<PreparedWrite | null>): Promise<void> {
    const written = this.prepareAndWrite(name, prepare);
    return this.pendingWrites.track(written);
  }

  private async prepareAndWrite(name: string, prepare: (current: StoredMeta | null) => PreparedWrite | null | Promise<PreparedWrite | null>): Promise<void> {
    const queued = await this.exclusive(name, async () => {
      while (true) {
        const failures = this.failedBatches;
        const current = await this.readMeta(name);
        const prepared = await prepare(current);
        if (failures !== this.failedBatches) continue;
        if (!prepared) return null;
        this.metas.set(name, prepared.meta);
        const written = this.queue.enqueue(prepared.operations);
        const landed = written.then(
          () => undefined,
          () => undefined,
        );
        this.landing.set(name, landed);
        void landed.then(() => {
          if (this.landing.get(name) === landed) this.landing.delete(name);
        });
        return { written };
      }
    });
    if (!queued) return;
    try {
      await queued.written;
    } catch (error) {
      throw new StoreError('WRITE_FAILED', `writing document "${name}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /** [L8] Content without metadata is damage to report, not room for a new document to mix into. */
  private async assertNoOrphans(name: string): Promise<void> {
    // A deletion of this name may still be on its way to disk.
    await this.landing.get(name);
    const orphaned = await this.withView(
      async (view) =>
        (await view.get(snapshotKey(name))) !== undefined ||
        (await firstIn(view, logRange(name).gte, logRange(name).lt)) !== undefined ||
        (await hasHistory(view, name)) ||
        (await firstIn(view, blobRange(name).gte, blobRange(name).lt)) !== undefined,
    );
    if (orphaned) throw corrupt(name, 'content is stored but its metadata is missing');
  }

  /** Runs `task` after every earlier task for `name` has finished (whether it failed or not). */
  private exclusive<T>(name: string, task: () => Promise<T>): Promise<T> {
    const previous = this.preparing.get(name) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.preparing.set(name, tail);
    void tail.then(() => {
      if (this.preparing.get(name) === tail) this.preparing.delete(name);
    });
    return current;
  }

  /** Cached metadata; concurrent first reads of one name share one disk read. */
  private async readMeta(name: string): Promise<StoredMeta | null> {
    const cached = this.metas.get(name);
    if (cached !== undefined) return cached;
    let reading = this.metaReads.get(name);
    if (!reading) {
      // One point in time: the metadata and the cursor of one batch, never of two.
      reading = this.withView((view) => readStoredMeta(view, name)).finally(() => this.metaReads.delete(name));
      this.metaReads.set(name, reading);
    }
    const meta = await reading;
    // A write queued while we read has the newer value; keep it.
    if (!this.metas.has(name)) this.metas.set(name, meta);
    return this.metas.get(name) ?? null;
  }

  private async withView<T>(read: (view: SnapshotView) => Promise<T>): Promise<T> {
    const view = await this.read(() => this.db.view());
    try {
      return await this.read(() => read(view));
    } finally {
      await view.close();
    }
  }

  private async read<T>(operation: () => Promise<T>): Promise<T> {
    try {
      return await operation();
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('READ_FAILED', `read from ${this.db.location} failed: ${messageOf(error)}`, { cause: error });
    }
  }

  private check(name: string): void {
    this.assertOpen();
    assertStorableName(name);
  }

  private assertOpen(): void {
    if (!this.opened) throw new StoreError('NOT_OPEN', 'the document store is not open');
  }
}

/**
 * Reads one document through `view` and checks that its parts agree ([L8]): the log holds
 * exactly the entries the metadata counts, and the sizes match. Null when it does not exist.
 */
async function readDocument(view: SnapshotView, name: string): Promise<Omit<ExportedDocument, 'history'> | null> {
  const meta = await readStoredMeta(view, name);
  const snapshot = await view.get(snapshotKey(name));
  const entries: Array<[string, Buffer]> = [];
  const range = logRange(name);
  for await (const entry of view.range(range.gte, range.lt)) entries.push(entry);
  if (!meta) {
    if (snapshot || entries.length > 0) throw corrupt(name, 'content is stored but its metadata is missing');
    return null;
  }
  const expected = meta.nextSeq - meta.firstSeq;
  if (entries.length !== expected || entries.some(([key], index) => key !== logKey(name, meta.firstSeq + index))) {
    throw corrupt(
      name,
      `the metadata counts log entries ${meta.firstSeq}..${meta.nextSeq - 1} but ${entries.length} entries with other sequence numbers are stored`,
    );
  }
  const logBytes = entries.reduce((sum, [, value]) => sum + value.byteLength, 0);
  const snapshotBytes = snapshot?.byteLength ?? 0;
  if (meta.logCount !== expected || meta.logBytes !== logBytes || meta.snapshotBytes !== snapshotBytes || meta.size !== snapshotBytes + logBytes) {
    throw corrupt(
      name,
      `stored sizes disagree with the metadata (snapshot ${snapshotBytes} bytes, log ${entries.length} entries of ${logBytes} bytes; ` +
        `metadata says ${meta.snapshotBytes}, ${meta.logCount} and ${meta.logBytes}, size ${meta.size})`,
    );
  }
  return { meta: publicMeta(meta), snapshot: snapshot ?? null, log: entries.map(([, value]) => value) };
}

/** The metadata of `name` as of `view`, with its log cursor applied ([L25]); null when there is none. */
async function readStoredMeta(view: SnapshotView, name: string): Promise<StoredMeta | null> {
  const value = await view.get(metaKey(name));
  return value ? withCursor(parseMeta(metaKey(name), value), await view.get(cursorKey(name))) : null;
}

async function firstIn(view: SnapshotView, gte: string, lt: string): Promise<[string, Buffer] | undefined> {
  for await (const entry of view.range(gte, lt)) return entry;
  return undefined;
}

function corrupt(name: string, problem: string): StoreError {
  return new StoreError('CORRUPT', `document "${name}" cannot be read back: ${problem}`);
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
}

/** leveldown stores a Buffer as bytes but any other value as its string form: always pass a Buffer. */
function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Writes the whole metadata, log position included, so the cursor it supersedes goes ([L25]). */
function putMeta(meta: StoredMeta): BatchOperation[] {
  return [
    { type: 'put', key: metaKey(meta.name), value: JSON.stringify(meta) },
    { type: 'del', key: cursorKey(meta.name) },
  ];
}

/** The log cursor: what an append changes in the metadata, in about 13 bytes ([L25]). */
function putCursor(meta: StoredMeta): BatchOperation {
  return { type: 'put', key: cursorKey(meta.name), value: encodeCursor({ n: meta.nextSeq, b: meta.logBytes, u: meta.updatedAt }) };
}

/** `meta` moved on by its cursor (when there is one); the sizes and counts follow from it. */
function withCursor(meta: StoredMeta, value: Buffer | undefined): StoredMeta {
  if (value === undefined) return meta;
  const key = cursorKey(meta.name);
  let cursor: Cursor;
  try {
    cursor = decodeCursor(value);
  } catch (error) {
    throw new StoreError('CORRUPT', `log cursor at ${JSON.stringify(key)} cannot be read: ${messageOf(error)}`, { cause: error });
  }
  const whole = (field: unknown) => Number.isSafeInteger(field) && (field as number) >= 0;
  if (typeof cursor !== 'object' || cursor === null || !whole(cursor.n) || !whole(cursor.b) || !whole(cursor.u) || cursor.n < meta.firstSeq) {
    throw new StoreError('CORRUPT', `log cursor at ${JSON.stringify(key)} is not valid: ${JSON.stringify(cursor)} (the log starts at ${meta.firstSeq})`);
  }
  return { ...meta, nextSeq: cursor.n, logCount: cursor.n - meta.firstSeq, logBytes: cursor.b, size: meta.snapshotBytes + cursor.b, updatedAt: cursor.u };
}

const NUMBER_FIELDS = ['createdAt', 'updatedAt', 'size', 'logCount', 'logBytes', 'snapshotBytes', 'firstSeq', 'nextSeq'] as const;

function parseMeta(key: string, value: Buffer): StoredMeta {
  let meta: StoredMeta;
  try {
    meta = JSON.parse(value.toString()) as StoredMeta;
  } catch (error) {
    throw new StoreError('CORRUPT', `metadata at ${JSON.stringify(key)} is not valid JSON: ${messageOf(error)}`, { cause: error });
  }
  const problems: string[] = [];
  if (typeof meta !== 'object' || meta === null) problems.push('not an object');
  else {
    if (typeof meta.name !== 'string' || metaKey(meta.name) !== key) problems.push('"name" does not match its key');
    if (typeof meta.title !== 'string') problems.push('"title" is not a string');
    for (const field of NUMBER_FIELDS) if (!Number.isSafeInteger(meta[field]) || meta[field] < 0) problems.push(`"${field}" is not a whole number`);
    const properties = meta.properties as unknown;
    if (typeof properties !== 'object' || properties === null || Object.values(properties).some((v) => typeof v !== 'string')) {
      problems.push('"properties" is not an object of strings');
    }
  }
  if (problems.length > 0) throw new StoreError('CORRUPT', `metadata at ${JSON.stringify(key)} is not valid: ${problems.join('; ')}`);
  return meta;
}

function parseTombstone(key: string, value: Buffer): Tombstone {
  const deletedAt = Number(value.toString());
  if (!Number.isSafeInteger(deletedAt)) throw new StoreError('CORRUPT', `tombstone at ${JSON.stringify(key)} holds "${value.toString()}", not a time`);
  return { name: key.slice(tombstoneRange.gte.length), deletedAt };
}

function publicMeta(meta: StoredMeta): DocumentMeta {
  const { name, createdAt, updatedAt, title, size, logCount, logBytes, properties } = meta;
  return { name, createdAt, updatedAt, title, size, logCount, logBytes, properties: { ...properties } };
}

function openError(location: string, error: unknown): StoreError {
  const message = messageOf(error);
  // LevelDB says "IO error: lock <folder>/LOCK: …" when another process holds the lock; other
  // errors can name the LOCK file too (e.g. a missing folder), and must not be called "in use".
  if (/IO error: lock /i.test(message)) {
    return new StoreError(
      'LOCKED',
      `the data folder ${location} is in use by another process (its LevelDB lock is held); stop that process or choose another DATA_DIR`,
      { cause: error },
    );
  }
  if (/corrupt/i.test(message)) {
    return new StoreError('CORRUPT', `the LevelDB database in ${location} is corrupted: ${message}`, { cause: error });
  }
  return new StoreError('READ_FAILED', `cannot open the LevelDB database in ${location}: ${message}`, { cause: error });
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
