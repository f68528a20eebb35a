import type pg from 'pg';
import { type AuditEntry, type AuditPage, pageOf } from '../AuditStore';

/**
 * How PostgresDocumentStore keeps audit logs ([L33]–[L36]): one row per entry in `quire_audit`,
 * numbered by a sequence shared by every document (so entries appended by several nodes at once
 * never collide, and a document's numbers only grow). An append inserts the entry and deletes the
 * document's entries beyond the newest `keep` in one transaction.
 */

/** Appends `entry` to the log of `name` and trims it to `keep` entries, in one transaction. */
export async function appendAuditRow(pool: pg.Pool, name: string, entry: AuditEntry, keep: number): Promise<void> {
  const client = await pool.connect();
  let broken: Error | undefined;
  try {
    await client.query('BEGIN');
    await client.query('INSERT INTO quire_audit (name, entry) VALUES ($1, $2)', [name, JSON.stringify(entry)]);
    // [L34] The newest `keep` stay; the `keep`-th newest is the oldest kept.
    await client.query(
      `DELETE FROM quire_audit WHERE name = $1 AND id < (
         SELECT id FROM quire_audit WHERE name = $1 ORDER BY id DESC OFFSET $2 LIMIT 1
       )`,
      [name, keep - 1],
    );
    await client.query('COMMIT');
  } catch (error) {
    broken = error instanceof Error ? error : new Error(String(error));
    await client.query('ROLLBACK').catch(() => undefined);
    throw error;
  } finally {
    client.release(broken);
  }
}

/** The entries of `name` older than `before`, newest first, at most `limit`. */
export async function readAuditRows(pool: pg.Pool, name: string, before: number | null, limit: number): Promise<AuditPage> {
  const found = await pool.query<{ id: number; entry: AuditEntry }>(
    'SELECT id, entry FROM quire_audit WHERE name = $1 AND ($2::bigint IS NULL OR id < $2) ORDER BY id DESC LIMIT $3',
    [name, before, limit + 1],
  );
  return pageOf(
    found.rows.map((row) => ({ ...row.entry, seq: row.id })),
    limit,
  );
}
