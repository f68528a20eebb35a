import type pg from 'pg';
import { StoreError } from '../DocumentStore';
import { type HistoryHead, isEmptyHistory, mergeAuthors, type NewVersion, type VersionAuthor, type VersionHistory, type VersionInfo } from '../VersionStore';
import { planRemoval } from '../versionRemoval';
import { type HeadRow, headOf, infoOf, type VersionRow } from './rows';

/** Queues a write for the store's next batch (see `PostgresDocumentStore.write`). */
type Write = <T>(name: string, work: (client: pg.ClientBase) => Promise<T>) => Promise<T>;

/**
 * Version history in PostgreSQL (SPEC.md [L18]–[L24]): the head in `quire_history_heads`, each
 * version with its delta in `quire_versions`. Writes lock the head row (`FOR UPDATE`), so version
 * ids are given in order and never twice, whichever node writes ([L19]). The history goes with its
 * document (foreign keys, `ON DELETE CASCADE`), so it can never outlive it ([L18]).
 */
export class PostgresHistory {
  constructor(private readonly write: Write) {}

  /** The head, an empty one before the first version, or null when the document does not exist. */
  async head(pool: pg.Pool, name: string): Promise<HistoryHead | null> {
    const found = await pool.query<HeadRow & { document: string }>(
      `SELECT d.name AS document, h.next_id, h.state, h.contributors
       FROM quire_documents d LEFT JOIN quire_history_heads h ON h.name = d.name WHERE d.name = $1`,
      [name],
    );
    const row = found.rows[0];
    if (!row) return null;
    return row.next_id === null ? headOf(undefined) : headOf(row);
  }

  /** Every version's description, oldest first, or null when the document does not exist. */
  async list(client: pg.ClientBase, name: string): Promise<VersionInfo[] | null> {
    const exists = await client.query('SELECT 1 FROM quire_documents WHERE name = $1', [name]);
    if (exists.rowCount === 0) return null;
    const versions = await client.query<VersionRow>(
      'SELECT id, created_at, label, authors, bytes, restored_from FROM quire_versions WHERE name = $1 ORDER BY id',
      [name],
    );
    return versions.rows.map(infoOf);
  }

  /** [L22] The deltas of versions up to `id`, in one statement (one point in time); null when `id` is not stored. */
  async deltasUpTo(pool: pg.Pool, name: string, id: number): Promise<Uint8Array[] | null> {
    const found = await pool.query<{ delta: Buffer }>(
      `SELECT delta FROM quire_versions
       WHERE name = $1 AND id <= $2 AND EXISTS (SELECT 1 FROM quire_versions WHERE name = $1 AND id = $2)
       ORDER BY id`,
      [name, id],
    );
    return found.rows.length === 0 ? null : found.rows.map((row) => row.delta);
  }

  /** [L19] Stores a version after the latest one and makes it the head. */
  add(name: string, version: NewVersion): Promise<VersionInfo> {
    const { createdAt, label, authors, restoredFrom, delta, state } = version;
    return this.write(name, async (client) => {
      const head = await lockedHead(client, name);
      const info: VersionInfo = { id: head.nextId, createdAt, label, authors: mergeAuthors([], authors), bytes: delta.byteLength, restoredFrom };
      await insertVersion(client, name, info, delta);
      await client.query('UPDATE quire_history_heads SET next_id = $2, state = $3, contributors = $4::jsonb WHERE name = $1', [
        name,
        info.id + 1,
        Buffer.from(state),
        '[]',
      ]);
      return info;
    });
  }

  /** [L20] Adds the authors the head does not hold yet. */
  addContributors(name: string, authors: VersionAuthor[]): Promise<void> {
    return this.write(name, async (client) => {
      const head = await lockedHead(client, name);
      const contributors = mergeAuthors(head.contributors, authors);
      if (contributors.length === head.contributors.length) return;
      await client.query('UPDATE quire_history_heads SET contributors = $2::jsonb WHERE name = $1', [name, JSON.stringify(contributors)]);
    });
  }

  /** [L21] Names a version or makes it automatic again. */
  label(name: string, id: number, label: string | null): Promise<VersionInfo> {
    return this.write(name, async (client) => {
      const updated = await client.query<VersionRow>(
        'UPDATE quire_versions SET label = $3 WHERE name = $1 AND id = $2 RETURNING id, created_at, label, authors, bytes, restored_from',
        [name, id, label],
      );
      if (updated.rowCount === 0) {
        const exists = await client.query('SELECT 1 FROM quire_documents WHERE name = $1', [name]);
        throw exists.rowCount === 0 ? notFound(name) : new StoreError('NOT_FOUND', `document "${name}" has no version ${id}`);
      }
      return infoOf(updated.rows[0]);
    });
  }

  /** [L21] Removes versions, merging each into the next one kept, in the batch's transaction. */
  remove(name: string, ids: number[]): Promise<void> {
    return this.write(name, async (client) => {
      await lockedHead(client, name);
      const rows = await client.query<VersionRow>('SELECT * FROM quire_versions WHERE name = $1 ORDER BY id', [name]);
      const plan = planRemoval(
        name,
        rows.rows.map((row) => ({ info: infoOf(row), delta: row.delta as Buffer })),
        ids,
      );
      if (plan.removed.length === 0) return;
      for (const { info, delta } of plan.rewritten) {
        await client.query('UPDATE quire_versions SET authors = $3::jsonb, bytes = $4, delta = $5 WHERE name = $1 AND id = $2', [
          name,
          info.id,
          JSON.stringify(info.authors),
          info.bytes,
          Buffer.from(delta),
        ]);
      }
      await client.query('DELETE FROM quire_versions WHERE name = $1 AND id = ANY($2::int[])', [name, plan.removed]);
    });
  }

  /** [L24] Writes an imported history (checked already) in the transaction that creates its document. */
  async importHistory(client: pg.ClientBase, name: string, history: VersionHistory): Promise<void> {
    if (isEmptyHistory(history)) return;
    const { head, versions } = history;
    await client.query('INSERT INTO quire_history_heads (name, next_id, state, contributors) VALUES ($1, $2, $3, $4::jsonb)', [
      name,
      head.nextId,
      head.state ? Buffer.from(head.state) : null,
      JSON.stringify(head.contributors),
    ]);
    for (const { info, delta } of versions) await insertVersion(client, name, info, delta);
  }
}

/**
 * The head of `name`, locked for this transaction (created empty when the document has none yet);
 * `NOT_FOUND`, with nothing written, when the document does not exist.
 */
async function lockedHead(client: pg.ClientBase, name: string): Promise<HistoryHead> {
  await client.query(
    `INSERT INTO quire_history_heads (name, next_id, state, contributors)
     SELECT name, 1, NULL, '[]'::jsonb FROM quire_documents WHERE name = $1
     ON CONFLICT (name) DO NOTHING`,
    [name],
  );
  const found = await client.query<HeadRow>('SELECT next_id, state, contributors FROM quire_history_heads WHERE name = $1 FOR UPDATE', [name]);
  if (found.rowCount === 0) throw notFound(name);
  return headOf(found.rows[0]);
}

async function insertVersion(client: pg.ClientBase, name: string, info: VersionInfo, delta: Uint8Array): Promise<void> {
  await client.query(
    `INSERT INTO quire_versions (name, id, created_at, label, authors, bytes, restored_from, delta)
     VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7::jsonb, $8)`,
    [
      name,
      info.id,
      info.createdAt,
      info.label,
      JSON.stringify(info.authors),
      info.bytes,
      info.restoredFrom ? JSON.stringify(info.restoredFrom) : null,
      Buffer.from(delta),
    ],
  );
}

function notFound(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
}
