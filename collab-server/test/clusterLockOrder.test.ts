import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { PostgresDocumentStore } from '../../persistence/postgres/PostgresDocumentStore';
import { outcome, postgresSchemas } from '../../persistence/test/storeFixtures';
import { waitFor } from '../../testing/waitFor';
import { LeaseTable } from '../cluster/LeaseTable';

/**
 * [PG2] Lease rows are locked in name order by every transaction that locks several: a group-commit
 * batch (its writes hold their documents' lease rows `FOR SHARE`) and the lease renewal (which
 * updates every lease of its node in one statement). Each case below stops the renewal half-way
 * (a third transaction holds one of its rows) while a batch starts, in the order that makes the two
 * wait for each other in a cycle if either of them locked in another order. The renewal's session
 * checks for deadlocks after 100 ms and the batch's after 10 s, so a deadlock shows as a failed
 * renewal (PostgreSQL aborts the transaction that finds the cycle).
 */

const schemas = postgresSchemas();
const cleanup: Array<() => Promise<unknown>> = [];

afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step().catch(() => undefined);
  await schemas.dropAll();
});

/** `url` with `-c setting` added to the options its sessions start with. */
function withSetting(url: string, setting: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set('options', `${parsed.searchParams.get('options') ?? ''} -c ${setting}`.trim());
  return parsed.toString();
}

/** How many sessions of this server wait for a lock. */
async function waitingSessions(client: pg.Client): Promise<number> {
  const found = await client.query<{ waiting: number }>("SELECT count(*)::int AS waiting FROM pg_stat_activity WHERE wait_event_type = 'Lock'");
  return found.rows[0].waiting;
}

describe('[PG2] lock order of writes and lease renewal', () => {
  const cases = [
    { title: 'a batch written in call order b, a against a renewal of a, b', writes: ['b', 'a'], renewed: ['a', 'b'], blocker: 'b' },
    { title: 'a batch written in call order a, b against a renewal of b, a', writes: ['a', 'b'], renewed: ['b', 'a'], blocker: 'a' },
  ];

  it.each(cases)('[PG2] no deadlock: $title', async ({ writes, renewed, blocker }) => {
    const url = await schemas.create();
    const epochs = new Map<string, number>();
    const store = new PostgresDocumentStore({ url: withSetting(url, 'deadlock_timeout=10s'), fence: (name) => epochs.get(name) ?? null });
    await store.open();
    cleanup.push(() => store.close());
    const leasePool = new pg.Pool({ connectionString: withSetting(url, 'deadlock_timeout=100ms'), max: 2 });
    cleanup.push(() => leasePool.end());
    const leases = new LeaseTable(leasePool, 60_000);
    for (const name of ['a', 'b']) {
      await store.create(name);
      epochs.set(name, (await leases.acquire(name, 'node-1', 'http://node-1')) as number);
    }

    // A third transaction holds the lease row the renewal reaches second.
    const blocking = new pg.Client({ connectionString: url });
    await blocking.connect();
    cleanup.push(() => blocking.end());
    const observer = new pg.Client({ connectionString: url });
    await observer.connect();
    cleanup.push(() => observer.end());
    await blocking.query('BEGIN');
    await blocking.query('SELECT 1 FROM quire_leases WHERE name = $1 FOR SHARE', [blocker]);

    const renewal = outcome(() => leases.renew('node-1', new Map(renewed.map((name) => [name, epochs.get(name) as number]))));
    await waitFor(async () => (await waitingSessions(observer)) >= 1, { message: 'the renewal to wait for the blocked row' });
    // Called in one turn: one batch, one transaction.
    let settled = false;
    const written = Promise.all(writes.map((name, index) => outcome(() => store.append(name, Uint8Array.of(index))))).finally(() => {
      settled = true;
    });
    await waitFor(async () => settled || (await waitingSessions(observer)) >= 2, { message: 'the batch to commit or wait for the renewal' });
    await blocking.query('COMMIT');

    expect(await renewal).toEqual(new Set(['a', 'b']));
    expect(await written).toEqual(writes.map(() => undefined));
    for (const name of ['a', 'b']) expect((await store.load(name))?.updates).toHaveLength(1);
  });
});
