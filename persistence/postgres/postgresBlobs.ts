import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { assertBlobType, BlobChunker, type BlobInfo, isBlobHash, type NewBlob, type StoredBlob } from '../BlobStore';
import { StoreError } from '../DocumentStore';

/** Queues a write for the store's next batch (see `PostgresDocumentStore.write`). */
type Write = <T>(name: string, work: (client: pg.ClientBase) => Promise<T>) => Promise<T>;

/** Bytes of chunks committed per transaction while a blob is stored ([L27]: about a megabyte in memory). */
export const PG_BLOB_BATCH_BYTES = 1024 * 1024;

/** A row of `quire_blobs`. */
interface BlobRow {
  hash: string;
  size: number;
  type: string;
  created_at: number;
  upload: string;
  chunks: number;
}

/** What the blob code needs of its store. */
export interface PostgresBlobsContext {
  write: Write;
  now: () => number;
  /** The store's connections. */
  pool: () => pg.Pool;
  /** Connections for reading blobs' chunks, apart from the store's, so slow downloads never hold up writes. */
  readPool: () => pg.Pool;
  /** Resolves once every write called before now has settled ([L14]). */
  earlierWrites: () => Promise<void>;
  /** This node's lease epoch for `name` ([PG11]): null when it holds none, undefined when writes are not fenced. */
  leaseEpoch: (name: string) => number | null | undefined;
  /** Throws `NOT_OPEN` unless the store is open. */
  assertOpen: () => void;
}

/**
 * Blobs in PostgreSQL (SPEC.md [L27]–[L32], [PG11]): descriptions in `quire_blobs`, bytes in
 * `quire_blob_chunks`, both tied to the document row (`ON DELETE CASCADE`), so a deletion takes
 * them in its transaction. Each `putBlob` call commits its chunks about a megabyte at a time under
 * an upload id whose mark (`quire_blob_uploads`) is tied to the document row too: a deletion of
 * the document removes the mark, and the call's last transaction, which turns the mark into the
 * description, finds it gone and writes nothing (`NOT_FOUND`), on whichever node it runs.
 *
 * Every statement here locks the document row (`FOR KEY SHARE`) before any blob row, and the
 * lease row before the document row, in the order every other write of the store takes them.
 */
export class PostgresBlobs {
  constructor(private readonly context: PostgresBlobsContext) {}

  async put(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo> {
    assertBlobType(blob.type);
    const createdAt = blob.createdAt ?? this.context.now();
    if (!Number.isSafeInteger(createdAt) || createdAt < 0)
      throw new StoreError('INVALID_ARGUMENT', `a blob's createdAt must be a time in ms (got ${createdAt})`);
    const { write } = this.context;
    const upload = randomBytes(12).toString('hex');
    // [L31] The mark first, before a byte is read: a document that does not exist fails here.
    await write(name, async (client) => {
      await lockDocument(client, name);
      await client.query({
        name: 'quire-blob-mark',
        text: 'INSERT INTO quire_blob_uploads (upload, name, touched_at) VALUES ($1, $2, clock_timestamp())',
        values: [upload, name],
      });
    });
    const chunker = new BlobChunker();
    let written = 0;
    let batch: Buffer[] = [];
    let batchBytes = 0;
    const flush = async () => {
      const rows = batch;
      const first = written - rows.length;
      batch = [];
      batchBytes = 0;
      this.context.assertOpen();
      await write(name, async (client) => {
        await lockDocument(client, name);
        await touchMark(client, name, upload);
        for (const [offset, data] of rows.entries()) {
          await client.query({
            name: 'quire-blob-chunk',
            text: 'INSERT INTO quire_blob_chunks (name, upload, seq, data) VALUES ($1, $2, $3, $4)',
            values: [name, upload, first + offset, data],
          });
        }
      });
    };
    const add = async (chunk: Buffer) => {
      batch.push(chunk);
      written += 1;
      batchBytes += chunk.byteLength;
      // [L27] Bytes reach the database as they come, a megabyte per transaction, never all at once.
      if (batchBytes >= PG_BLOB_BATCH_BYTES) await flush();
    };
    try {
      for await (const input of chunks) for (const chunk of chunker.push(input)) await add(chunk);
      const { last, hash } = chunker.finish();
      if (last) await add(last);
      if (batch.length > 0) await flush();
      return await write(name, async (client) => {
        await lockDocument(client, name);
        // [L29] The mark is gone when the document was deleted meanwhile (even if created again).
        const marked = await client.query({
          name: 'quire-blob-unmark',
          text: 'DELETE FROM quire_blob_uploads WHERE upload = $1 AND name = $2',
          values: [upload, name],
        });
        if (marked.rowCount === 0) throw deletedDuringPut(name);
        const inserted = await client.query<BlobRow>({
          name: 'quire-blob-describe',
          text: `INSERT INTO quire_blobs (name, hash, size, type, created_at, upload, chunks) VALUES ($1, $2, $3, $4, $5, $6, $7)
                 ON CONFLICT (name, hash) DO NOTHING RETURNING *`,
          values: [name, hash, chunker.size, blob.type, createdAt, upload, written],
        });
        if (inserted.rows[0]) return infoOf(inserted.rows[0]);
        // [L27] Bytes the document holds already: the stored blob stays, this copy goes.
        const existing = await client.query<BlobRow>('SELECT * FROM quire_blobs WHERE name = $1 AND hash = $2', [name, hash]);
        await client.query('DELETE FROM quire_blob_chunks WHERE name = $1 AND upload = $2', [name, upload]);
        return infoOf(existing.rows[0]);
      });
    } catch (error) {
      // Nothing of a failed call stays; if even this fails, `sweep` removes it once it is stale.
      try {
        this.context.assertOpen();
        await write(name, (client) => removeUpload(client, name, upload));
      } catch {}
      throw error;
    }
  }

  async get(name: string, hash: string): Promise<StoredBlob | null> {
    if (!isBlobHash(hash)) return null;
    await this.context.earlierWrites();
    const found = await read(() => this.context.pool().query<BlobRow>('SELECT * FROM quire_blobs WHERE name = $1 AND hash = $2', [name, hash]));
    const row = found.rows[0];
    return row ? { info: infoOf(row), chunks: this.chunks(name, row) } : null;
  }

  async list(client: pg.ClientBase, name: string): Promise<BlobInfo[] | null> {
    const exists = await client.query('SELECT 1 FROM quire_documents WHERE name = $1', [name]);
    if (exists.rowCount === 0) return null;
    return (await readRows(client, name)).map(infoOf);
  }

  delete(name: string, hashes: string[]): Promise<void> {
    const wanted = hashes.filter(isBlobHash);
    const epoch = this.context.leaseEpoch(name);
    return this.context.write(name, async (client) => {
      // [PG11] Which blobs a document still uses is decided from its content: by its owner, or by
      // any node while nobody serves it (its stored state is then all of it). The lease row stays
      // locked (FOR SHARE) until this commits, so nobody takes the document meanwhile.
      if (epoch !== undefined) {
        const lease = await client.query<{ epoch: number; live: boolean }>(
          'SELECT epoch, expires_at >= clock_timestamp() AS live FROM quire_leases WHERE name = $1 FOR SHARE',
          [name],
        );
        const row = lease.rows[0];
        const allowed = epoch === null ? !row?.live : row?.epoch === epoch;
        if (!allowed) {
          const exists = await client.query('SELECT 1 FROM quire_documents WHERE name = $1', [name]);
          if (exists.rowCount === 0) throw notFound(name);
          throw new StoreError(
            'FENCED',
            epoch === null
              ? `document "${name}" is served by another node, which decides which of its blobs are unused; no blob was deleted`
              : `the lease of document "${name}" has moved past epoch ${epoch}: another node owns it now; no blob was deleted`,
          );
        }
      }
      await lockDocument(client, name);
      if (wanted.length === 0) return;
      // [L30] Descriptions and chunks in one transaction.
      await client.query(
        `WITH gone AS (DELETE FROM quire_blobs WHERE name = $1 AND hash = ANY($2::text[]) RETURNING upload)
         DELETE FROM quire_blob_chunks WHERE name = $1 AND upload IN (SELECT upload FROM gone)`,
        [name, wanted],
      );
    });
  }

  /**
   * The blobs of document `name` for an export, read through the export's transaction ([L32]);
   * each blob's chunks only while `reading.done` is false (the export waits for them).
   */
  async exported(client: pg.ClientBase, name: string): Promise<Array<{ blob: BlobInfo; chunks: (reading: { done: boolean }) => AsyncIterable<Uint8Array> }>> {
    return (await readRows(client, name)).map((row) => ({ blob: infoOf(row), chunks: (reading) => exportChunks(client, name, row, reading) }));
  }

  /** The chunks of a blob, all from one point in time when iterated ([L28]); NOT_FOUND when it went meanwhile. */
  private async *chunks(name: string, row: BlobRow): AsyncGenerator<Uint8Array> {
    this.context.assertOpen();
    const client = await read(() => this.context.readPool().connect());
    let broken: Error | undefined;
    try {
      await read(() => client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'));
      const current = await read(() => client.query<BlobRow>('SELECT upload FROM quire_blobs WHERE name = $1 AND hash = $2', [name, row.hash]));
      if (current.rows[0]?.upload !== row.upload) throw new StoreError('NOT_FOUND', `blob ${row.hash} of document "${name}" was deleted`);
      yield* readChunks(client, name, row);
      await read(() => client.query('COMMIT'));
    } catch (error) {
      if (!(error instanceof StoreError)) broken = error instanceof Error ? error : new Error(String(error));
      throw error;
    } finally {
      // Stopped early, or failed: end the transaction before the connection goes back.
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      client.release(broken);
    }
  }
}

/**
 * Removes what `putBlob` calls that never finished left (a process that died mid-upload): marks
 * not touched for `staleMs`, and their chunks. Another node's upload under way touches its mark
 * with every megabyte, so only abandoned ones are that old. Returns how many it removed.
 */
export async function sweepAbandonedUploads(pool: pg.Pool, staleMs: number): Promise<number> {
  const swept = await pool.query<{ removed: number }>(
    `WITH stale AS (
       DELETE FROM quire_blob_uploads WHERE touched_at < clock_timestamp() - make_interval(secs => $1::float8 / 1000) RETURNING name, upload
     ), chunks AS (
       DELETE FROM quire_blob_chunks c USING stale WHERE c.name = stale.name AND c.upload = stale.upload
     )
     SELECT count(*)::int AS removed FROM stale`,
    [staleMs],
  );
  return swept.rows[0].removed;
}

/** Locks the document row against deletion for this transaction; `NOT_FOUND` when there is none. */
async function lockDocument(client: pg.ClientBase, name: string): Promise<void> {
  const found = await client.query({ name: 'quire-blob-lock-document', text: 'SELECT 1 FROM quire_documents WHERE name = $1 FOR KEY SHARE', values: [name] });
  if (found.rowCount === 0) throw notFound(name);
}

/** Keeps an upload's mark fresh (see `sweepAbandonedUploads`); `NOT_FOUND` when the document's deletion removed it. */
async function touchMark(client: pg.ClientBase, name: string, upload: string): Promise<void> {
  const touched = await client.query({
    name: 'quire-blob-touch',
    text: 'UPDATE quire_blob_uploads SET touched_at = clock_timestamp() WHERE upload = $1 AND name = $2',
    values: [upload, name],
  });
  if (touched.rowCount === 0) throw deletedDuringPut(name);
}

async function removeUpload(client: pg.ClientBase, name: string, upload: string): Promise<void> {
  await client.query('DELETE FROM quire_blob_chunks WHERE name = $1 AND upload = $2', [name, upload]);
  await client.query('DELETE FROM quire_blob_uploads WHERE upload = $1', [upload]);
}

async function readRows(client: pg.ClientBase, name: string): Promise<BlobRow[]> {
  const rows = await client.query<BlobRow>('SELECT * FROM quire_blobs WHERE name = $1 ORDER BY hash', [name]);
  return rows.rows;
}

/**
 * Yields the chunks of blob `row` one query at a time (one chunk in memory), checking that they
 * are all there and add up to its size ([L30]): a blob is never given back shorter than stored.
 */
async function* readChunks(client: pg.ClientBase, name: string, row: BlobRow): AsyncGenerator<Uint8Array> {
  let bytes = 0;
  for (let index = 0; index < row.chunks; index++) {
    const found = await read(() =>
      client.query<{ data: Buffer }>({
        name: 'quire-blob-read-chunk',
        text: 'SELECT data FROM quire_blob_chunks WHERE name = $1 AND upload = $2 AND seq = $3',
        values: [name, row.upload, index],
      }),
    );
    const data = found.rows[0]?.data;
    if (!data) break;
    bytes += data.byteLength;
    yield data;
  }
  const extra = await read(() =>
    client.query('SELECT 1 FROM quire_blob_chunks WHERE name = $1 AND upload = $2 AND seq >= $3 LIMIT 1', [name, row.upload, row.chunks]),
  );
  if (bytes !== row.size || (extra.rowCount ?? 0) > 0) {
    throw new StoreError(
      'CORRUPT',
      `blob ${row.hash} of document "${name}" cannot be read back: its chunks hold other bytes than the ${row.size} its description says`,
    );
  }
}

async function* exportChunks(client: pg.ClientBase, name: string, row: BlobRow, reading: { done: boolean }): AsyncGenerator<Uint8Array> {
  const chunks = readChunks(client, name, row);
  while (true) {
    if (reading.done) throw new Error(`the chunks of blob ${row.hash} of "${name}" were read after the export moved on; read them before the next item`);
    const next = await chunks.next();
    if (next.done) return;
    yield next.value;
  }
}

function infoOf(row: BlobRow): BlobInfo {
  return { hash: row.hash, size: row.size, type: row.type, createdAt: row.created_at };
}

async function read<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('READ_FAILED', `reading a blob from PostgreSQL failed: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
}

function deletedDuringPut(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" was deleted while the blob was being stored (or the upload was abandoned); nothing of it was kept`);
}
