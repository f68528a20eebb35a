import type pg from 'pg';

/** Who holds a document's lease, as the table says. */
export interface LeaseHolder {
  owner: string;
  /** Where the owner takes relayed connections (its `NODE_URL`). */
  address: string;
  /** False once the lease has expired (nobody renewed it in time): anyone may take it. */
  live: boolean;
}

/**
 * The lease rows `$1` (owner) holds at the epochs `$2` (names) and `$3`, locked in name order
 * before they are updated. Writes lock the lease rows of a batch's documents in name order too
 * (SPEC.md [PG2]); an update locking several rows in whatever order its plan visits them could
 * hold one a batch waits for while waiting for one that batch holds: a deadlock.
 */
const HELD_IN_NAME_ORDER = `SELECT lease.name FROM quire_leases AS lease
  JOIN unnest($2::text[], $3::bigint[]) AS held(name, epoch) ON lease.name = held.name AND lease.epoch = held.epoch
  WHERE lease.owner = $1
  ORDER BY lease.name
  FOR UPDATE OF lease`;

/**
 * The lease table's statements (`quire_leases`, SPEC.md [PG5]–[PG7]). Times are the database's
 * (`clock_timestamp()`), so the nodes' clocks never have to agree. A row is never deleted: its epoch
 * only grows, so an epoch a node once held is never given again.
 */
export class LeaseTable {
  constructor(
    private readonly pool: pg.Pool,
    private readonly ttlMs: number,
  ) {}

  /**
   * Takes the lease of `name` for `owner` when it is free, expired or already `owner`'s (from an
   * earlier start, whose writes the new epoch fences off); returns the new epoch, or null when
   * another node holds it. A takeover waits for the writes in flight under the old epoch to commit
   * (they hold the row `FOR SHARE`): those land before it, and the new owner loads them.
   */
  async acquire(name: string, owner: string, address: string): Promise<number | null> {
    const taken = await this.pool.query<{ epoch: string }>(
      `INSERT INTO quire_leases AS lease (name, owner, address, epoch, expires_at)
       VALUES ($1, $2, $3, 1, clock_timestamp() + make_interval(secs => $4::float8 / 1000))
       ON CONFLICT (name) DO UPDATE
         SET owner = EXCLUDED.owner, address = EXCLUDED.address, epoch = lease.epoch + 1, expires_at = EXCLUDED.expires_at
         WHERE lease.expires_at < clock_timestamp() OR lease.owner = EXCLUDED.owner
       RETURNING epoch`,
      [name, owner, address, this.ttlMs],
    );
    // bigint arrives as text: the epoch is a number here, as in the document store.
    const epoch = taken.rows[0]?.epoch;
    return epoch === undefined ? null : Number(epoch);
  }

  /** The holder of `name`'s lease, or null when nobody ever held it. */
  async holder(name: string): Promise<LeaseHolder | null> {
    const found = await this.pool.query<LeaseHolder>('SELECT owner, address, expires_at >= clock_timestamp() AS live FROM quire_leases WHERE name = $1', [
      name,
    ]);
    return found.rows[0] ?? null;
  }

  /** Extends the leases `owner` still holds at the given epochs; returns the names it still holds. */
  async renew(owner: string, held: ReadonlyMap<string, number>): Promise<Set<string>> {
    if (held.size === 0) return new Set();
    const renewed = await this.pool.query<{ name: string }>(
      `UPDATE quire_leases AS lease SET expires_at = clock_timestamp() + make_interval(secs => $4::float8 / 1000)
       FROM (${HELD_IN_NAME_ORDER}) AS held
       WHERE lease.name = held.name
       RETURNING lease.name`,
      [owner, [...held.keys()], [...held.values()], this.ttlMs],
    );
    return new Set(renewed.rows.map((row) => row.name));
  }

  /** Gives leases back (expired at once), so the next node to need a document takes it without waiting. */
  async release(owner: string, held: ReadonlyMap<string, number>): Promise<void> {
    if (held.size === 0) return;
    await this.pool.query(
      `UPDATE quire_leases AS lease SET expires_at = '-infinity'
       FROM (${HELD_IN_NAME_ORDER}) AS held
       WHERE lease.name = held.name`,
      [owner, [...held.keys()], [...held.values()]],
    );
  }
}
