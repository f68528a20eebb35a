import type { BlobInfo } from './BlobStore';
import type { VersionHistory } from './VersionStore';

/**
 * The document store: where Yjs documents live between server runs.
 *
 * A document is a snapshot plus an append-only log of updates written after it.
 * `append` is durable when its promise resolves; `compact` folds the log into a
 * new snapshot atomically. Every failure is a `StoreError`: a store never logs a
 * failed write and pretends it worked. Rules are in `persistence/SPEC.md`.
 */

/** What a store knows about one document without loading its content. */
export interface DocumentMeta {
  /** The document name, as clients address it. */
  name: string;
  /** Milliseconds since the epoch when the document was created. */
  createdAt: number;
  /** Milliseconds since the epoch of the last durable change. */
  updatedAt: number;
  /** The title kept in the document, copied here so lists need not load content. */
  title: string;
  /** Bytes stored for the content: snapshot plus log. */
  size: number;
  /** Number of updates in the log (not yet folded into the snapshot). */
  logCount: number;
  /** Bytes in the log. */
  logBytes: number;
  /** Small string properties owned by features (for example the share links: hashes of their secrets). */
  properties: Record<string, string>;
}

/** A loaded document: the snapshot first, then the log in append order. */
export interface LoadedDocument {
  meta: DocumentMeta;
  /** Yjs updates to apply in order; the first is the snapshot when one exists. */
  updates: Uint8Array[];
}

/** Fields a caller may set when creating a document or changing its metadata. */
export interface MetaPatch {
  title?: string;
  /** Properties to set; a `null` value removes the property. */
  properties?: Record<string, string | null>;
}

/** Why a store operation failed. */
export type StoreErrorCode =
  | 'NOT_OPEN' // the store is closed or was never opened
  | 'LOCKED' // another process holds the data directory
  | 'CORRUPT' // stored data cannot be read back
  | 'READ_FAILED' // an I/O error while reading
  | 'WRITE_FAILED' // an I/O error while writing; nothing of the write is claimed
  | 'NOT_FOUND' // the document does not exist
  | 'EXISTS' // create or import: the document exists already
  | 'INVALID_NAME' // the name is empty, not well-formed Unicode, or contains U+0000
  | 'INVALID_ARGUMENT' // the call asks for something the contract forbids (see its documentation)
  | 'FORMAT' // the data was written by an incompatible layout version, or is not this store's
  | 'FENCED'; // a write of a document whose lease this node does not hold (a newer owner exists; SPEC.md [PG6])

/** The one error type a store throws. `cause` keeps the underlying error. */
export class StoreError extends Error {
  readonly code: StoreErrorCode;

  constructor(code: StoreErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'StoreError';
    this.code = code;
  }
}

/** One document as a store holds it: metadata, snapshot, log and version history, byte for byte. */
export interface ExportedDocument {
  meta: DocumentMeta;
  /** The snapshot (a Yjs update), or null when the document has none. */
  snapshot: Uint8Array | null;
  /** The log, in append order. */
  log: Uint8Array[];
  /** The version history (`emptyHistory()` before the first version), from the same point in time (SPEC.md [L24]). */
  history: VersionHistory;
}

/** The record that a document was deleted (see `wasDeleted`). */
export interface Tombstone {
  name: string;
  /** Milliseconds since the epoch when the document was deleted. */
  deletedAt: number;
}

/**
 * What `exportAll` yields, in this order: one `summary` (counts as of the export's point in
 * time), every document in `list` order, each followed by its blobs (when the store keeps blobs,
 * `BlobStore.ts`), then every tombstone in name order. A blob's chunks must be read before the
 * next item is asked for.
 */
export type ExportItem =
  | { kind: 'summary'; documents: number; tombstones: number }
  | { kind: 'document'; document: ExportedDocument }
  | { kind: 'blob'; name: string; blob: BlobInfo; chunks: AsyncIterable<Uint8Array> }
  | { kind: 'tombstone'; tombstone: Tombstone };

/** Storage for Yjs documents. See `persistence/SPEC.md` for the rules each implementation keeps. */
export interface DocumentStore {
  /** Opens the store; fails with `LOCKED`, `CORRUPT` or `FORMAT` instead of starting empty. */
  open(): Promise<void>;
  /** Waits for every queued write, then closes. */
  close(): Promise<void>;
  /** Loads a document, or returns null when it does not exist. */
  load(name: string): Promise<LoadedDocument | null>;
  /** Creates a document, optionally with initial content; fails with `EXISTS`. */
  create(name: string, init?: { update?: Uint8Array } & MetaPatch): Promise<DocumentMeta>;
  /** Appends one update to the log of an existing document; durable once resolved. */
  append(name: string, update: Uint8Array, patch?: MetaPatch): Promise<void>;
  /**
   * Replaces the snapshot with `snapshot` and deletes the log entries appended before this call,
   * in one atomic write. `snapshot` must contain every update appended before the call.
   */
  compact(name: string, snapshot: Uint8Array): Promise<void>;
  /** Metadata of one document, or null. */
  getMeta(name: string): Promise<DocumentMeta | null>;
  /** Changes metadata of an existing document. */
  updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta>;
  /** Metadata of every document, ordered by name. */
  list(): Promise<DocumentMeta[]>;
  /** Deletes a document and everything stored for it; true when it existed. */
  delete(name: string): Promise<boolean>;
  /** True when `name` was deleted and has not been created again. */
  wasDeleted(name: string): Promise<boolean>;
  /** Writes and reads back a marker with a synced write: proves the store is usable. */
  probe(): Promise<void>;
  /**
   * Every document and tombstone as of one point in time (writes made while it runs are not
   * seen). Holds one document at a time in memory. Stop early with the generator's `return`.
   */
  exportAll(): AsyncGenerator<ExportItem>;
  /**
   * Stores an exported document as it was, byte for byte, with its history, in one atomic write;
   * fails with `EXISTS`, or `INVALID_ARGUMENT` for a history that could not be read back.
   */
  importDocument(document: ExportedDocument): Promise<void>;
  /** Stores an exported tombstone; fails with `EXISTS` when the document exists. */
  importTombstone(tombstone: Tombstone): Promise<void>;
}

// With the `u` flag a surrogate pair is one code point, so only unpaired halves match.
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Why `name` cannot be stored, or null when it can (see SPEC.md [L13]). */
export function storeNameProblem(name: string): string | null {
  if (typeof name !== 'string' || name.length === 0) return 'a document name must be a non-empty string';
  if (name.includes('\u0000')) return `document name ${JSON.stringify(name)} contains U+0000, which the key layout reserves as a separator`;
  if (LONE_SURROGATE.test(name)) return `document name ${JSON.stringify(name)} contains a lone surrogate; names must be well-formed Unicode`;
  return null;
}

/** Throws `INVALID_NAME` when `name` cannot be stored. */
export function assertStorableName(name: string): void {
  const problem = storeNameProblem(name);
  if (problem) throw new StoreError('INVALID_NAME', problem);
}

/** Orders names as LevelDB orders keys: by their UTF-8 bytes, which is Unicode code point order. */
export function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** A new metadata record for a document created now. */
export function newMeta(name: string, now: number, patch: MetaPatch = {}): DocumentMeta {
  const meta: DocumentMeta = {
    name,
    createdAt: now,
    updatedAt: now,
    title: '',
    size: 0,
    logCount: 0,
    logBytes: 0,
    properties: {},
  };
  return applyPatch(meta, patch);
}

/** Returns `meta` with `patch` applied (a new object; `meta` is not changed). */
export function applyPatch(meta: DocumentMeta, patch: MetaPatch): DocumentMeta {
  const next: DocumentMeta = { ...meta, properties: { ...meta.properties } };
  if (patch.title !== undefined) next.title = patch.title;
  for (const [key, value] of Object.entries(patch.properties ?? {})) {
    if (value === null) delete next.properties[key];
    else next.properties[key] = value;
  }
  return next;
}
