import type { AuditEntry, AuditPage, AuditStore } from '../persistence/AuditStore';
import type { BlobInfo, BlobStore, NewBlob, StoredBlob } from '../persistence/BlobStore';
import {
  type DocumentMeta,
  type DocumentStore,
  type ExportedDocument,
  type ExportItem,
  type LoadedDocument,
  type MetaPatch,
  StoreError,
  type Tombstone,
} from '../persistence/DocumentStore';
import type { HistoryHead, NewVersion, VersionAuthor, VersionInfo, VersionStore } from '../persistence/VersionStore';

/** Store operations that write. */
export const WRITE_OPERATIONS = [
  'create',
  'append',
  'compact',
  'updateMeta',
  'delete',
  'probe',
  'importDocument',
  'importTombstone',
  'addVersion',
  'addContributors',
  'labelVersion',
  'removeVersions',
  'putBlob',
  'deleteBlobs',
] as const;
/** Store operations that only read. */
export const READ_OPERATIONS = [
  'load',
  'getMeta',
  'list',
  'wasDeleted',
  'exportAll',
  'historyHead',
  'listVersions',
  'loadVersion',
  'getBlob',
  'listBlobs',
] as const;

export type StoreOperation = (typeof WRITE_OPERATIONS)[number] | (typeof READ_OPERATIONS)[number];

/**
 * How an injected fault behaves:
 * - `fail`: the operation is refused before it reaches the real store (a full or read-only disk);
 * - `fail-after-write`: the real store performs it, then the caller is told it failed (a write
 *   that landed but whose confirmation was lost: the caller must cope with at-least-once).
 */
export type FaultKind = 'fail' | 'fail-after-write';

/**
 * A real `DocumentStore` with faults switched on and off by the test: the server under test sees
 * exactly the errors a failing disk would give it (`StoreError` `WRITE_FAILED`/`READ_FAILED`),
 * through the same interface, while the data underneath stays real (usually LevelDB).
 */
export class FaultyStore implements DocumentStore, VersionStore, BlobStore, AuditStore {
  private readonly faults = new Map<StoreOperation, FaultKind>();
  /** Calls per operation, failed or not. */
  readonly calls = new Map<StoreOperation, number>();
  /** Injected failures per operation. */
  readonly failures = new Map<StoreOperation, number>();

  constructor(readonly inner: DocumentStore & VersionStore & BlobStore & AuditStore) {}

  /** Makes `operations` fail (default: every write, the probe included) until `heal`. */
  inject(operations: readonly StoreOperation[] = WRITE_OPERATIONS, kind: FaultKind = 'fail'): void {
    for (const operation of operations) this.faults.set(operation, kind);
  }

  /** Removes every fault. */
  heal(): void {
    this.faults.clear();
  }

  /** Calls of `operation` so far. */
  count(operation: StoreOperation): number {
    return this.calls.get(operation) ?? 0;
  }

  /** Injected failures of `operation` so far. */
  failed(operation: StoreOperation): number {
    return this.failures.get(operation) ?? 0;
  }

  private async run<T>(operation: StoreOperation, perform: () => Promise<T>): Promise<T> {
    this.calls.set(operation, this.count(operation) + 1);
    const fault = this.faults.get(operation);
    if (fault === undefined) return perform();
    if (fault === 'fail-after-write') await perform();
    this.failures.set(operation, this.failed(operation) + 1);
    const isRead = (READ_OPERATIONS as readonly string[]).includes(operation);
    throw new StoreError(isRead ? 'READ_FAILED' : 'WRITE_FAILED', `injected fault: ${operation} failed (${isRead ? 'I/O error' : 'no space left on device'})`);
  }

  open(): Promise<void> {
    return this.inner.open();
  }

  /** Audit logs pass through without faults: the faults model the document store's disk. */
  appendAudit(name: string, entry: AuditEntry, keep: number): Promise<void> {
    return this.inner.appendAudit(name, entry, keep);
  }

  readAudit(name: string, options: { before: number | null; limit: number }): Promise<AuditPage> {
    return this.inner.readAudit(name, options);
  }

  close(): Promise<void> {
    return this.inner.close();
  }

  load(name: string): Promise<LoadedDocument | null> {
    return this.run('load', () => this.inner.load(name));
  }

  create(name: string, init?: { update?: Uint8Array } & MetaPatch): Promise<DocumentMeta> {
    return this.run('create', () => this.inner.create(name, init));
  }

  append(name: string, update: Uint8Array, patch?: MetaPatch): Promise<void> {
    return this.run('append', () => this.inner.append(name, update, patch));
  }

  compact(name: string, snapshot: Uint8Array): Promise<void> {
    return this.run('compact', () => this.inner.compact(name, snapshot));
  }

  getMeta(name: string): Promise<DocumentMeta | null> {
    return this.run('getMeta', () => this.inner.getMeta(name));
  }

  updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    return this.run('updateMeta', () => this.inner.updateMeta(name, patch));
  }

  list(): Promise<DocumentMeta[]> {
    return this.run('list', () => this.inner.list());
  }

  delete(name: string): Promise<boolean> {
    return this.run('delete', () => this.inner.delete(name));
  }

  wasDeleted(name: string): Promise<boolean> {
    return this.run('wasDeleted', () => this.inner.wasDeleted(name));
  }

  probe(): Promise<void> {
    return this.run('probe', () => this.inner.probe());
  }

  async *exportAll(): AsyncGenerator<ExportItem> {
    const items: ExportItem[] = [];
    await this.run('exportAll', async () => {
      for await (const item of this.inner.exportAll()) {
        // A blob's chunks are read while the export waits: keep them for the replay.
        if (item.kind === 'blob') {
          const chunks: Uint8Array[] = [];
          for await (const chunk of item.chunks) chunks.push(chunk);
          items.push({
            ...item,
            chunks: (async function* () {
              yield* chunks;
            })(),
          });
        } else items.push(item);
      }
    });
    yield* items;
  }

  importDocument(document: ExportedDocument): Promise<void> {
    return this.run('importDocument', () => this.inner.importDocument(document));
  }

  importTombstone(tombstone: Tombstone): Promise<void> {
    return this.run('importTombstone', () => this.inner.importTombstone(tombstone));
  }

  historyHead(name: string): Promise<HistoryHead | null> {
    return this.run('historyHead', () => this.inner.historyHead(name));
  }

  listVersions(name: string): Promise<VersionInfo[] | null> {
    return this.run('listVersions', () => this.inner.listVersions(name));
  }

  loadVersion(name: string, id: number): Promise<Uint8Array[] | null> {
    return this.run('loadVersion', () => this.inner.loadVersion(name, id));
  }

  addVersion(name: string, version: NewVersion): Promise<VersionInfo> {
    return this.run('addVersion', () => this.inner.addVersion(name, version));
  }

  addContributors(name: string, authors: VersionAuthor[]): Promise<void> {
    return this.run('addContributors', () => this.inner.addContributors(name, authors));
  }

  labelVersion(name: string, id: number, label: string | null): Promise<VersionInfo> {
    return this.run('labelVersion', () => this.inner.labelVersion(name, id, label));
  }

  removeVersions(name: string, ids: number[]): Promise<void> {
    return this.run('removeVersions', () => this.inner.removeVersions(name, ids));
  }

  putBlob(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo> {
    return this.run('putBlob', () => this.inner.putBlob(name, blob, chunks));
  }

  getBlob(name: string, hash: string): Promise<StoredBlob | null> {
    return this.run('getBlob', () => this.inner.getBlob(name, hash));
  }

  listBlobs(name: string): Promise<BlobInfo[] | null> {
    return this.run('listBlobs', () => this.inner.listBlobs(name));
  }

  deleteBlobs(name: string, hashes: string[]): Promise<void> {
    return this.run('deleteBlobs', () => this.inner.deleteBlobs(name, hashes));
  }
}
