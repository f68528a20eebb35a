import { type AuditEntry, type AuditPage, type AuditStore, assertAuditArguments, pageOf, type StoredAuditEntry } from './AuditStore';
import { assertBlobType, BlobChunker, type BlobInfo, type BlobStore, isBlobHash, type NewBlob, type StoredBlob } from './BlobStore';
import {
  applyPatch,
  assertStorableName,
  compareNames,
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
import { checkedHistory } from './historyImport';
import {
  emptyHead,
  type HistoryHead,
  mergeAuthors,
  type NewVersion,
  type StoredVersion,
  type VersionAuthor,
  type VersionInfo,
  type VersionStore,
} from './VersionStore';
import { planRemoval } from './versionRemoval';

interface MemoryDocument {
  meta: DocumentMeta;
  snapshot: Uint8Array | null;
  log: Uint8Array[];
  head: HistoryHead;
  versions: StoredVersion[];
  /** By hash. */
  blobs: Map<string, { info: BlobInfo; chunks: Buffer[] }>;
}

/**
 * A document store held in memory: the second implementation the contract suite runs against,
 * and a store for tests that do not need a disk. Nothing survives the process. Every method
 * copies bytes in and out, so callers can never change what is stored.
 */
export class MemoryDocumentStore implements DocumentStore, VersionStore, BlobStore, AuditStore {
  private readonly documents = new Map<string, MemoryDocument>();
  /** Audit logs by document name, oldest first, and the number each log's next entry gets. */
  private readonly audits = new Map<string, { next: number; entries: StoredAuditEntry[] }>();
  private readonly tombstones = new Map<string, number>();
  private opened = false;

  constructor(private readonly now: () => number = Date.now) {}

  async open(): Promise<void> {
    this.opened = true;
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  async load(name: string): Promise<LoadedDocument | null> {
    const document = this.get(name);
    if (!document) return null;
    const updates = document.snapshot ? [document.snapshot, ...document.log] : document.log;
    return { meta: copy(document.meta), updates: updates.map((update) => update.slice()) };
  }

  async create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    if (this.get(name)) throw new StoreError('EXISTS', `document "${name}" exists already`);
    const { update, ...patch } = init;
    const meta = { ...newMeta(name, this.now(), patch), size: update?.byteLength ?? 0 };
    this.tombstones.delete(name);
    this.documents.set(name, { meta, snapshot: update ? update.slice() : null, log: [], head: emptyHead(), versions: [], blobs: new Map() });
    return copy(meta);
  }

  async append(name: string, update: Uint8Array, patch: MetaPatch = {}): Promise<void> {
    const document = this.require(name);
    document.log.push(update.slice());
    const meta = applyPatch(document.meta, patch);
    meta.logCount += 1;
    meta.logBytes += update.byteLength;
    meta.size += update.byteLength;
    meta.updatedAt = this.now();
    document.meta = meta;
  }

  async compact(name: string, snapshot: Uint8Array): Promise<void> {
    const document = this.require(name);
    document.snapshot = snapshot.slice();
    document.log = [];
    document.meta = { ...document.meta, logCount: 0, logBytes: 0, size: snapshot.byteLength };
  }

  async getMeta(name: string): Promise<DocumentMeta | null> {
    const document = this.get(name);
    return document ? copy(document.meta) : null;
  }

  async updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    const document = this.require(name);
    document.meta = applyPatch(document.meta, patch);
    return copy(document.meta);
  }

  async list(): Promise<DocumentMeta[]> {
    this.assertOpen();
    return this.names().map((name) => copy(this.require(name).meta));
  }

  async delete(name: string): Promise<boolean> {
    if (!this.get(name)) return false;
    this.documents.delete(name);
    this.tombstones.set(name, this.now());
    return true;
  }

  async wasDeleted(name: string): Promise<boolean> {
    this.assertOpen();
    assertStorableName(name);
    return this.tombstones.has(name);
  }

  async probe(): Promise<void> {
    this.assertOpen();
  }

  async *exportAll(): AsyncGenerator<ExportItem> {
    this.assertOpen();
    // Copy everything first: the export is one point in time, like LevelDB's snapshot.
    const documents: ExportedDocument[] = this.names().map((name) => {
      const { meta, snapshot, log, head, versions } = this.require(name);
      return {
        meta: copy(meta),
        snapshot: snapshot?.slice() ?? null,
        log: log.map((entry) => entry.slice()),
        history: { head: copyHead(head), versions: versions.map(({ info, delta }) => ({ info: copyInfo(info), delta: delta.slice() })) },
      };
    });
    const tombstones: Tombstone[] = [...this.tombstones].sort(([a], [b]) => compareNames(a, b)).map(([name, deletedAt]) => ({ name, deletedAt }));
    const blobs = new Map(this.names().map((name) => [name, [...this.require(name).blobs.values()].sort((a, b) => (a.info.hash < b.info.hash ? -1 : 1))]));
    yield { kind: 'summary', documents: documents.length, tombstones: tombstones.length };
    for (const document of documents) {
      yield { kind: 'document', document };
      for (const { info, chunks } of blobs.get(document.meta.name) ?? [])
        yield { kind: 'blob', name: document.meta.name, blob: { ...info }, chunks: copies(chunks) };
    }
    for (const tombstone of tombstones) yield { kind: 'tombstone', tombstone };
  }

  async importDocument({ meta, snapshot, log, history }: ExportedDocument): Promise<void> {
    if (this.get(meta.name)) throw new StoreError('EXISTS', `document "${meta.name}" exists already; import only into a store without it`);
    const { head, versions } = checkedHistory(meta.name, history);
    const logBytes = log.reduce((sum, entry) => sum + entry.byteLength, 0);
    const size = (snapshot?.byteLength ?? 0) + logBytes;
    this.tombstones.delete(meta.name);
    this.documents.set(meta.name, {
      meta: { ...copy(meta), logCount: log.length, logBytes, size },
      snapshot: snapshot?.slice() ?? null,
      log: log.map((entry) => entry.slice()),
      head,
      versions,
      blobs: new Map(),
    });
  }

  async importTombstone({ name, deletedAt }: Tombstone): Promise<void> {
    if (this.get(name)) throw new StoreError('EXISTS', `document "${name}" exists; a tombstone cannot be imported over it`);
    this.tombstones.set(name, deletedAt);
  }

  async historyHead(name: string): Promise<HistoryHead | null> {
    const document = this.get(name);
    return document ? copyHead(document.head) : null;
  }

  async listVersions(name: string): Promise<VersionInfo[] | null> {
    const document = this.get(name);
    return document ? document.versions.map(({ info }) => copyInfo(info)) : null;
  }

  async loadVersion(name: string, id: number): Promise<Uint8Array[] | null> {
    const document = this.get(name);
    if (!document?.versions.some(({ info }) => info.id === id)) return null;
    return document.versions.filter(({ info }) => info.id <= id).map(({ delta }) => delta.slice());
  }

  async addVersion(name: string, version: NewVersion): Promise<VersionInfo> {
    const document = this.require(name);
    const { createdAt, label, authors, restoredFrom, delta, state } = version;
    const info: VersionInfo = { id: document.head.nextId, createdAt, label, authors: mergeAuthors([], authors), bytes: delta.byteLength, restoredFrom };
    document.versions.push({ info: copyInfo(info), delta: delta.slice() });
    document.head = { nextId: info.id + 1, state: state.slice(), contributors: [] };
    return copyInfo(info);
  }

  async addContributors(name: string, authors: VersionAuthor[]): Promise<void> {
    const document = this.require(name);
    document.head = { ...document.head, contributors: mergeAuthors(document.head.contributors, authors) };
  }

  async labelVersion(name: string, id: number, label: string | null): Promise<VersionInfo> {
    const document = this.require(name);
    const version = document.versions.find(({ info }) => info.id === id);
    if (!version) throw new StoreError('NOT_FOUND', `document "${name}" has no version ${id}`);
    version.info = { ...version.info, label };
    return copyInfo(version.info);
  }

  async removeVersions(name: string, ids: number[]): Promise<void> {
    const document = this.require(name);
    const plan = planRemoval(name, document.versions, ids);
    const removed = new Set(plan.removed);
    document.versions = document.versions
      .filter(({ info }) => !removed.has(info.id))
      .map((version) => plan.rewritten.find((rewritten) => rewritten.info.id === version.info.id) ?? version);
  }

  async putBlob(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo> {
    const document = this.require(name);
    assertBlobType(blob.type);
    const createdAt = blob.createdAt ?? this.now();
    if (!Number.isSafeInteger(createdAt) || createdAt < 0)
      throw new StoreError('INVALID_ARGUMENT', `a blob's createdAt must be a time in ms (got ${createdAt})`);
    const chunker = new BlobChunker();
    const stored: Buffer[] = [];
    for await (const input of chunks) stored.push(...chunker.push(input));
    const { last, hash } = chunker.finish();
    if (last) stored.push(last);
    // Deleted (or deleted and created again) while the bytes arrived: the blob has no document.
    if (this.get(name) !== document) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    const existing = document.blobs.get(hash);
    if (existing) return { ...existing.info };
    const info: BlobInfo = { hash, size: chunker.size, type: blob.type, createdAt };
    document.blobs.set(hash, { info, chunks: stored });
    return { ...info };
  }

  async getBlob(name: string, hash: string): Promise<StoredBlob | null> {
    const stored = this.get(name)?.blobs.get(hash);
    if (!stored || !isBlobHash(hash)) return null;
    // Read when iterated, as a LevelDB view would be: a blob deleted before then is gone.
    const read = async function* (store: MemoryDocumentStore): AsyncGenerator<Uint8Array> {
      if (store.get(name)?.blobs.get(hash) !== stored) throw new StoreError('NOT_FOUND', `blob ${hash} of document "${name}" was deleted`);
      yield* copies(stored.chunks);
    };
    return { info: { ...stored.info }, chunks: read(this) };
  }

  async listBlobs(name: string): Promise<BlobInfo[] | null> {
    const document = this.get(name);
    if (!document) return null;
    return [...document.blobs.values()].map(({ info }) => ({ ...info })).sort((a, b) => (a.hash < b.hash ? -1 : 1));
  }

  async deleteBlobs(name: string, hashes: string[]): Promise<void> {
    const document = this.require(name);
    for (const hash of hashes) document.blobs.delete(hash);
  }

  /** Names in the order LevelDB keeps them (UTF-8 bytes), so both stores list alike. */
  private names(): string[] {
    return [...this.documents.keys()].sort(compareNames);
  }

  private get(name: string): MemoryDocument | undefined {
    this.assertOpen();
    assertStorableName(name);
    return this.documents.get(name);
  }

  async appendAudit(name: string, entry: AuditEntry, keep: number): Promise<void> {
    this.assertOpen();
    assertStorableName(name);
    assertAuditArguments({ keep });
    const log = this.audits.get(name) ?? { next: 0, entries: [] };
    log.entries.push({ ...structuredClone(entry), seq: log.next++ });
    if (log.entries.length > keep) log.entries.splice(0, log.entries.length - keep);
    this.audits.set(name, log);
  }

  async readAudit(name: string, { before, limit }: { before: number | null; limit: number }): Promise<AuditPage> {
    this.assertOpen();
    assertStorableName(name);
    assertAuditArguments({ before, limit });
    const entries = (this.audits.get(name)?.entries ?? []).filter((entry) => before === null || entry.seq < before);
    return pageOf(structuredClone(entries.slice(-(limit + 1)).reverse()), limit);
  }

  private require(name: string): MemoryDocument {
    const document = this.get(name);
    if (!document) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    return document;
  }

  private assertOpen(): void {
    if (!this.opened) throw new StoreError('NOT_OPEN', 'the document store is not open');
  }
}

async function* copies(chunks: Buffer[]): AsyncGenerator<Uint8Array> {
  for (const chunk of chunks) yield Uint8Array.from(chunk);
}

function copy(meta: DocumentMeta): DocumentMeta {
  return { ...meta, properties: { ...meta.properties } };
}

function copyInfo(info: VersionInfo): VersionInfo {
  return { ...info, authors: info.authors.map((author) => ({ ...author })), restoredFrom: info.restoredFrom && { ...info.restoredFrom } };
}

function copyHead(head: HistoryHead): HistoryHead {
  return { nextId: head.nextId, state: head.state?.slice() ?? null, contributors: head.contributors.map((author) => ({ ...author })) };
}
