import type { BatchOperation } from 'leveldown';
import { type BlobInfo, isBlobHash } from './BlobStore';
import { StoreError } from './DocumentStore';
import { blobKey, blobRange, chunkKey, chunkRange, uploadChunkRange, uploadKey, uploadRange } from './keys';
import type { LevelDatabase, SnapshotView } from './LevelDatabase';

/**
 * How LevelDocumentStore keeps blobs (SPEC.md [L27]–[L32]): each `putBlob` call writes its chunks
 * under a random upload id, in synced batches of about `BLOB_BATCH_BYTES`, with a mark naming the
 * call; one last batch writes the blob's description (which names the upload id) and removes the
 * mark. A description is the blob: chunks no description names are never read, and the mark of a
 * call that never finished lets `open` remove what it wrote.
 */

/** Bytes of chunks written per synced batch while a blob is stored. */
export const BLOB_BATCH_BYTES = 1024 * 1024;

/** A blob's description as stored: the public fields, and where its chunks are. */
export interface StoredBlobRecord extends BlobInfo {
  /** The id of the `putBlob` call that wrote the chunks. */
  upload: string;
  /** How many chunks it wrote. */
  chunks: number;
}

/** The batch operation storing a blob's description. */
export function putBlobRecord(name: string, record: StoredBlobRecord): BatchOperation {
  return { type: 'put', key: blobKey(name, record.hash), value: JSON.stringify(record) };
}

/** The keys of `count` chunks of one upload (to delete them). */
export function chunkKeys(name: string, upload: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => chunkKey(name, upload, index));
}

/** The blob descriptions of document `name` as of `view`, in hash order. */
export async function readBlobRecords(view: SnapshotView, name: string): Promise<StoredBlobRecord[]> {
  const range = blobRange(name);
  const records: StoredBlobRecord[] = [];
  for await (const [key, value] of view.range(range.gte, range.lt)) records.push(parseBlobRecord(name, key, value));
  return records;
}

/** The description of blob `hash` as of `view`, or null. */
export async function readBlobRecord(view: SnapshotView, name: string, hash: string): Promise<StoredBlobRecord | null> {
  const key = blobKey(name, hash);
  const value = await view.get(key);
  return value ? parseBlobRecord(name, key, value) : null;
}

/** The public part of a stored description. */
export function blobInfoOf({ hash, size, type, createdAt }: StoredBlobRecord): BlobInfo {
  return { hash, size, type, createdAt };
}

/**
 * Yields the chunks of blob `record` through `view`, checking that they are all there and add up
 * to its size ([L30]): a blob is never given back shorter than it was stored.
 */
export async function* readBlobChunks(view: SnapshotView, name: string, record: StoredBlobRecord): AsyncGenerator<Uint8Array> {
  const range = uploadChunkRange(name, record.upload);
  let index = 0;
  let bytes = 0;
  for await (const [key, value] of view.range(range.gte, range.lt)) {
    if (key !== chunkKey(name, record.upload, index)) break;
    index += 1;
    bytes += value.byteLength;
    yield value;
  }
  if (index !== record.chunks || bytes !== record.size) {
    throw new StoreError(
      'CORRUPT',
      `blob ${record.hash} of document "${name}" cannot be read back: ${index} chunks of ${bytes} bytes are stored, its description says ${record.chunks} of ${record.size}`,
    );
  }
}

/**
 * Removes what `putBlob` calls that never finished (a crash, a failed write) left behind: their
 * chunks and marks, in one synced batch. Returns how many calls it cleaned up.
 */
export async function sweepUnfinishedPuts(db: LevelDatabase): Promise<number> {
  const marks: Array<[string, string]> = [];
  for await (const [key, value] of db.entries({ gte: uploadRange.gte, lt: uploadRange.lt })) marks.push([key, value.toString()]);
  const operations: BatchOperation[] = [];
  for (const [key, name] of marks) {
    operations.push({ type: 'del', key });
    const range = uploadChunkRange(name, key.slice(uploadRange.gte.length));
    for await (const [chunk] of db.entries({ ...range, values: false })) operations.push({ type: 'del', key: chunk });
  }
  if (operations.length > 0) await db.batch(operations, true);
  return marks.length;
}

/** The batch operation marking an unfinished `putBlob` call (see `sweepUnfinishedPuts`). */
export function putUploadMark(name: string, upload: string): BatchOperation {
  return { type: 'put', key: uploadKey(upload), value: name };
}

function parseBlobRecord(name: string, key: string, value: Buffer): StoredBlobRecord {
  let record: StoredBlobRecord;
  try {
    record = JSON.parse(value.toString()) as StoredBlobRecord;
  } catch {
    throw new StoreError('CORRUPT', `blob description at ${JSON.stringify(key)} is not valid JSON`);
  }
  const whole = (field: unknown) => Number.isSafeInteger(field) && (field as number) >= 0;
  const valid =
    typeof record === 'object' &&
    record !== null &&
    isBlobHash(record.hash) &&
    blobKey(name, record.hash) === key &&
    whole(record.size) &&
    whole(record.createdAt) &&
    whole(record.chunks) &&
    typeof record.type === 'string' &&
    typeof record.upload === 'string' &&
    /^[0-9a-f]{1,64}$/.test(record.upload);
  if (!valid) throw new StoreError('CORRUPT', `blob description at ${JSON.stringify(key)} is not valid (document "${name}")`);
  return record;
}

/** Every blob key of document `name` as of `view`: descriptions, and chunks of every upload (finished or not). */
export async function blobKeysOf(view: SnapshotView, name: string): Promise<string[]> {
  const keys: string[] = [];
  for (const range of [blobRange(name), chunkRange(name)]) {
    for await (const [key] of view.range(range.gte, range.lt)) keys.push(key);
  }
  return keys;
}
