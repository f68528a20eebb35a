import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BLOB_CHUNK_BYTES, type BlobStore } from '../BlobStore';
import type { DocumentStore, ExportItem } from '../DocumentStore';
import { chunkKey, layoutRange, uploadKey } from '../keys';
import { LevelDatabase } from '../LevelDatabase';
import { LevelDocumentStore } from '../LevelDocumentStore';
import { BLOB_BATCH_BYTES } from '../levelBlobs';
import { outcome, type StoreImplementation, steppingClock, storeImplementations } from './storeFixtures';

type Store = DocumentStore & BlobStore;

/** `bytes` as a stream of chunks of `size` bytes (a network delivers them in pieces of any size). */
async function* pieces(bytes: Uint8Array, size = 7919): AsyncGenerator<Uint8Array> {
  for (let offset = 0; offset < bytes.byteLength; offset += size) yield bytes.subarray(offset, offset + size);
}

/** All the chunks of `chunks`, joined, and the largest chunk's size. */
async function drain(chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<{ bytes: Buffer; largest: number }> {
  const parts: Buffer[] = [];
  let largest = 0;
  for await (const chunk of chunks) {
    parts.push(Buffer.from(chunk));
    largest = Math.max(largest, chunk.byteLength);
  }
  return { bytes: Buffer.concat(parts), largest };
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/**
 * The blob rules of the store contract (persistence/SPEC.md [L27]–[L32]), run against every
 * implementation; the LevelDB-only ones (what is on disk after a crash, batch sizes) follow.
 */
describe.each(storeImplementations())('$name blobs', (implementation: StoreImplementation) => {
  let store: Store;

  beforeEach(async () => {
    store = (await implementation.make(steppingClock())) as Store;
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await implementation.cleanup();
  });

  it('[L27] a blob is stored under the SHA-256 of its bytes, read back in chunks, and listed', async () => {
    await store.create('doc');
    const bytes = randomBytes(BLOB_CHUNK_BYTES * 2 + 1234);
    const info = await store.putBlob('doc', { type: 'image/png' }, pieces(bytes));
    expect(info).toEqual({ hash: sha256(bytes), size: bytes.byteLength, type: 'image/png', createdAt: expect.any(Number) });
    const stored = await store.getBlob('doc', info.hash);
    expect(stored?.info).toEqual(info);
    const read = await drain(stored?.chunks ?? []);
    expect(read.bytes.equals(bytes)).toBe(true);
    expect(read.largest).toBeLessThanOrEqual(BLOB_CHUNK_BYTES);
    expect(await store.listBlobs('doc')).toEqual([info]);

    const empty = await store.putBlob('doc', { type: 'image/gif' }, pieces(new Uint8Array(0)));
    expect(empty).toMatchObject({ hash: sha256(new Uint8Array(0)), size: 0 });
    expect((await drain((await store.getBlob('doc', empty.hash))?.chunks ?? [])).bytes.byteLength).toBe(0);
    expect((await store.listBlobs('doc'))?.map((blob) => blob.hash).sort()).toEqual([info.hash, empty.hash].sort());
  });

  it('[L27] the same bytes are stored once per document; another document has its own copy', async () => {
    await store.create('a');
    await store.create('b');
    const bytes = randomBytes(5000);
    const first = await store.putBlob('a', { type: 'image/png' }, pieces(bytes));
    const again = await Promise.all([store.putBlob('a', { type: 'image/jpeg' }, pieces(bytes)), store.putBlob('a', { type: 'image/png' }, pieces(bytes, 10))]);
    expect(again).toEqual([first, first]);
    expect(await store.listBlobs('a')).toEqual([first]);
    const other = await store.putBlob('b', { type: 'image/png' }, pieces(bytes));
    expect(other.hash).toBe(first.hash);
    await store.deleteBlobs('a', [first.hash]);
    expect(await store.getBlob('a', first.hash)).toBeNull();
    expect((await drain((await store.getBlob('b', first.hash))?.chunks ?? [])).bytes.equals(bytes)).toBe(true);
  });

  it('[L27] a blob belongs to an existing document, has a media type, and a failing stream stores nothing', async () => {
    expect(await outcome(() => store.putBlob('missing', { type: 'image/png' }, pieces(Buffer.from('x'))))).toEqual({ error: 'NOT_FOUND' });
    await store.create('doc');
    for (const type of ['', 'png', 'IMAGE/PNG', 'image/png; charset=x', `image/${'x'.repeat(100)}`]) {
      expect(await outcome(() => store.putBlob('doc', { type }, pieces(Buffer.from('x')))), type).toEqual({ error: 'INVALID_ARGUMENT' });
    }
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(BLOB_BATCH_BYTES * 2);
      throw new Error('the client went away');
    }
    await expect(store.putBlob('doc', { type: 'image/png' }, failing())).rejects.toThrow('the client went away');
    expect(await store.listBlobs('doc')).toEqual([]);
    expect(await store.listBlobs('missing')).toBeNull();
  });

  it('[L28] reads: null for a hash the document does not hold; chunks read after the blob was deleted fail with NOT_FOUND', async () => {
    await store.create('doc');
    const info = await store.putBlob('doc', { type: 'image/png' }, pieces(randomBytes(100)));
    expect(await store.getBlob('doc', '0'.repeat(64))).toBeNull();
    expect(await store.getBlob('doc', 'not-a-hash')).toBeNull();
    expect(await store.getBlob('missing', info.hash)).toBeNull();
    const stored = await store.getBlob('doc', info.hash);
    await store.deleteBlobs('doc', [info.hash]);
    expect(await outcome(() => drain(stored?.chunks ?? []))).toEqual({ error: 'NOT_FOUND' });
  });

  it('[L29] deleting a document deletes its blobs; a name created again has none', async () => {
    await store.create('doc');
    const info = await store.putBlob('doc', { type: 'image/png' }, pieces(randomBytes(3000)));
    await store.delete('doc');
    expect(await store.listBlobs('doc')).toBeNull();
    expect(await store.getBlob('doc', info.hash)).toBeNull();
    await store.create('doc');
    expect(await store.listBlobs('doc')).toEqual([]);
    expect(await store.getBlob('doc', info.hash)).toBeNull();
  });

  it('[L29] a blob whose document is deleted while its bytes arrive fails with NOT_FOUND, also when the name is created again', async () => {
    for (const recreate of [false, true]) {
      await store.create('doc');
      let release!: () => void;
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      async function* slow(): AsyncGenerator<Uint8Array> {
        yield randomBytes(BLOB_BATCH_BYTES + 10);
        await held;
        yield randomBytes(10);
      }
      const putting = outcome(() => store.putBlob('doc', { type: 'image/png' }, slow()));
      await new Promise((resolve) => setTimeout(resolve, 20));
      await store.delete('doc');
      if (recreate) await store.create('doc');
      release();
      expect(await putting).toEqual({ error: 'NOT_FOUND' });
      expect(await store.listBlobs('doc')).toEqual(recreate ? [] : null);
      if (recreate) await store.delete('doc');
    }
  });

  it('[L30] deleteBlobs removes the listed blobs at once and keeps the others; unknown hashes are ignored', async () => {
    await store.create('doc');
    const kept = await store.putBlob('doc', { type: 'image/png' }, pieces(randomBytes(700)));
    const gone = await Promise.all([1, 2].map(() => store.putBlob('doc', { type: 'image/webp' }, pieces(randomBytes(BLOB_CHUNK_BYTES + 5)))));
    await store.deleteBlobs('doc', [...gone.map((blob) => blob.hash), 'f'.repeat(64), 'nonsense']);
    expect(await store.listBlobs('doc')).toEqual([kept]);
    expect(await outcome(() => store.deleteBlobs('missing', [kept.hash]))).toEqual({ error: 'NOT_FOUND' });
  });

  it('[L32] an export gives each document its blobs, from its point in time; putBlob with createdAt restores them', async () => {
    await store.create('a');
    await store.create('b');
    const bytes = randomBytes(BLOB_CHUNK_BYTES + 99);
    const info = await store.putBlob('b', { type: 'image/jpeg' }, pieces(bytes));
    const exported: Array<ExportItem | { kind: 'blob-bytes'; bytes: Buffer }> = [];
    for await (const item of store.exportAll()) {
      exported.push(item);
      // Deleted once the export is under way: it is still in it, whole.
      if (item.kind === 'summary') await store.deleteBlobs('b', [info.hash]);
      if (item.kind === 'blob') exported.push({ kind: 'blob-bytes', bytes: (await drain(item.chunks)).bytes });
    }
    expect(exported.map((item) => item.kind)).toEqual(['summary', 'document', 'document', 'blob', 'blob-bytes']);
    const blob = exported[3] as Extract<ExportItem, { kind: 'blob' }>;
    expect([blob.name, blob.blob]).toEqual(['b', info]);
    expect((exported[4] as { bytes: Buffer }).bytes.equals(bytes)).toBe(true);

    const target = (await implementation.make(steppingClock(0))) as Store;
    await target.open();
    try {
      await target.create('b');
      expect(await target.putBlob('b', { type: blob.blob.type, createdAt: blob.blob.createdAt }, pieces(bytes))).toEqual(info);
      expect(await target.listBlobs('b')).toEqual([info]);
    } finally {
      await target.close();
    }
  });
});

describe('LevelDocumentStore blobs on disk', () => {
  let folder: string;

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'store-blobs-'));
  });

  afterEach(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  /** Every key in the folder's LevelDB (the store closed). */
  async function keysOnDisk(): Promise<string[]> {
    const db = new LevelDatabase(folder);
    await db.open();
    const keys: string[] = [];
    for await (const [key] of db.entries({ ...layoutRange, values: false })) keys.push(key);
    await db.close();
    return keys;
  }

  const blobKeys = (keys: string[]) => keys.filter((key) => ['b', 'k', 'u'].some((space) => key.startsWith(`v1\u0000${space}\u0000`)));

  it('[L27] bytes reach the disk in synced batches of about a megabyte, durable when resolved', async () => {
    const batches: number[] = [];
    const store = new LevelDocumentStore({ location: folder, onBatch: (report) => batches.push(report.bytes) });
    await store.open();
    await store.create('doc');
    const bytes = randomBytes(8 * 1024 * 1024 + 3);
    const info = await store.putBlob('doc', { type: 'image/png' }, pieces(bytes, 64 * 1024));
    expect(Math.max(...batches)).toBeLessThan(BLOB_BATCH_BYTES + BLOB_CHUNK_BYTES + 4096);
    expect(batches.filter((size) => size > BLOB_CHUNK_BYTES).length).toBeGreaterThanOrEqual(7);
    await store.close();

    const reopened = new LevelDocumentStore({ location: folder });
    await reopened.open();
    expect((await drain((await reopened.getBlob('doc', info.hash))?.chunks ?? [])).bytes.equals(bytes)).toBe(true);
    await reopened.close();
  });

  it('[L29] deleting a document leaves no blob key behind, nor do failed or duplicate puts', async () => {
    const store = new LevelDocumentStore({ location: folder });
    await store.open();
    await store.create('doc');
    const bytes = randomBytes(BLOB_BATCH_BYTES * 2);
    await store.putBlob('doc', { type: 'image/png' }, pieces(bytes));
    await store.putBlob('doc', { type: 'image/png' }, pieces(bytes));
    async function* failing(): AsyncGenerator<Uint8Array> {
      yield randomBytes(BLOB_BATCH_BYTES * 2);
      throw new Error('cut');
    }
    await expect(store.putBlob('doc', { type: 'image/png' }, failing())).rejects.toThrow('cut');
    await store.close();
    // One description and the chunks of one copy.
    expect(blobKeys(await keysOnDisk())).toHaveLength(1 + bytes.byteLength / BLOB_CHUNK_BYTES);

    await store.open();
    await store.delete('doc');
    await store.close();
    expect(blobKeys(await keysOnDisk())).toEqual([]);
  });

  it('[L31] what a blob write cut short by a crash left is removed when the store opens; finished blobs stay', async () => {
    const store = new LevelDocumentStore({ location: folder });
    await store.open();
    await store.create('doc');
    const kept = await store.putBlob('doc', { type: 'image/png' }, pieces(randomBytes(1000)));
    await store.close();
    // What a process killed in the middle of `putBlob` leaves: its mark and some chunks.
    const db = new LevelDatabase(folder);
    await db.open();
    await db.batch(
      [
        { type: 'put', key: uploadKey('abc123'), value: 'doc' },
        { type: 'put', key: chunkKey('doc', 'abc123', 0), value: randomBytes(100) },
        { type: 'put', key: chunkKey('doc', 'abc123', 1), value: randomBytes(100) },
      ],
      true,
    );
    await db.close();
    expect(blobKeys(await keysOnDisk())).toHaveLength(5);

    await store.open();
    expect(await store.listBlobs('doc')).toEqual([kept]);
    await store.close();
    expect(blobKeys(await keysOnDisk())).toHaveLength(2);
  });
});
