import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { type PostgresServer, startPostgres } from '../../testing/postgres';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * A lease that lapses on a node while that node still holds the document in memory (SPEC.md
 * [PG5], [PG6]), driven step by step: the nodes' lease clocks are moved by the test, their
 * renewals never run (a renewal period far longer than the test), and the database's side of a
 * lapse is the lease row's expiry moved into the past. So each interleaving happens exactly as
 * written, whatever the machine's load.
 */

/** Long enough that no renewal runs while the test does: every lapse is the test's doing. */
const LEASE_TTL_MS = 600_000;

let postgres: PostgresServer;
let database: pg.Client;
let nodeA: TestServer;
let nodeB: TestServer;
/** How far the test has moved node A's lease clock ahead of real time. */
let skewA = 0;
const clients: HocuspocusClient[] = [];

beforeAll(async () => {
  postgres = await startPostgres();
  const config = (nodeId: string) => ({
    databaseUrl: postgres.url,
    nodeId,
    leaseTtlMs: LEASE_TTL_MS,
    leaseRenewMs: LEASE_TTL_MS / 3,
    logLevel: 'silent' as const,
  });
  nodeA = await startTestServer({ config: config('node-a'), leaseClock: () => performance.now() + skewA });
  nodeB = await startTestServer({ config: config('node-b') });
  database = new pg.Client({ connectionString: postgres.url });
  await database.connect();
}, 60_000);

afterEach(() => {
  for (const client of clients.splice(0)) client.destroy();
});

afterAll(async () => {
  await database?.end();
  await nodeA?.stop({ removeData: true });
  await nodeB?.stop({ removeData: true });
  await postgres?.destroy();
}, 60_000);

async function editor(node: TestServer, name: string, sub: string): Promise<HocuspocusClient> {
  const client = hocuspocusClient(node.hocuspocusUrl, name, await node.token({ doc: name, sub, name: sub }));
  clients.push(client);
  await client.synced();
  return client;
}

const items = (doc: Y.Doc) => doc.getArray<string>('items');
const sorted = (doc: Y.Doc) => [...items(doc).toArray()].sort();

/** The lease row of `name`: who holds it at which epoch. */
async function lease(name: string): Promise<{ owner: string; epoch: number }> {
  const found = await database.query<{ owner: string; epoch: string }>('SELECT owner, epoch FROM quire_leases WHERE name = $1', [name]);
  const row = found.rows[0];
  if (!row) throw new Error(`no lease row for ${name}`);
  return { owner: row.owner, epoch: Number(row.epoch) };
}

/** The database's side of a lapse: the lease row of `name` expires now, as if its TTL had passed unrenewed. */
async function expireInDatabase(name: string): Promise<void> {
  await database.query(`UPDATE quire_leases SET expires_at = clock_timestamp() - interval '1 second' WHERE name = $1`, [name]);
}

/** Node A's side of a lapse: its lease clock moves past every lease it holds. */
function lapseOnNodeA(): void {
  skewA += LEASE_TTL_MS + 1;
}

/** What PostgreSQL holds of `name`, read afresh. */
async function stored(node: TestServer, name: string): Promise<string[]> {
  const loaded = await node.server.store.load(name);
  const doc = new Y.Doc();
  for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
  return sorted(doc);
}

const series = async (node: TestServer, name: string) => metric(await scrapeMetrics(node.httpUrl), name);

describe('a stale loaded copy', () => {
  it('[PG5][PG6] node A loads under epoch 1, its lease lapses, node B takes epoch 2 and stores an edit, A takes epoch 3 with the old copy still loaded: A neither serves nor writes from that copy', async () => {
    const name = 'stale-copy';
    // Epoch 1: node A loads the document and stores an edit.
    const first = await editor(nodeA, name, 'ada');
    items(first.doc).push(['a']);
    await first.saved();
    expect(await lease(name)).toEqual({ owner: 'node-a', epoch: 1 });
    const loaded = nodeA.server.hocuspocus.documents.get(name);
    expect(loaded).toBeDefined();

    // The lease lapses on both sides, and node B takes it (epoch 2) and stores an edit node A's copy lacks.
    lapseOnNodeA();
    await expireInDatabase(name);
    const onB = await editor(nodeB, name, 'bob');
    expect(await lease(name)).toEqual({ owner: 'node-b', epoch: 2 });
    items(onB.doc).push(['b']);
    await onB.saved();
    onB.destroy();
    // Still loaded on node A, still without B's edit, its editor still connected.
    expect(nodeA.server.hocuspocus.documents.get(name)).toBe(loaded);
    expect(sorted(first.doc)).toEqual(['a']);

    // B's lease lapses in turn; a new editor on node A makes it take the lease again (epoch 3).
    await expireInDatabase(name);
    const second = hocuspocusClient(nodeA.hocuspocusUrl, name, await nodeA.token({ doc: name, sub: 'cy', name: 'cy' }));
    clients.push(second);
    await waitFor(async () => (await lease(name)).owner === 'node-a', { message: 'node A to take the lease again' });
    expect((await lease(name)).epoch).toBe(3);

    // The copy loaded under epoch 1 is not served: its editor is sent away with document-moved, and
    // the new editor gets the document as stored, with B's edit, from a copy loaded afresh. (Whether
    // the new editor reaches node A before the old copy has unloaded, and is refused with
    // document-moved and reconnects, or after, depends on that unload: both must end here.)
    await waitFor(() => first.closes.some((close) => close.reason === CloseCodes.DocumentMoved.reason), {
      message: 'the editor of the stale copy to be closed with document-moved',
    });
    await waitFor(() => second.provider.synced && sorted(second.doc).join() === 'a,b', {
      message: `the new editor on node A to hold B's edit (holds ${sorted(second.doc).join()})`,
    });
    expect(nodeA.server.hocuspocus.documents.get(name)).not.toBe(loaded);
    expect(nodeA.server.cluster?.fence(name)).toBe(3);

    // Nothing is written from the stale copy: what node A stores now (under epoch 3) is on top of B's edit.
    items(second.doc).push(['c']);
    await second.saved();
    await waitFor(() => sorted(first.doc).join() === 'a,b,c', { message: 'the first editor, reconnected, to converge' });
    expect(await stored(nodeB, name)).toEqual(['a', 'b', 'c']);
  });

  it('[PG5] /metrics counts the leases held, acquired and lost, and the connections relayed to the owner', async () => {
    const name = 'counted';
    const before = {
      held: await series(nodeA, 'collab_cluster_leases_held'),
      acquired: await series(nodeA, 'collab_cluster_leases_acquired_total'),
      lost: await series(nodeA, 'collab_cluster_leases_lost_total'),
      relayed: await series(nodeB, 'collab_cluster_relayed_connections_total{kind="frames"}'),
      acquiredOnB: await series(nodeB, 'collab_cluster_leases_acquired_total'),
    };
    // Node A takes the lease: one acquired, one more held.
    const onA = await editor(nodeA, name, 'ada');
    expect(await series(nodeA, 'collab_cluster_leases_acquired_total')).toBe(before.acquired + 1);
    expect(await series(nodeA, 'collab_cluster_leases_held')).toBe(before.held + 1);
    expect(await series(nodeA, 'collab_cluster_leases_lost_total')).toBe(before.lost);

    // An editor connected to node B is relayed to node A, which serves the document.
    const onB = await editor(nodeB, name, 'bob');
    expect(await series(nodeB, 'collab_cluster_relayed_connections_total{kind="frames"}')).toBe(before.relayed + 1);
    expect(nodeB.server.hocuspocus.documents.has(name)).toBe(false);
    expect(await series(nodeB, 'collab_cluster_leases_acquired_total')).toBe(before.acquiredOnB);

    // The lease lapses on node A and node B takes it: lost on A, held one fewer there, acquired on B.
    onA.destroy();
    onB.destroy();
    lapseOnNodeA();
    await expireInDatabase(name);
    await editor(nodeB, name, 'bob');
    expect(await lease(name)).toMatchObject({ owner: 'node-b' });
    expect(await series(nodeB, 'collab_cluster_leases_acquired_total')).toBe(before.acquiredOnB + 1);
    // Node A learns of the lapse when it is next asked for the document (no renewal runs here).
    const again = hocuspocusClient(nodeA.hocuspocusUrl, name, await nodeA.token({ doc: name, sub: 'cy', name: 'cy' }));
    clients.push(again);
    await waitFor(async () => (await series(nodeA, 'collab_cluster_leases_lost_total')) === before.lost + 1, { message: 'node A to count the lost lease' });
    expect(await series(nodeA, 'collab_cluster_leases_held')).toBe(before.held);
    expect(await series(nodeA, 'collab_cluster_leases_acquired_total')).toBe(before.acquired + 1);
    await again.synced();
    expect(await series(nodeB, 'collab_cluster_relayed_connections_total{kind="frames"}')).toBe(before.relayed + 1);
    expect(await series(nodeA, 'collab_cluster_relayed_connections_total{kind="frames"}')).toBeGreaterThanOrEqual(1);
  });
});
