import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/waitFor';
import { BLOB_CHUNK_BYTES } from '../BlobStore';
import { PostgresDocumentStore, type PostgresDocumentStoreOptions } from '../postgres/PostgresDocumentStore';
import { PG_BLOB_BATCH_BYTES } from '../postgres/postgresBlobs';
import { outcome, postgresSchemas, query } from './storeFixtures';

/**
 * How the PostgreSQL store keeps blobs (persistence/SPEC.md [L27]–[L31] and [PG11]): what the
 * tables hold while an upload is under way and after it, uploads cancelled by another node's
 * deletion, abandoned uploads swept, and fenced blob deletion. The store-independent blob rules
 * run against it in `blobs.test.ts`.
 */

const schemas = postgresSchemas();
const stores: PostgresDocumentStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => undefined);
  await schemas.dropAll();
});

function storeOn(url: string, options: Partial<PostgresDocumentStoreOptions> = {}): PostgresDocumentStore {
  const store = new PostgresDocumentStore({ url, ...options });
  stores.push(store);
  return store;
}

/** Counts of the blob tables' rows. */
async function blobRows(url: string): Promise<{ blobs: number; chunks: number; uploads: number }> {
  const [row] = await query<{ blobs: number; chunks: number; uploads: number }>(
    url,
    `SELECT (SELECT count(*)::int FROM quire_blobs) AS blobs, (SELECT count(*)::int FROM quire_blob_chunks) AS chunks,
            (SELECT count(*)::int FROM quire_blob_uploads) AS uploads`,
  );
  return row;
}

/** A stream that yields `first`, then waits until `release` is called, then yields `rest`. */
function heldStream(first: Uint8Array, rest: Uint8Array): { chunks: AsyncGenerator<Uint8Array>; release: () => void } {
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  async function* chunks(): AsyncGenerator<Uint8Array> {
    yield first;
    await held;
    yield rest;
  }
  return { chunks: chunks(), release };
}

describe('PostgreSQL blobs', () => {
  it('[L27][L31] bytes are committed about a megabyte at a time as they arrive, invisible until the last transaction describes them', async () => {
    const url = await schemas.create();
    const store = storeOn(url);
    await store.open();
    await store.create('doc');
    const first = randomBytes(3 * PG_BLOB_BATCH_BYTES + 100);
    const rest = randomBytes(100);
    const { chunks, release } = heldStream(first, rest);
    const putting = store.putBlob('doc', { type: 'image/png' }, chunks);
    // Three megabytes arrived: their chunks are committed, under a mark, and no blob is visible.
    const whole = (3 * PG_BLOB_BATCH_BYTES) / BLOB_CHUNK_BYTES;
    await waitFor(async () => (await blobRows(url)).chunks === whole, { message: `${whole} chunks committed while the stream is held` });
    expect(await blobRows(url)).toEqual({ blobs: 0, chunks: whole, uploads: 1 });
    expect(await store.listBlobs('doc')).toEqual([]);
    release();
    const info = await putting;
    expect(info.size).toBe(first.byteLength + 100);
    expect(await blobRows(url)).toEqual({ blobs: 1, chunks: whole + 1, uploads: 0 });
    // The same bytes again: stored once, the second copy's chunks removed.
    expect(await store.putBlob('doc', { type: 'image/jpeg' }, [first, rest])).toEqual(info);
    expect(await blobRows(url)).toEqual({ blobs: 1, chunks: whole + 1, uploads: 0 });
    await store.delete('doc');
    expect(await blobRows(url)).toEqual({ blobs: 0, chunks: 0, uploads: 0 });
  });

  it('[L29] a deletion on another node cancels an upload under way: NOT_FOUND, and nothing of it stays', async () => {
    const url = await schemas.create();
    const uploader = storeOn(url);
    const other = storeOn(url);
    await uploader.open();
    await other.open();
    await uploader.create('doc');
    const { chunks, release } = heldStream(randomBytes(PG_BLOB_BATCH_BYTES + 10), randomBytes(10));
    const putting = outcome(() => uploader.putBlob('doc', { type: 'image/png' }, chunks));
    await waitFor(async () => (await blobRows(url)).chunks > 0, { message: 'the first chunks committed' });
    expect(await other.delete('doc')).toBe(true);
    await other.create('doc');
    release();
    expect(await putting).toEqual({ error: 'NOT_FOUND' });
    expect(await blobRows(url)).toEqual({ blobs: 0, chunks: 0, uploads: 0 });
    expect(await other.listBlobs('doc')).toEqual([]);
  });

  it('[L31] open removes what uploads abandoned by a process that died left behind, and keeps uploads under way', async () => {
    const url = await schemas.create();
    const store = storeOn(url);
    await store.open();
    await store.create('doc');
    const kept = await store.putBlob('doc', { type: 'image/png' }, [randomBytes(1000)]);
    // What a process killed in the middle of `putBlob` leaves: its mark and some chunks; one old, one recent.
    for (const [upload, age] of [
      ['dead', '2 hours'],
      ['alive', '1 second'],
    ]) {
      await query(url, `INSERT INTO quire_blob_uploads (upload, name, touched_at) VALUES ($1, 'doc', now() - $2::interval)`, [upload, age]);
      await query(url, `INSERT INTO quire_blob_chunks (name, upload, seq, data) VALUES ('doc', $1, 0, $2), ('doc', $1, 1, $2)`, [upload, randomBytes(10)]);
    }
    expect(await blobRows(url)).toEqual({ blobs: 1, chunks: 5, uploads: 2 });
    await storeOn(url, { abandonedUploadMs: 60 * 60_000 }).open();
    expect(await blobRows(url)).toEqual({ blobs: 1, chunks: 3, uploads: 1 });
    expect(await query(url, 'SELECT upload FROM quire_blob_uploads')).toEqual([{ upload: 'alive' }]);
    expect(await store.listBlobs('doc')).toEqual([kept]);
  });

  it('[L28] readers that stop half-way through a blob hold only connections of their own: writes and other reads go on', async () => {
    const url = await schemas.create();
    const store = storeOn(url, { blobReadConnections: 2, poolSize: 2 });
    await store.open();
    await store.create('doc');
    const bytes = randomBytes(3 * BLOB_CHUNK_BYTES);
    const info = await store.putBlob('doc', { type: 'image/png' }, [bytes]);
    // More stalled downloads than the store has connections of its own: each read one chunk and stopped.
    const stalled: AsyncIterator<Uint8Array>[] = [];
    for (let index = 0; index < 2; index++) {
      const stored = await store.getBlob('doc', info.hash);
      if (!stored) throw new Error('the blob was just stored');
      const chunks = stored.chunks[Symbol.asyncIterator]();
      expect((await chunks.next()).value?.byteLength).toBe(BLOB_CHUNK_BYTES);
      stalled.push(chunks);
    }
    for (let index = 0; index < 3; index++) await store.append('doc', Uint8Array.of(index));
    expect(await store.getBlob('doc', info.hash)).toMatchObject({ info });
    expect(await store.listBlobs('doc')).toEqual([info]);
    expect((await store.load('doc'))?.updates).toHaveLength(3);
    // The stalled ones still read the rest of their blob.
    for (const chunks of stalled) {
      let rest = 0;
      for (let next = await chunks.next(); !next.done; next = await chunks.next()) rest += next.value.byteLength;
      expect(rest).toBe(2 * BLOB_CHUNK_BYTES);
    }
  });

  it('[L30] a blob whose chunks do not add up to its description is CORRUPT when read', async () => {
    const url = await schemas.create();
    const store = storeOn(url);
    await store.open();
    await store.create('doc');
    const info = await store.putBlob('doc', { type: 'image/png' }, [randomBytes(BLOB_CHUNK_BYTES + 5)]);
    await query(url, 'DELETE FROM quire_blob_chunks WHERE seq = 1');
    const read = async () => {
      for await (const _ of (await store.getBlob('doc', info.hash))?.chunks ?? []);
    };
    expect(await outcome(read)).toEqual({ error: 'CORRUPT' });
  });

  it('[PG11] deleteBlobs is fenced: refused to a node whose lease moved on, and to one holding none while another serves the document; putBlob is not', async () => {
    const url = await schemas.create();
    const held = { epoch: 1 as number | null };
    const store = storeOn(url, { fence: () => held.epoch });
    await store.open();
    await query(url, "INSERT INTO quire_leases (name, owner, address, epoch, expires_at) VALUES ('doc', 'node-a', 'http://a', 1, now() + interval '1 hour')");
    await store.create('doc');
    const first = await store.putBlob('doc', { type: 'image/png' }, [randomBytes(50)]);
    // Another node took the document over (and its content may show the image again).
    await query(url, "UPDATE quire_leases SET owner = 'node-b', epoch = 2 WHERE name = 'doc'");
    expect(await outcome(() => store.deleteBlobs('doc', [first.hash]))).toEqual({ error: 'FENCED' });
    const second = await store.putBlob('doc', { type: 'image/png' }, [randomBytes(60)]);
    held.epoch = null;
    expect(await outcome(() => store.deleteBlobs('doc', [first.hash]))).toEqual({ error: 'FENCED' });
    expect((await store.listBlobs('doc'))?.map((blob) => blob.hash).sort()).toEqual([first.hash, second.hash].sort());
    // Nobody serves it any more: its stored state is all of it, and any node may collect.
    await query(url, "UPDATE quire_leases SET expires_at = '-infinity' WHERE name = 'doc'");
    await store.deleteBlobs('doc', [first.hash]);
    expect(await store.listBlobs('doc')).toEqual([second]);
  });
});
