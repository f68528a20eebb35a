import pg from 'pg';
import type { KvWrite, OrderedKv } from './OrderedKv';

/**
 * `OrderedKv` in a PostgreSQL table (with DATABASE_URL, so every node of a cluster shares people,
 * sessions and access). Keys are stored as their UTF-8 bytes (`bytea`): they hold U+0000, which
 * `text` cannot, and bytes compare as LevelDB orders them. The table is created when missing; it
 * is separate from the document store's migrated tables and, like them, named `quire_…`.
 */
export class PostgresKv implements OrderedKv {
  private pool: pg.Pool | null = null;

  constructor(private readonly url: string) {}

  async open(): Promise<void> {
    const pool = new pg.Pool({ connectionString: this.url, max: 4, connectionTimeoutMillis: 10_000 });
    try {
      await pool.query('CREATE TABLE IF NOT EXISTS quire_workspace (key bytea PRIMARY KEY, value text NOT NULL)');
    } catch (error) {
      await pool.end();
      throw error;
    }
    this.pool = pool;
  }

  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    await pool?.end();
  }

  async get(key: string): Promise<string | undefined> {
    const { rows } = await this.connected().query<{ value: string }>('SELECT value FROM quire_workspace WHERE key = $1', [Buffer.from(key)]);
    return rows[0]?.value;
  }

  async write(writes: KvWrite[]): Promise<void> {
    const client = await this.connected().connect();
    try {
      await client.query('BEGIN');
      for (const { key, value } of writes) {
        if (value === null) await client.query('DELETE FROM quire_workspace WHERE key = $1', [Buffer.from(key)]);
        else
          await client.query('INSERT INTO quire_workspace (key, value) VALUES ($1, $2) ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value', [
            Buffer.from(key),
            value,
          ]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
  }

  async scan(prefix: string): Promise<Array<[string, string]>> {
    const start = Buffer.from(prefix);
    // Just past every key starting with `prefix`: its last byte plus one (a prefix never ends in 0xff: it ends in U+0000).
    const end = Buffer.from(start);
    end[end.length - 1] += 1;
    const { rows } = await this.connected().query<{ key: Buffer; value: string }>(
      'SELECT key, value FROM quire_workspace WHERE key >= $1 AND key < $2 ORDER BY key',
      [start, end],
    );
    return rows.map((row) => [row.key.toString('utf8'), row.value]);
  }

  private connected(): pg.Pool {
    if (!this.pool) throw new Error('the workspace table is not open');
    return this.pool;
  }
}
