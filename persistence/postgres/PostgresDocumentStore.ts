import pg from 'pg';
import { type AuditEntry, type AuditPage, type AuditStore, assertAuditArguments } from '../AuditStore';
import type { BlobInfo, BlobStore, NewBlob, StoredBlob } from '../BlobStore';
import {
  assertStorableName,
  type DocumentMeta,
  type DocumentStore,
  type ExportedDocument,
  type ExportItem,
  type LoadedDocument,
  type MetaPatch,
  StoreError,
  type Tombstone,
} from '../DocumentStore';
import { checkedHistory } from '../historyImport';
import { PendingWrites } from '../PendingWrites';
import type { HistoryHead, NewVersion, VersionAuthor, VersionInfo, VersionStore } from '../VersionStore';
import { type BatchReport, WriteQueue } from '../WriteQueue';
import { connectionPool } from './connectionPool';
import { migrate } from './migrations';
import { appendAuditRow, readAuditRows } from './postgresAudit';
import { PostgresBlobs, sweepAbandonedUploads } from './postgresBlobs';
import { PostgresHistory } from './postgresHistory';
import { type DocumentRow, metaOf, patchParams, readHistory } from './rows';
import { runBatch, type Step, step } from './transactionBatch';

export interface PostgresDocumentStoreOptions {
  /** The connection string (`DATABASE_URL`). */
  url: string;
  /** Clock for document times, injectable for tests. */
  now?: () => number;
  /** Least time between two batches' transactions under load, in ms (SPEC.md [L6]). */
  commitIntervalMs?: number;
  onBatch?: (report: BatchReport) => void;
  /**
   * The epoch of this node's lease on a document, or null when it holds none (SPEC.md [PG6]). Given,
   * every `append` and `compact` carries it and the database refuses it (`FENCED`) unless the lease
   * still has that epoch; without it (tools, single-process use) writes are not fenced.
   */
  fence?: (name: string) => number | null;
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /**
   * How long the database lets one of this store's transactions sit idle before it ends it (its
   * session). A node paused mid-transaction (SIGSTOP, a stall) would otherwise hold its row locks,
   * among them its leases' `FOR SHARE` ([PG6]), and keep another node from taking the documents
   * over until it resumes. A cluster node sets it to its lease TTL; default: no limit.
   */
  idleInTransactionTimeoutMs?: number;
  /** Connections for reading blobs' bytes, apart from the pool's, so slow downloads never hold up writes (default 4). */
  blobReadConnections?: number;
  /**
   * How long an upload's mark may go untouched before `open` counts the upload as abandoned (its
   * process died) and removes its chunks ([L31]); an upload under way touches it with every
   * megabyte. Default 1 hour.
   */
  abandonedUploadMs?: number;
  /** Told of connection errors on idle connections (they are replaced; nothing else fails). */
  onPoolError?: (error: Error) => void;
}

/** PostgreSQL returns `bigint` as text; every bigint here is a time, a size or a count well within 2^53. */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === 20 ? (value: string) => Number(value) : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * The PostgreSQL document store (rules in SPEC.md, the store contract and "PostgreSQL"): the same
 * documents, logs, history and tombstones as `LevelDocumentStore`, in tables. Writes called in one
 * event-loop turn, and those called while a batch is committing, run in one transaction, committed
 * once ([L6]); each write resolves only after that COMMIT returned ([L1]). Every write of a
 * document's content by a server node is fenced by its lease's epoch ([PG6]).
 */
export class PostgresDocumentStore implements DocumentStore, VersionStore, BlobStore, AuditStore {
  private pool: pg.Pool | null = null;
  private blobReads: pg.Pool | null = null;
  private readonly now: () => number;
  private readonly queue: WriteQueue<Step>;
  /** Writes called and not yet settled, so reads can wait for them ([L14]). */
  private readonly pendingWrites = new PendingWrites();
  private readonly history = new PostgresHistory((name, write) => this.write(name, write));
  private readonly blobs = new PostgresBlobs({
    write: (name, work) => this.write(name, work),
    now: () => this.now(),
    pool: () => this.requirePool(),
    readPool: () => {
      this.assertOpen();
      return this.blobReads as pg.Pool;
    },
    earlierWrites: () => this.pendingWrites.settled(),
    leaseEpoch: (name) => (this.options.fence ? this.options.fence(name) : undefined),
    assertOpen: () => this.assertOpen(),
  });

  constructor(private readonly options: PostgresDocumentStoreOptions) {
    this.now = options.now ?? Date.now;
    this.queue = new WriteQueue<Step>({
      write: (steps) => runBatch(this.requirePool(), steps),
      onFailure: () => {},
      onBatch: options.onBatch,
      measure: (steps) => ({ operations: steps.length, bytes: 0 }),
      minIntervalMs: options.commitIntervalMs,
    });
  }

  async open(): Promise<void> {
    if (this.pool) return;
    this.queue.resume();
    const onPoolError = (error: Error) => this.options.onPoolError?.(error);
    const pool = connectionPool(
      {
        connectionString: this.options.url,
        max: this.options.poolSize ?? 10,
        types: TYPES,
        connectionTimeoutMillis: 10_000,
        idle_in_transaction_session_timeout: this.options.idleInTransactionTimeoutMs,
      },
      onPoolError,
    );
    try {
      await migrate(pool);
      // [L31] What blob writes of a process that died left behind.
      await sweepAbandonedUploads(pool, this.options.abandonedUploadMs ?? 60 * 60_000);
    } catch (error) {
      await pool.end().catch(() => undefined);
      if (error instanceof StoreError) throw error;
      throw new StoreError('READ_FAILED', `cannot open the PostgreSQL database: ${messageOf(error)}`, { cause: error });
    }
    const blobReads = connectionPool(
      {
        connectionString: this.options.url,
        max: this.options.blobReadConnections ?? 4,
        types: TYPES,
        connectionTimeoutMillis: 10_000,
        // A reader that stopped reading (a stalled download) gives its connection back.
        idle_in_transaction_session_timeout: this.options.idleInTransactionTimeoutMs ?? 60_000,
      },
      onPoolError,
    );
    this.pool = pool;
    this.blobReads = blobReads;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    if (!pool) return;
    await this.queue.drain();
    await this.pendingWrites.settled();
    this.pool = null;
    const blobReads = this.blobReads;
    this.blobReads = null;
    await Promise.all([pool.end(), blobReads?.end()]);
  }

  async load(name: string): Promise<LoadedDocument | null> {
    this.check(name);
    await this.pendingWrites.settled();
    // [L14] One point in time: the document row and its log from one snapshot.
    return this.snapshot(async (client) => {
      const document = await readDocument(client, name);
      if (!document) return null;
      return { meta: document.meta, updates: document.snapshot ? [document.snapshot, ...document.log] : document.log };
    });
  }

  create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    this.check(name);
    const { update, ...patch } = init;
    const now = this.now();
    const { title, set } = patchParams(patch);
    return this.write(name, async (client) => {
      const created = await client.query<DocumentRow>(
        `WITH created AS (
           INSERT INTO quire_documents (name, created_at, updated_at, title, properties, snapshot, snapshot_bytes, first_seq, next_seq, log_bytes)
           VALUES ($1, $2, $2, COALESCE($3, ''), $4::jsonb, $5, $6, 0, 0, 0)
           ON CONFLICT (name) DO NOTHING
           RETURNING *
         ), cleared AS (
           DELETE FROM quire_tombstones WHERE name IN (SELECT name FROM created)
         )
         SELECT * FROM created`,
        [name, now, title, JSON.stringify(set), update ? Buffer.from(update) : null, update?.byteLength ?? 0],
      );
      if (created.rowCount === 0) throw new StoreError('EXISTS', `document "${name}" exists already`);
      return metaOf(created.rows[0]);
    });
  }

  append(name: string, update: Uint8Array, patch: MetaPatch = {}): Promise<void> {
    this.check(name);
    const epoch = this.fenceOf(name);
    const { title, set, remove } = patchParams(patch);
    const now = this.now();
    return this.writeStatement(name, async (client) => {
      // [PG6] The lease row is locked (FOR SHARE) before the write: a takeover waits for this
      // transaction, or this write finds the newer epoch and changes nothing.
      const appended = await client.query({
        name: 'quire-append',
        text: `WITH lease AS (
                 SELECT 1 FROM quire_leases WHERE name = $1 AND epoch = $4 FOR SHARE
               ), moved AS (
                 UPDATE quire_documents
                 SET next_seq = next_seq + 1, log_bytes = log_bytes + $3, updated_at = $5,
                     title = COALESCE($6, title), properties = (properties || $7::jsonb) - $8::text[]
                 WHERE name = $1 AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM lease))
                 RETURNING next_seq - 1 AS seq
               )
               INSERT INTO quire_log (name, seq, data) SELECT $1, seq, $2 FROM moved`,
        values: [name, Buffer.from(update.buffer, update.byteOffset, update.byteLength), update.byteLength, epoch, now, title, JSON.stringify(set), remove],
      });
      if (appended.rowCount === 0) throw await refusal(client, name, epoch);
    });
  }

  compact(name: string, snapshot: Uint8Array): Promise<void> {
    this.check(name);
    const epoch = this.fenceOf(name);
    return this.writeStatement(name, async (client) => {
      // [L5] The snapshot, the deletion of the log before it and the metadata in one statement.
      const compacted = await client.query<{ updated: number }>({
        name: 'quire-compact',
        text: `WITH lease AS (
                 SELECT 1 FROM quire_leases WHERE name = $1 AND epoch = $4 FOR SHARE
               ), folded AS (
                 UPDATE quire_documents
                 SET snapshot = $2, snapshot_bytes = $3, first_seq = next_seq, log_bytes = 0
                 WHERE name = $1 AND ($4::bigint IS NULL OR EXISTS (SELECT 1 FROM lease))
                 RETURNING first_seq
               ), removed AS (
                 DELETE FROM quire_log WHERE name = $1 AND seq < (SELECT first_seq FROM folded)
               )
               SELECT count(*)::int AS updated FROM folded`,
        values: [name, Buffer.from(snapshot.buffer, snapshot.byteOffset, snapshot.byteLength), snapshot.byteLength, epoch],
      });
      if (compacted.rows[0].updated === 0) throw await refusal(client, name, epoch);
    });
  }

  async getMeta(name: string): Promise<DocumentMeta | null> {
    this.check(name);
    await this.pendingWrites.settled();
    const found = await this.read((pool) => pool.query<DocumentRow>('SELECT * FROM quire_documents WHERE name = $1', [name]));
    return found.rows[0] ? metaOf(found.rows[0]) : null;
  }

  updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    this.check(name);
    const { title, set, remove } = patchParams(patch);
    return this.write(name, async (client) => {
      const updated = await client.query<DocumentRow>(
        `UPDATE quire_documents SET title = COALESCE($2, title), properties = (properties || $3::jsonb) - $4::text[]
         WHERE name = $1 RETURNING *`,
        [name, title, JSON.stringify(set), remove],
      );
      if (updated.rowCount === 0) throw notFound(name);
      return metaOf(updated.rows[0]);
    });
  }

  async list(): Promise<DocumentMeta[]> {
    this.assertOpen();
    await this.pendingWrites.settled();
    const found = await this.read((pool) => pool.query<DocumentRow>('SELECT * FROM quire_documents ORDER BY name'));
    return found.rows.map(metaOf);
  }

  delete(name: string): Promise<boolean> {
    this.check(name);
    const now = this.now();
    return this.write(name, async (client) => {
      // [PG2] The lease row before the document's, as every write locks them, or a write of this
      // document in flight (lease FOR SHARE, then its row) and this deletion would wait for each other.
      await client.query('SELECT 1 FROM quire_leases WHERE name = $1 FOR UPDATE', [name]);
      // The log, the history and the blobs (with the marks of uploads under way, [L29]) go with the
      // row (ON DELETE CASCADE). The lease's epoch moves on, so the node serving the document can
      // write nothing more under this name ([PG7]).
      const deleted = await client.query<{ deleted: number }>(
        `WITH removed AS (
           DELETE FROM quire_documents WHERE name = $1 RETURNING name
         ), tombstone AS (
           INSERT INTO quire_tombstones (name, deleted_at) SELECT name, $2 FROM removed
           ON CONFLICT (name) DO UPDATE SET deleted_at = EXCLUDED.deleted_at
         ), fenced AS (
           UPDATE quire_leases SET epoch = epoch + 1 WHERE name IN (SELECT name FROM removed)
         )
         SELECT count(*)::int AS deleted FROM removed`,
        [name, now],
      );
      return deleted.rows[0].deleted > 0;
    });
  }

  async wasDeleted(name: string): Promise<boolean> {
    this.check(name);
    await this.pendingWrites.settled();
    const found = await this.read((pool) => pool.query('SELECT 1 FROM quire_tombstones WHERE name = $1', [name]));
    return (found.rowCount ?? 0) > 0;
  }

  async probe(): Promise<void> {
    this.assertOpen();
    const value = String(this.now());
    try {
      await this.requirePool().query('INSERT INTO quire_probe (id, value) VALUES (1, $1) ON CONFLICT (id) DO UPDATE SET value = EXCLUDED.value', [value]);
    } catch (error) {
      throw new StoreError('WRITE_FAILED', `readiness probe write failed: ${messageOf(error)}`, { cause: error });
    }
    const back = await this.read((pool) => pool.query<{ value: string }>('SELECT value FROM quire_probe WHERE id = 1'));
    if (back.rows[0]?.value !== value) throw new StoreError('CORRUPT', 'readiness probe read back a different value');
  }

  async *exportAll(): AsyncGenerator<ExportItem> {
    this.assertOpen();
    // [L15] Every write called before the export is in it; the transaction's snapshot keeps out the rest.
    await this.pendingWrites.settled();
    const client = await this.read((pool) => pool.connect());
    let broken: Error | undefined;
    try {
      await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
      const counts = await client.query<{ documents: number; tombstones: number }>(
        'SELECT (SELECT count(*)::int FROM quire_documents) AS documents, (SELECT count(*)::int FROM quire_tombstones) AS tombstones',
      );
      yield { kind: 'summary', documents: counts.rows[0].documents, tombstones: counts.rows[0].tombstones };
      // One document at a time: walk the names by seeking past each, inside the one snapshot.
      let after: string | null = null;
      while (true) {
        const next: pg.QueryResult<{ name: string }> = await client.query<{ name: string }>(
          'SELECT name FROM quire_documents WHERE $1::text IS NULL OR name > $1 ORDER BY name LIMIT 1',
          [after],
        );
        if (next.rows.length === 0) break;
        after = next.rows[0].name;
        const content = await readDocument(client, after);
        if (!content) continue;
        // [L24] The history from the same snapshot as the content.
        yield { kind: 'document', document: { ...content, history: await readHistory(client, after) } };
        // [L32] And its blobs, each read while the export waits for it.
        for (const { blob, chunks } of await this.blobs.exported(client, after)) {
          const reading = { done: false };
          yield { kind: 'blob', name: after, blob, chunks: chunks(reading) };
          reading.done = true;
        }
      }
      const tombstones = await client.query<{ name: string; deleted_at: number }>('SELECT name, deleted_at FROM quire_tombstones ORDER BY name');
      await client.query('COMMIT');
      for (const row of tombstones.rows) yield { kind: 'tombstone', tombstone: { name: row.name, deletedAt: row.deleted_at } };
    } catch (error) {
      broken = error instanceof Error ? error : new Error(String(error));
      throw error instanceof StoreError ? error : new StoreError('READ_FAILED', `exporting the documents failed: ${messageOf(error)}`, { cause: error });
    } finally {
      // Stopped early (the generator's `return`): the transaction is still open; end it.
      if (!broken) await client.query('ROLLBACK').catch(() => undefined);
      client.release(broken);
    }
  }

  importDocument({ meta, snapshot, log, history: givenHistory }: ExportedDocument): Promise<void> {
    this.check(meta.name);
    const { name } = meta;
    const history = checkedHistory(name, givenHistory);
    return this.write(name, async (client) => {
      const logBytes = log.reduce((sum, entry) => sum + entry.byteLength, 0);
      const created = await client.query(
        `WITH created AS (
           INSERT INTO quire_documents (name, created_at, updated_at, title, properties, snapshot, snapshot_bytes, first_seq, next_seq, log_bytes)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, 0, $8, $9)
           ON CONFLICT (name) DO NOTHING
           RETURNING name
         ), cleared AS (
           DELETE FROM quire_tombstones WHERE name IN (SELECT name FROM created)
         )
         SELECT name FROM created`,
        [
          name,
          meta.createdAt,
          meta.updatedAt,
          meta.title,
          JSON.stringify(meta.properties),
          snapshot ? Buffer.from(snapshot) : null,
          snapshot?.byteLength ?? 0,
          log.length,
          logBytes,
        ],
      );
      if (created.rowCount === 0) throw new StoreError('EXISTS', `document "${name}" exists already; import only into a store without it`);
      if (log.length > 0) {
        await client.query('INSERT INTO quire_log (name, seq, data) SELECT $1, seq - 1, data FROM unnest($2::bytea[]) WITH ORDINALITY AS entries(data, seq)', [
          name,
          log.map((entry) => Buffer.from(entry)),
        ]);
      }
      // [L24] The history in the transaction that creates the document.
      await this.history.importHistory(client, name, history);
    });
  }

  importTombstone({ name, deletedAt }: Tombstone): Promise<void> {
    this.check(name);
    return this.write(name, async (client) => {
      const stored = await client.query(
        `INSERT INTO quire_tombstones (name, deleted_at) SELECT $1, $2 WHERE NOT EXISTS (SELECT 1 FROM quire_documents WHERE name = $1)
         ON CONFLICT (name) DO UPDATE SET deleted_at = EXCLUDED.deleted_at`,
        [name, deletedAt],
      );
      if (stored.rowCount === 0) throw new StoreError('EXISTS', `document "${name}" exists; a tombstone cannot be imported over it`);
    });
  }

  async historyHead(name: string): Promise<HistoryHead | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.read((pool) => this.history.head(pool, name));
  }

  async listVersions(name: string): Promise<VersionInfo[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.snapshot((client) => this.history.list(client, name));
  }

  async loadVersion(name: string, id: number): Promise<Uint8Array[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.read((pool) => this.history.deltasUpTo(pool, name, id));
  }

  addVersion(name: string, version: NewVersion): Promise<VersionInfo> {
    this.check(name);
    return this.history.add(name, version);
  }

  addContributors(name: string, authors: VersionAuthor[]): Promise<void> {
    this.check(name);
    return this.history.addContributors(name, authors);
  }

  labelVersion(name: string, id: number, label: string | null): Promise<VersionInfo> {
    this.check(name);
    return this.history.label(name, id, label);
  }

  removeVersions(name: string, ids: number[]): Promise<void> {
    this.check(name);
    return this.history.remove(name, ids);
  }

  /** [L27] Unfenced: a blob's bytes are its address and never change, whichever node stores them ([PG11]). */
  putBlob(name: string, blob: NewBlob, chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): Promise<BlobInfo> {
    this.check(name);
    return this.blobs.put(name, blob, chunks);
  }

  getBlob(name: string, hash: string): Promise<StoredBlob | null> {
    this.check(name);
    return this.blobs.get(name, hash);
  }

  async listBlobs(name: string): Promise<BlobInfo[] | null> {
    this.check(name);
    await this.pendingWrites.settled();
    return this.snapshot((client) => this.blobs.list(client, name));
  }

  /** [PG11] Fenced like `append`: only the document's owner decides which blobs it no longer uses. */
  deleteBlobs(name: string, hashes: string[]): Promise<void> {
    this.check(name);
    return this.blobs.delete(name, hashes);
  }

  async appendAudit(name: string, entry: AuditEntry, keep: number): Promise<void> {
    this.check(name);
    assertAuditArguments({ keep });
    try {
      await appendAuditRow(this.requirePool(), name, entry, keep);
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('WRITE_FAILED', `writing the audit log of "${name}" failed: ${messageOf(error)}`, { cause: error });
    }
  }

  async readAudit(name: string, { before, limit }: { before: number | null; limit: number }): Promise<AuditPage> {
    this.check(name);
    assertAuditArguments({ before, limit });
    return this.read((pool) => readAuditRows(pool, name, before, limit));
  }

  /** `write` for work that writes with one statement: alone in its batch, it runs without BEGIN and COMMIT ([PG2]). */
  private writeStatement<T>(name: string, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    return this.write(name, work, true);
  }

  /** Queues `work` for the next batch's transaction; resolves with its result once committed. */
  private write<T>(name: string, work: (client: pg.ClientBase) => Promise<T>, oneStatement = false): Promise<T> {
    const { step: queued, result } = step(name, work, oneStatement);
    const written = this.queue.enqueue(queued).then(result, (error) => {
      throw new StoreError('WRITE_FAILED', `writing document "${name}" failed: ${messageOf(error)}`, { cause: error });
    });
    return this.pendingWrites.track(written);
  }

  /** Runs `work` in a read-only transaction of its own: every query in it sees one point in time. */
  private async snapshot<T>(work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    return this.read(async (pool) => {
      const client = await pool.connect();
      let broken: Error | undefined;
      try {
        await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
        const result = await work(client);
        await client.query('COMMIT');
        return result;
      } catch (error) {
        if (!(error instanceof StoreError)) broken = error instanceof Error ? error : new Error(String(error));
        await client.query('ROLLBACK').catch(() => undefined);
        throw error;
      } finally {
        client.release(broken);
      }
    });
  }

  private async read<T>(operation: (pool: pg.Pool) => Promise<T>): Promise<T> {
    try {
      return await operation(this.requirePool());
    } catch (error) {
      if (error instanceof StoreError) throw error;
      throw new StoreError('READ_FAILED', `reading from PostgreSQL failed: ${messageOf(error)}`, { cause: error });
    }
  }

  /** The epoch `append` and `compact` carry: null when not fenced; `FENCED` when this node holds no lease. */
  private fenceOf(name: string): number | null {
    if (!this.options.fence) return null;
    const epoch = this.options.fence(name);
    if (epoch === null) throw new StoreError('FENCED', `this node does not hold the lease of document "${name}"; its owner writes it`);
    return epoch;
  }

  private requirePool(): pg.Pool {
    if (!this.pool) throw new StoreError('NOT_OPEN', 'the document store is not open');
    return this.pool;
  }

  private check(name: string): void {
    this.assertOpen();
    assertStorableName(name);
  }

  private assertOpen(): void {
    this.requirePool();
  }
}

/**
 * Reads one document and checks that its parts agree ([L8]): the log holds exactly the entries
 * `first_seq … next_seq − 1`, and the sizes match. Null when it does not exist.
 */
async function readDocument(client: pg.ClientBase, name: string): Promise<Omit<ExportedDocument, 'history'> | null> {
  const found = await client.query<DocumentRow>('SELECT * FROM quire_documents WHERE name = $1', [name]);
  const row = found.rows[0];
  if (!row) return null;
  const log = await client.query<{ seq: number; data: Buffer }>('SELECT seq, data FROM quire_log WHERE name = $1 ORDER BY seq', [name]);
  const expected = row.next_seq - row.first_seq;
  if (log.rows.length !== expected || log.rows.some((entry, index) => entry.seq !== row.first_seq + index)) {
    throw corrupt(
      name,
      `the row counts log entries ${row.first_seq}..${row.next_seq - 1} but ${log.rows.length} entries with other sequence numbers are stored`,
    );
  }
  const logBytes = log.rows.reduce((sum, entry) => sum + entry.data.byteLength, 0);
  const snapshotBytes = row.snapshot?.byteLength ?? 0;
  if (row.log_bytes !== logBytes || row.snapshot_bytes !== snapshotBytes) {
    throw corrupt(
      name,
      `stored sizes disagree with the row (snapshot ${snapshotBytes} bytes, log ${logBytes} bytes; the row says ${row.snapshot_bytes} and ${row.log_bytes})`,
    );
  }
  return { meta: metaOf(row), snapshot: row.snapshot ?? null, log: log.rows.map((entry) => entry.data) };
}

/** Why a fenced write changed nothing: the document is gone (`NOT_FOUND`) or the lease moved on (`FENCED`). */
async function refusal(client: pg.ClientBase, name: string, epoch: number | null): Promise<StoreError> {
  const exists = await client.query('SELECT 1 FROM quire_documents WHERE name = $1', [name]);
  if (exists.rowCount === 0 || epoch === null) return notFound(name);
  return new StoreError('FENCED', `the lease of document "${name}" has moved past epoch ${epoch}: another node owns it now; nothing was written`);
}

function corrupt(name: string, problem: string): StoreError {
  return new StoreError('CORRUPT', `document "${name}" cannot be read back: ${problem}`);
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
