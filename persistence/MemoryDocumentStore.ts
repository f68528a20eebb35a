import { applyPatch, type DocumentMeta, type DocumentStore, type LoadedDocument, type MetaPatch, newMeta, StoreError } from './DocumentStore';

interface MemoryDocument {
  meta: DocumentMeta;
  snapshot: Uint8Array | null;
  log: Uint8Array[];
}

/**
 * A document store held in memory: the second implementation the contract suite runs against,
 * and a store for tests that do not need a disk. Nothing survives the process.
 */
export class MemoryDocumentStore implements DocumentStore {
  private readonly documents = new Map<string, MemoryDocument>();
  private readonly tombstones = new Set<string>();
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
    const updates = document.snapshot ? [document.snapshot, ...document.log] : [...document.log];
    return { meta: copy(document.meta), updates };
  }

  async create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    if (this.get(name)) throw new StoreError('EXISTS', `document "${name}" exists already`);
    const { update, ...patch } = init;
    const meta = { ...newMeta(name, this.now(), patch), size: update?.byteLength ?? 0 };
    this.tombstones.delete(name);
    this.documents.set(name, { meta, snapshot: update ? update.slice() : null, log: [] });
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
    return [...this.documents.keys()].sort().map((name) => copy(this.require(name).meta));
  }

  async delete(name: string): Promise<boolean> {
    if (!this.get(name)) return false;
    this.documents.delete(name);
    this.tombstones.add(name);
    return true;
  }

  async wasDeleted(name: string): Promise<boolean> {
    this.assertOpen();
    return this.tombstones.has(name);
  }

  async probe(): Promise<void> {
    this.assertOpen();
  }

  private get(name: string): MemoryDocument | undefined {
    this.assertOpen();
    return this.documents.get(name);
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

function copy(meta: DocumentMeta): DocumentMeta {
  return { ...meta, properties: { ...meta.properties } };
}
