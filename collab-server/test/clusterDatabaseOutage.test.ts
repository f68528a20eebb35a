import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LocalCluster, startLocalCluster } from '../../cluster/localCluster';
import { CloseCodes } from '../../shared/closeCodes';
import { mintToken } from '../../shared/token';
import { hocuspocusClient } from '../../testing/clients';
import { ITEMS, lostItems, storedItems, TypingLoad } from '../../testing/clusterTyping';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { waitFor } from '../../testing/waitFor';

/**
 * The cluster's database goes away under load (SPEC.md [PG12]): PostgreSQL is stopped (fast and
 * immediate shutdown) while clients of both protocols type through HAProxy into documents served
 * by two nodes, then started again. Nothing may be acknowledged that is not stored, no node may
 * exit, each node reports not-ready while the database is away and ready after, the clients
 * converge, and everything acknowledged is read back through a node that was not running before.
 * One cluster for the file; its third slot is the fresh node.
 */

const LEASE_TTL_MS = 3000;

let cluster: LocalCluster;

beforeAll(async () => {
  cluster = await startLocalCluster({
    nodes: 2,
    slots: 3,
    checkIntervalMs: 500,
    checkTimeoutMs: 4000,
    env: { LEASE_TTL_MS: String(LEASE_TTL_MS), LEASE_RENEW_MS: '500', COMPACT_LOG_ENTRIES: '25' },
  });
}, 120_000);

afterEach((context) => {
  if (context.task.result?.state === 'fail' && cluster) console.log(cluster.lastWarnings());
});

afterAll(async () => {
  await cluster?.stop();
}, 60_000);

/** The HTTP status of each running node's `/readyz` (0 when it does not answer within 2 s). */
async function readiness(): Promise<number[]> {
  const nodes = cluster.nodes.filter((node) => node !== null);
  return Promise.all(
    nodes.map((node) =>
      fetch(`${node.httpUrl}/readyz`, { signal: AbortSignal.timeout(2000) }).then(
        (response) => response.status,
        () => 0,
      ),
    ),
  );
}

/** Waits until every running node's `/readyz` answers `status`; the error says what they answered last. */
async function waitForReadiness(status: number, what: string, timeoutMs = 10_000): Promise<void> {
  let last: number[] = [];
  await waitFor(
    async () => {
      last = await readiness();
      return last.every((answer) => answer === status);
    },
    { message: what, timeoutMs },
  ).catch((error: Error) => {
    throw new Error(`${error.message}; /readyz answered ${last.join(', ')}; nodes exited: ${exitedNodes().join(', ') || 'none'}`);
  });
}

/** Leases lost so far, summed over the running nodes (`/metrics`). */
async function leasesLost(): Promise<number> {
  const nodes = cluster.nodes.filter((node) => node !== null);
  const counts = await Promise.all(nodes.map(async (node) => metric(await scrapeMetrics(node.httpUrl), 'collab_cluster_leases_lost_total')));
  return counts.reduce((sum, count) => sum + count, 0);
}

/** Nodes of the first two slots that exited (a node must survive its database going away). */
function exitedNodes(): string[] {
  return [0, 1].flatMap((index) => {
    const node = cluster.nodes[index];
    return node && node.child.exitCode === null && node.child.signalCode === null ? [] : [`node${index + 1}`];
  });
}

/** The number at the end of an item's name (`…#n`): items are numbered in the order they were pushed. */
const serialOf = (item: string) => Number(item.slice(item.lastIndexOf('#') + 1));

/**
 * Watches `load` for acknowledgements received while the database is down that cover an item
 * pushed after it went down: such an item cannot have been stored, so acknowledging it is a lie.
 */
function watchOutage(load: TypingLoad) {
  const outage = { pushedFrom: Number.POSITIVE_INFINITY, down: false };
  const lies: string[] = [];
  load.onAck = (document, items, typist) => {
    if (!outage.down) return;
    for (const item of items) if (serialOf(item) >= outage.pushedFrom) lies.push(`${typist} (${document}): ${item}`);
  };
  return {
    lies,
    /** PostgreSQL has exited: items pushed from now on cannot be stored until it is started again. */
    down: () => {
      outage.pushedFrom = load.typedCount;
      outage.down = true;
    },
    /** PostgreSQL is about to be started: from now on, anything may be stored. */
    up: () => {
      outage.down = false;
    },
    /** True once every document has an item pushed during the outage acknowledged. */
    resumed: (documents: readonly string[]) =>
      documents.every((document) => [...(load.acknowledged.get(document) ?? [])].some((item) => serialOf(item) >= outage.pushedFrom)),
  };
}

/** Reads each document through a node started after everything else stopped: what it serves is what is stored. */
async function readThroughFreshNode(documents: readonly string[]): Promise<Map<string, Set<string>>> {
  // The nodes that served the documents stop (giving their leases back), so the fresh one takes them.
  await cluster.stopNode(0, 'SIGTERM');
  await cluster.stopNode(1, 'SIGTERM');
  const fresh = await cluster.startNode(2);
  const read = new Map<string, Set<string>>();
  for (const document of documents) {
    const token = await mintToken(cluster.secret, { sub: 'reader', name: 'Reader', doc: document, role: 'viewer' });
    const reader = hocuspocusClient(`ws://127.0.0.1:${fresh.port}/collab/${document}`, document, token);
    try {
      await reader.synced();
      read.set(document, new Set(reader.doc.getArray<string>(ITEMS).toArray()));
    } finally {
      reader.destroy();
    }
  }
  return read;
}

describe('the database goes away under load', () => {
  it('[PG12] PostgreSQL away for three lease TTLs: every editor is closed with document-moved once the leases expired, nothing is acknowledged, the nodes stay up and not ready; once it is back, everything typed is stored', async () => {
    const documents = Array.from({ length: 3 }, (_, i) => `away-${i}`);
    const load = await TypingLoad.start({ wsUrl: cluster.haproxy.wsUrl, secret: cluster.secret, documents, intervalMs: 100 });
    const outage = watchOutage(load);
    const editors = load.typists.map((typist) => typist.name).filter((name) => !name.endsWith('/y'));
    try {
      load.type();
      await waitFor(() => load.acknowledgedCount > 40, { message: 'acknowledged typing before the shutdown', timeoutMs: 30_000 });
      const closedBefore = load.closes.length;
      const lostBefore = await leasesLost();
      await cluster.postgres.stop('immediate');
      outage.down();
      const downAt = Date.now();
      // Past the lease TTL the nodes no longer serve the documents: each editor's socket is closed
      // (on the owner, or on the node relaying it) with document-moved, which the clients retry.
      const firstClose = (editor: string) => load.closes.slice(closedBefore).find((close) => close.startsWith(`${editor}: `));
      await waitFor(() => editors.every(firstClose), { message: 'every editor to be closed', timeoutMs: LEASE_TTL_MS + 15_000 });
      expect(editors.map((editor) => firstClose(editor))).toEqual(editors.map((editor) => `${editor}: 4501 ${CloseCodes.DocumentMoved.reason}`));
      // Each document's lease was lost by the node serving it, and /metrics counts it.
      expect(await leasesLost()).toBeGreaterThanOrEqual(lostBefore + documents.length);
      // The nodes stay up, and not ready, for as long as the database is away.
      while (Date.now() - downAt < 3 * LEASE_TTL_MS) {
        expect(exitedNodes(), 'nodes that exited while PostgreSQL was away').toEqual([]);
        expect(await readiness(), '/readyz of each node while PostgreSQL is away').toEqual([503, 503]);
        await new Promise((resolve) => setTimeout(resolve, 250));
      }
      outage.up();
      await cluster.postgres.start();
      await waitForReadiness(200, 'both nodes to report ready again', 30_000);
      await waitFor(() => outage.resumed(documents), { message: 'what was typed while PostgreSQL was away to be acknowledged', timeoutMs: 60_000 });
      expect(outage.lies, 'acknowledged while PostgreSQL was away').toEqual([]);
      load.pause();
      await load.converged();
      const stored = await storedItems(cluster.postgres.url, documents);
      expect(lostItems(load.acknowledged, stored), 'acknowledged but not stored').toEqual([]);
      // What every client holds but no acknowledgement vouched for (a y-websocket client's typing)
      // is stored once the node's write retries, which back off while the database was away.
      const unstored = async () => {
        const now = await storedItems(cluster.postgres.url, documents);
        return documents.flatMap((document) => [...load.itemsOf(document)].filter((item) => !now.get(document)?.has(item)));
      };
      await waitFor(async () => (await unstored()).length === 0, {
        message: 'everything the clients hold to be stored',
        timeoutMs: 60_000,
        intervalMs: 500,
      }).catch(async (error: Error) => {
        throw new Error(`${error.message}: ${(await unstored()).join(', ')}`);
      });
    } finally {
      load.destroy();
    }
  }, 180_000);

  it('[PG12] PostgreSQL stopped (fast, then immediate) and started again while clients type on two nodes: nothing unstored is acknowledged, no node exits, /readyz fails meanwhile, clients converge, everything acknowledged is read back through a fresh node', async () => {
    const documents = Array.from({ length: 4 }, (_, i) => `outage-${i}`);
    const load = await TypingLoad.start({ wsUrl: cluster.haproxy.wsUrl, secret: cluster.secret, documents, intervalMs: 100 });
    const outage = watchOutage(load);
    try {
      load.type();
      for (const mode of ['fast', 'immediate'] as const) {
        const before = load.acknowledgedCount;
        await waitFor(() => load.acknowledgedCount > before + 40, { message: `acknowledged typing before the ${mode} shutdown`, timeoutMs: 30_000 });
        await cluster.postgres.stop(mode);
        outage.down();
        await waitForReadiness(503, `both nodes to report not-ready (${mode})`);
        // Typing goes on while the database is away (its items cannot be stored until it is back).
        const typed = load.typedCount;
        await waitFor(() => load.typedCount > typed + 24, { message: 'typing during the outage' });
        expect(exitedNodes(), `nodes that exited while PostgreSQL was down (${mode})`).toEqual([]);
        // From here on an item may be stored (and acknowledged) as soon as PostgreSQL accepts connections.
        outage.up();
        await cluster.postgres.start();
        await waitForReadiness(200, `both nodes to report ready again (${mode})`, 30_000);
        await waitFor(() => outage.resumed(documents), { message: `what was typed during the outage to be acknowledged (${mode})`, timeoutMs: 60_000 });
        expect(outage.lies, `acknowledged while PostgreSQL was down (${mode})`).toEqual([]);
      }
      load.pause();
      await load.converged();
      expect(exitedNodes()).toEqual([]);
      const stored = await storedItems(cluster.postgres.url, documents);
      expect(lostItems(load.acknowledged, stored), 'acknowledged but not stored').toEqual([]);
      const read = await readThroughFreshNode(documents);
      expect(lostItems(load.acknowledged, read), 'acknowledged but not served by a fresh node').toEqual([]);
      for (const document of documents) expect([...load.itemsOf(document)].filter((item) => !read.get(document)?.has(item))).toEqual([]);
    } finally {
      load.destroy();
    }
  }, 240_000);
});
