import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreError } from '../DocumentStore';
import { MIGRATIONS, migrate } from '../postgres/migrations';
import { PostgresDocumentStore } from '../postgres/PostgresDocumentStore';
import { outcome, postgresSchemas, query } from './storeFixtures';

/**
 * What the PostgreSQL store adds to the store contract (persistence/SPEC.md, "PostgreSQL"):
 * migrations at open, and writes fenced by a lease's epoch. On a real PostgreSQL, one schema per test.
 */

const schemas = postgresSchemas();
const stores: PostgresDocumentStore[] = [];

afterEach(async () => {
  for (const store of stores.splice(0)) await store.close().catch(() => undefined);
  await schemas.dropAll();
});

/** A store on `url`, closed after the test. */
function storeOn(url: string, fence?: (name: string) => number | null): PostgresDocumentStore {
  const store = new PostgresDocumentStore({ url, fence });
  stores.push(store);
  return store;
}

const update = (byte: number) => new Uint8Array([byte]);

describe('migrations', () => {
  it('[PG3] open applies every migration once, also when several stores open one database at once', async () => {
    const url = await schemas.create();
    await Promise.all([storeOn(url).open(), storeOn(url).open(), storeOn(url).open()]);
    const applied = await query<{ version: number }>(url, 'SELECT version FROM quire_schema ORDER BY version');
    expect(applied.map((row) => row.version)).toEqual(MIGRATIONS.map((migration) => migration.version));
    // A later open finds nothing to do and keeps the documents.
    const first = stores[0];
    await first.create('kept', { update: update(1) });
    const again = storeOn(url);
    await again.open();
    expect((await again.load('kept'))?.updates).toHaveLength(1);
    expect(await query(url, 'SELECT version FROM quire_schema')).toHaveLength(MIGRATIONS.length);
  });

  it('[PG3][PG11] a database of schema version 1 gets the blob tables at open and keeps its documents, which can then hold blobs', async () => {
    const url = await schemas.create();
    const pool = new pg.Pool({ connectionString: url, max: 1 });
    try {
      await migrate(pool, MIGRATIONS.slice(0, 1));
      await pool.query("INSERT INTO quire_documents VALUES ('old', 1, 1, 'Old', '{}', NULL, 0, 0, 0, 0)");
    } finally {
      await pool.end();
    }
    const store = storeOn(url);
    await store.open();
    expect(await query(url, 'SELECT version FROM quire_schema ORDER BY version')).toEqual(MIGRATIONS.map(({ version }) => ({ version })));
    expect((await store.getMeta('old'))?.title).toBe('Old');
    const blob = await store.putBlob('old', { type: 'image/png' }, [update(1)]);
    expect(await store.listBlobs('old')).toEqual([blob]);
  });

  it('[PG3] a database migrated by a newer build is refused with FORMAT naming both versions, and left as it is', async () => {
    const url = await schemas.create();
    const store = storeOn(url);
    await store.open();
    await store.create('doc', { update: update(1) });
    await store.close();
    const newer = MIGRATIONS.length + 7;
    await query(url, "INSERT INTO quire_schema (version, description) VALUES ($1, 'from a newer build')", [newer]);
    const refused = await outcome(() => storeOn(url).open());
    expect(refused).toEqual({ error: 'FORMAT' });
    const error = await storeOn(url)
      .open()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect((error as Error).message).toContain(`schema version ${newer}`);
    expect((error as Error).message).toContain(`versions up to ${MIGRATIONS.length}`);
    expect(await query(url, 'SELECT name FROM quire_documents')).toEqual([{ name: 'doc' }]);
  });
});

describe('fencing', () => {
  /** A store whose node holds the lease of `doc` at `epoch` as far as it knows (`held.epoch`; null: none). */
  async function fencedStore(held: { epoch: number | null }) {
    const url = await schemas.create();
    const store = storeOn(url, () => held.epoch);
    await store.open();
    await query(url, "INSERT INTO quire_leases (name, owner, address, epoch, expires_at) VALUES ('doc', 'node-a', 'http://a', 1, now() + interval '1 hour')");
    await store.create('doc', { update: update(1) });
    return { url, store };
  }

  it('[PG6] an append or compaction carrying the lease epoch is written; an older epoch, or none, is FENCED and writes nothing', async () => {
    const held = { epoch: 1 as number | null };
    const { url, store } = await fencedStore(held);
    await store.append('doc', update(2));
    // Another node took the lease over.
    await query(url, "UPDATE quire_leases SET owner = 'node-b', epoch = 2 WHERE name = 'doc'");
    expect(await outcome(() => store.append('doc', update(3)))).toEqual({ error: 'FENCED' });
    expect(await outcome(() => store.compact('doc', update(9)))).toEqual({ error: 'FENCED' });
    // The node knows it holds no lease: refused before the database is asked.
    held.epoch = null;
    expect(await outcome(() => store.append('doc', update(4)))).toEqual({ error: 'FENCED' });
    const loaded = await store.load('doc');
    expect(loaded?.updates.map((stored) => [...stored])).toEqual([[1], [2]]);
    // The compaction left the log as it was.
    expect((await store.getMeta('doc'))?.logCount).toBe(1);
  });

  it('[PG2][PG6] a fenced append refuses only itself: the writes sharing its transaction commit', async () => {
    const held = { epoch: 1 as number | null };
    const { url, store } = await fencedStore(held);
    await store.create('other', { update: update(5) });
    await query(url, "INSERT INTO quire_leases (name, owner, address, epoch, expires_at) VALUES ('other', 'node-a', 'http://a', 1, now() + interval '1 hour')");
    await query(url, "UPDATE quire_leases SET epoch = 2 WHERE name = 'doc'");
    // Called in one turn: one transaction.
    const results = await Promise.all([outcome(() => store.append('doc', update(2))), outcome(() => store.append('other', update(6)))]);
    expect(results).toEqual([{ error: 'FENCED' }, undefined]);
    expect((await store.load('other'))?.updates).toHaveLength(2);
    expect((await store.load('doc'))?.updates).toHaveLength(1);
  });

  it('[PG7] deleting a document moves its lease epoch on: the node serving it can write nothing more under the name', async () => {
    const held = { epoch: 1 as number | null };
    const { url, store } = await fencedStore(held);
    expect(await store.delete('doc')).toBe(true);
    expect(await query(url, "SELECT epoch FROM quire_leases WHERE name = 'doc'")).toEqual([{ epoch: '2' }]);
    // Made again (by another node, say): the old epoch still writes nothing.
    await store.create('doc', { update: update(7) });
    expect(await outcome(() => store.append('doc', update(8)))).toEqual({ error: 'FENCED' });
    expect((await store.load('doc'))?.updates).toHaveLength(1);
  });
});
