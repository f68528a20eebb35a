import { createHash, type Hash } from 'node:crypto';
import { StoreError } from './DocumentStore';

/**
 * Blob storage: files (images) that belong to a document, kept in the same store as it.
 *
 * A blob is addressed by the SHA-256 of its bytes, per document: the same bytes stored twice in
 * one document are stored once. Bytes travel as chunks in both directions, so no call holds a
 * whole blob in memory. A blob goes with its document: deleting the document deletes its blobs in
 * the same atomic write. The store never looks inside a blob; which blobs a document still uses
 * is the server's to decide (`deleteBlobs`). Rules are in `persistence/SPEC.md` ([L27]–[L32]).
 */

/** What a store knows about one blob. */
export interface BlobInfo {
  /** SHA-256 of the bytes, 64 lower-case hex digits: the blob's address within its document. */
  hash: string;
  /** Bytes. */
  size: number;
  /** The media type the caller gave when storing it (`image/png`, say). */
  type: string;
  /** Milliseconds since the epoch when these bytes were first stored in this document. */
  createdAt: number;
}

/** A stored blob: its description, and its bytes as chunks (read only when iterated). */
export interface StoredBlob {
  info: BlobInfo;
  chunks: AsyncIterable<Uint8Array>;
}

/** What to store with a blob's bytes. */
export interface NewBlob {
  /** The media type (`type/subtype`, lower case, at most 100 characters). */
  type: string;
  /** When it was first stored (a restore keeps the original time); default now. */
  createdAt?: number;
}

/** Blobs of the documents in a `DocumentStore`; failures are `StoreError`s. */
export interface BlobStore {
  /**
   * Stores the bytes `chunks` yields as a blob of document `name`, durable when resolved, and
   * returns its description; bytes the document holds already return the stored blob unchanged.
   * Fails with `NOT_FOUND` when the document does not exist (or is deleted meanwhile), leaving
   * nothing stored; an error thrown by `chunks` fails the call the same way, and is its cause.
   */
  putBlob(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo>;
  /** The blob `hash` of document `name`, or null. Its chunks are read when iterated; break off early to stop reading. */
  getBlob(name: string, hash: string): Promise<StoredBlob | null>;
  /** Every blob of the document, by hash; null when the document does not exist. */
  listBlobs(name: string): Promise<BlobInfo[] | null>;
  /** Deletes the listed blobs of a document, in one atomic write; hashes it does not hold are ignored. */
  deleteBlobs(name: string, hashes: string[]): Promise<void>;
}

/** Bytes per stored chunk: what a blob read holds in memory at a time. */
export const BLOB_CHUNK_BYTES = 256 * 1024;

const HASH = /^[0-9a-f]{64}$/;
const MEDIA_TYPE = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** True when `hash` is a blob address: 64 lower-case hex digits. */
export function isBlobHash(hash: unknown): hash is string {
  return typeof hash === 'string' && HASH.test(hash);
}

/** Throws `INVALID_ARGUMENT` unless `type` is a media type a blob may carry. */
export function assertBlobType(type: unknown): asserts type is string {
  if (typeof type !== 'string' || type.length > 100 || !MEDIA_TYPE.test(type)) {
    throw new StoreError('INVALID_ARGUMENT', `a blob's type must be a lower-case media type like "image/png" (got ${JSON.stringify(type)})`);
  }
}

/**
 * Cuts a stream of chunks of any size into chunks of exactly `size` bytes (the last one shorter),
 * hashing and counting them on the way; `digest` is ready once the stream has ended.
 */
export class BlobChunker {
  private readonly hash: Hash = createHash('sha256');
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  /** Bytes seen so far. */
  size = 0;

  constructor(private readonly chunkBytes = BLOB_CHUNK_BYTES) {}

  /** The chunks `input` completes. */
  push(input: Uint8Array): Buffer[] {
    const bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
    this.hash.update(bytes);
    this.size += bytes.byteLength;
    this.pending.push(bytes);
    this.pendingBytes += bytes.byteLength;
    const out: Buffer[] = [];
    if (this.pendingBytes < this.chunkBytes) return out;
    let all = Buffer.concat(this.pending);
    while (all.byteLength >= this.chunkBytes) {
      // A copy, so a kept chunk never pins a larger buffer it was cut from.
      out.push(Buffer.from(all.subarray(0, this.chunkBytes)));
      all = all.subarray(this.chunkBytes);
    }
    this.pending = all.byteLength > 0 ? [Buffer.from(all)] : [];
    this.pendingBytes = all.byteLength;
    return out;
  }

  /** The last, shorter chunk (none when the bytes ended on a chunk boundary), and the SHA-256 in hex. */
  finish(): { last: Buffer | null; hash: string } {
    const last = this.pendingBytes > 0 ? Buffer.concat(this.pending) : null;
    this.pending = [];
    this.pendingBytes = 0;
    return { last, hash: this.hash.digest('hex') };
  }
}
