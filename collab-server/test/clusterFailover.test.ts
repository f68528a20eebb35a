import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, startLocalCluster } from '../../cluster/localCluster';
import { CloseCodes } from '../../shared/closeCodes';
import { mintToken } from '../../shared/token';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { lostItems, storedItems, TypingLoad } from '../../testing/clusterTyping';
import { waitFor } from '../../testing/waitFor';

/**
 * Several nodes on one PostgreSQL behind HAProxy (SPEC.md [PG5]–[PG8]), attacked: owners killed
 * mid-typing, an owner paused past its lease, a node added and removed, while clients of both
 * protocols type through the balancer. Nothing acknowledged may be lost, and every client must
 * converge. One cluster (one PostgreSQL) for the whole file.
 */

const KILL_ROUNDS = Number(process.env.CLUSTER_KILL_ROUNDS ?? 2);
const LEASE_TTL_MS = 3000;

let cluster: LocalCluster;
const clients: HocuspocusClient[] = [];

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 3,
    slots: 4,
    // Checks of a node busy with this machine's other work must not take it out (that would move
    // its documents); a paused node is still taken out within seconds.
    checkIntervalMs: 500,
    checkTimeoutMs: 4000,
    env: { LEASE_TTL_MS: String(LEASE_TTL_MS), LEASE_RENEW_MS: '500', COMPACT_LOG_ENTRIES: '25' },
  });
}, 120_000);

afterEach((context) => {
  // A failed test shows what the nodes logged last (warnings and errors).
  if (context.task.result?.state === 'fail' && cluster) console.log(cluster.lastWarnings());
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await cluster?.stop();
}, 60_000);

/** The node slot holding the lease of `document` (from the lease table), or -1. */
async function ownerOf(document: string): Promise<number> {
  const client = new pg.Client({ connectionString: cluster.postgres.url });
  await client.connect();
  try {
    const found = await client.query<{ owner: string }>('SELECT owner FROM quire_leases WHERE name = $1 AND expires_at > clock_timestamp()', [document]);
    const owner = found.rows[0]?.owner;
    return owner ? Number(owner.replace('node', '')) - 1 : -1;
  } finally {
    await client.end();
  }
}

describe('failover', () => {
  it(`[PG5][PG6] kill -9 of an owner mid-typing, ${KILL_ROUNDS} times: no acknowledged update is lost, every client converges`, async () => {
    const documents = Array.from({ length: 4 }, (_, i) => `failover-${i}`);
    const load = await TypingLoad.start({ wsUrl: cluster.haproxy.wsUrl, secret: cluster.secret, documents, intervalMs: 100 });
    try {
      load.type();
      const failovers: number[] = [];
      for (let round = 1; round <= KILL_ROUNDS; round++) {
        await waitFor(() => load.acknowledgedCount > round * 60, { message: 'acknowledged typing before the kill', timeoutMs: 30_000 });
        const target = documents[round % documents.length];
        const victim =
          (await waitFor(
            async () => {
              const owner = await ownerOf(target);
              return owner >= 0 ? owner + 1 : 0;
            },
            { message: `an owner of ${target}` },
          )) - 1;
        const killedAt = Date.now();
        await cluster.stopNode(victim, 'SIGKILL');
        // The document comes back once its lease expired and another node took it: the first
        // acknowledgement after the kill for it is the failover time.
        const before = load.acknowledged.get(target)?.size ?? 0;
        await waitFor(() => (load.acknowledged.get(target)?.size ?? 0) > before, { message: `${target} to be acknowledged again`, timeoutMs: 30_000 });
        failovers.push(Date.now() - killedAt);
        await cluster.startNode(victim);
      }
      console.log(`failover: kill to the first acknowledgement on the new owner: ${failovers.join(', ')} ms (lease ${LEASE_TTL_MS} ms)`);
      load.pause();
      await load.converged();
      const stored = await storedItems(cluster.postgres.url, documents);
      expect(lostItems(load.acknowledged, stored), 'acknowledged but not stored').toEqual([]);
      for (const document of documents) expect([...load.itemsOf(document)].filter((item) => !stored.get(document)?.has(item))).toEqual([]);
      expect(load.acknowledgedCount).toBeGreaterThan(KILL_ROUNDS * 60);
    } finally {
      load.destroy();
    }
  }, 240_000);

  it('[PG6] an owner paused past its lease acknowledges and writes nothing once it resumes: the new owner serves the document, and everything acknowledged is stored', async () => {
    const document = 'paused-owner';
    const token = await mintToken(cluster.secret, { sub: 'paused', name: 'Paused', doc: document, role: 'editor' });
    const throughBalancer = `${cluster.haproxy.wsUrl}/collab/${document}`;
    const first = hocuspocusClient(throughBalancer, document, token);
    clients.push(first);
    await first.synced();
    const owner = await ownerOf(document);
    const ownerNode = cluster.nodes[owner];
    if (!ownerNode) throw new Error(`the owner of ${document} (slot ${owner}) is not running`);
    // An editor straight on the owner that never reconnects: what it sends while the owner is
    // paused reaches the owner only when it resumes, too late to be acknowledged or written.
    const late = hocuspocusClient(`ws://127.0.0.1:${ownerNode.port}/collab`, document, token);
    clients.push(late);
    await late.synced();
    late.provider.configuration.websocketProvider.on('close', () => late.provider.configuration.websocketProvider.disconnect());

    let paused = false;
    const moved = (client: HocuspocusClient) => client.closes.some((close) => close.reason === CloseCodes.DocumentMoved.reason);
    // Acknowledgements from the paused owner: to `first` before its socket there was closed, to `late` at all.
    const staleAcks: string[] = [];
    // Every acknowledgement `first` receives must cover only what is stored by then.
    let pushed = 0;
    const unstoredAcks: string[] = [];
    const storedChecks: Promise<void>[] = [];
    first.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (number !== 0) return;
      if (paused && !moved(first)) staleAcks.push(`first after ${pushed} items`);
      const upTo = pushed;
      storedChecks.push(
        storedItems(cluster.postgres.url, [document]).then((stored) => {
          for (let i = 0; i < upTo; i++) if (!stored.get(document)?.has(`first#${i}`)) unstoredAcks.push(`first#${i}`);
        }),
      );
    });
    late.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (number === 0 && paused) staleAcks.push('late');
    });
    const push = () => first.doc.getArray<string>('typed').push([`first#${pushed++}`]);
    for (let i = 0; i < 5; i++) push();
    await first.saved();

    ownerNode.child.kill('SIGSTOP');
    paused = true;
    try {
      for (let i = 0; i < 5; i++) push();
      late.doc.getArray<string>('typed').push(['late#0', 'late#1', 'late#2']);
      // Another editor reaches another node once HAProxy took the paused one out (until then its
      // upgrade would wait on the paused node); it is served once the lease expired and that
      // node took it over.
      await waitFor(
        async () => {
          const answered = await fetch(`${cluster.haproxy.httpUrl}/api/docs/${document}`, { signal: AbortSignal.timeout(1000) }).then(
            (response) => response.headers.get('x-quire-node'),
            () => null,
          );
          return answered !== null && answered !== `node${owner + 1}`;
        },
        { message: 'HAProxy to take the paused node out', timeoutMs: 30_000 },
      );
      const second = hocuspocusClient(throughBalancer, document, token);
      clients.push(second);
      await waitFor(() => second.provider.synced, { message: 'the second editor to be served by a new owner', timeoutMs: 30_000 });
      second.doc.getArray<string>('typed').push(['second#0', 'second#1']);
      await waitFor(() => second.provider.unsyncedChanges === 0, { message: 'the new owner to acknowledge', timeoutMs: 30_000 });
      const newOwner = await ownerOf(document);
      expect(newOwner).toBeGreaterThanOrEqual(0);
      expect(newOwner).not.toBe(owner);

      ownerNode.child.kill('SIGCONT');
      // The resumed owner finds its lease gone: it closes the document's sockets; `first`
      // reconnects through the balancer to the new owner, `late` does not.
      await waitFor(() => moved(first) && moved(late), { message: 'the resumed owner to close its editors with document-moved', timeoutMs: 30_000 });
      await waitFor(() => first.provider.synced && first.provider.unsyncedChanges === 0, { message: 'the first editor to be saved again', timeoutMs: 30_000 });
      await waitFor(() => first.doc.getArray('typed').length === 12 && second.doc.getArray('typed').length === 12, { message: 'both editors to converge' });
      expect(staleAcks, 'acknowledgements sent by the paused owner after its lease was taken').toEqual([]);
      const stored = (await storedItems(cluster.postgres.url, [document])).get(document);
      // Nothing `late` sent was written: the resumed owner wrote nothing for the document.
      expect([...(stored ?? [])].sort()).toEqual([...Array.from({ length: 10 }, (_, i) => `first#${i}`), 'second#0', 'second#1'].sort());
      await Promise.all(storedChecks);
      expect(unstoredAcks, 'acknowledged before it was stored').toEqual([]);
    } finally {
      ownerNode.child.kill('SIGCONT');
      paused = false;
    }
  }, 120_000);
});

describe('membership', () => {
  /** Which node answers a request for `document` through HAProxy (its `x-quire-node` header). */
  const nodeFor = async (document: string) => (await fetch(`${cluster.haproxy.httpUrl}/api/docs/${document}`)).headers.get('x-quire-node');

  it('[PG8] a node added and removed under load: only the documents hashing to it move, and nothing acknowledged is lost', async () => {
    const documents = Array.from({ length: 4 }, (_, i) => `membership-${i}`);
    const probes = Array.from({ length: 40 }, (_, i) => `hash-probe-${i}`);
    const load = await TypingLoad.start({ wsUrl: cluster.haproxy.wsUrl, secret: cluster.secret, documents, intervalMs: 100 });
    try {
      load.type();
      // Every running node in the rotation (one paused or restarted before comes back after two checks).
      await waitFor(async () => new Set(await Promise.all(probes.map(nodeFor))).size === 3, { message: 'HAProxy to send documents to all three nodes' });
      const before = new Map(await Promise.all(probes.map(async (probe) => [probe, await nodeFor(probe)] as const)));

      await cluster.startNode(3);
      await waitFor(async () => (await Promise.all(probes.map(nodeFor))).includes('node4'), { message: 'HAProxy to send documents to the new node' });
      const added = new Map(await Promise.all(probes.map(async (probe) => [probe, await nodeFor(probe)] as const)));
      const moved = probes.filter((probe) => added.get(probe) !== before.get(probe));
      expect(moved.length).toBeGreaterThan(0);
      const between = moved.filter((probe) => added.get(probe) !== 'node4').map((probe) => `${probe}: ${before.get(probe)} → ${added.get(probe)}`);
      expect(between, 'documents moved between the old nodes').toEqual([]);
      const acknowledgedWithFour = load.acknowledgedCount;
      await waitFor(() => load.acknowledgedCount > acknowledgedWithFour + 50, { message: 'typing to go on with four nodes' });

      await cluster.stopNode(3, 'SIGTERM');
      await waitFor(async () => !(await Promise.all(probes.map(nodeFor))).includes('node4'), { message: 'HAProxy to take the node out' });
      // Every document goes back to the node it had: polled, since a busy node that misses a
      // health check leaves the rotation for two checks (its documents then move, and come back).
      const astray = async () => {
        const removed = await Promise.all(probes.map(nodeFor));
        return probes.filter((probe, i) => removed[i] !== before.get(probe));
      };
      await waitFor(async () => (await astray()).length === 0, { message: 'every document back on its node', timeoutMs: 30_000, intervalMs: 250 });
      const acknowledgedWithThree = load.acknowledgedCount;
      await waitFor(() => load.acknowledgedCount > acknowledgedWithThree + 50, { message: 'typing to go on with three nodes' });

      load.pause();
      await load.converged();
      const stored = await storedItems(cluster.postgres.url, documents);
      expect(lostItems(load.acknowledged, stored), 'acknowledged but not stored').toEqual([]);
    } finally {
      load.destroy();
    }
  }, 180_000);
});
