import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { exampleHaproxyConfig } from '../../cluster/haproxyConfig';
import { CloseCodes } from '../../shared/closeCodes';
import { BODY_FIELD } from '../../shared/documentFields';
import { mintToken } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { type HocuspocusClient, hocuspocusClient, textOf, type YWebsocketClient, yWebsocketClient } from '../../testing/clients';
import { type HaproxyServer, startHaproxy } from '../../testing/haproxy';
import { type PostgresServer, startPostgres } from '../../testing/postgres';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { RELAY_HEADER, relayCredential } from '../cluster/relayCredential';
import { readLinks } from '../links/linkRecord';

/**
 * Two nodes on one PostgreSQL, in this process, behind a real HAProxy with the shipped
 * configuration (SPEC.md [PG8]–[PG9]): any node accepts any client and serves it from the
 * document's owner, presence and the content API work across nodes, and deletions and link resets
 * made on one node reach the editors on the other.
 */

let postgres: PostgresServer;
let nodeA: TestServer;
let nodeB: TestServer;
let haproxy: HaproxyServer;
const clients: Array<HocuspocusClient | YWebsocketClient> = [];

beforeAll(async () => {
  postgres = await startPostgres();
  const node = (nodeId: string) => startTestServer({ config: { databaseUrl: postgres.url, nodeId, leaseTtlMs: 3000, leaseRenewMs: 500, logLevel: 'silent' } });
  nodeA = await node('node-a');
  nodeB = await node('node-b');
  haproxy = await startHaproxy([nodeA.port, nodeB.port], { checkIntervalMs: 250 });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.destroy();
  await haproxy?.stop();
  await nodeA?.stop({ removeData: true });
  await nodeB?.stop({ removeData: true });
  await postgres?.destroy();
}, 60_000);

const editorToken = (doc: string, sub = 'editor') => mintToken(TEST_SECRET, { sub, name: sub, doc, role: 'editor' });

/** A Hocuspocus client of `node` (or of the Hocuspocus endpoint at `url`), synced. */
async function editor(node: TestServer | null, name: string, sub = 'editor', url = node?.hocuspocusUrl ?? ''): Promise<HocuspocusClient> {
  const client = hocuspocusClient(url, name, await editorToken(name, sub));
  clients.push(client);
  await client.synced();
  return client;
}

/** A y-websocket client of the endpoint at `url` (`…/y`), synced. */
async function plainEditor(url: string, name: string, sub: string): Promise<YWebsocketClient> {
  const client = yWebsocketClient(url, name, await editorToken(name, sub));
  clients.push(client);
  await client.synced();
  return client;
}

/** The close reasons `client` was told for its document (on `/collab` a document closes alone, the socket staying open). */
function documentCloses(client: HocuspocusClient): string[] {
  const reasons: string[] = [];
  client.provider.on('close', ({ event }: { event: { reason: string } }) => reasons.push(event.reason));
  return reasons;
}

/** Which node HAProxy sends requests for `document` to (the node id it answers with). */
async function hashedNode(document: string): Promise<TestServer> {
  const answered = (await fetch(`${haproxy.httpUrl}/api/docs/${encodeURIComponent(document)}`)).headers.get('x-quire-node');
  const node = [nodeA, nodeB].find((candidate) => candidate.server.cluster?.nodeId === answered);
  if (!node) throw new Error(`HAProxy's answer for ${document} names no node (x-quire-node: ${answered})`);
  return node;
}

const relays = async (node: TestServer, kind: 'frames' | 'upgrade' | 'change') =>
  metric(await scrapeMetrics(node.httpUrl), `collab_cluster_relayed_connections_total{kind="${kind}"}`);

const items = (doc: Y.Doc) => doc.getArray<string>('items');

describe('any node accepts any client', () => {
  it('[PG8] through HAProxy, both protocols reach the node the document hashes to, which serves it unrelayed; /collab without a name is relayed there', async () => {
    const name = 'through-haproxy';
    const hashed = await hashedNode(name);
    const other = hashed === nodeA ? nodeB : nodeA;
    const relayedBefore = { upgrade: await relays(hashed, 'upgrade'), frames: await relays(hashed, 'frames') };
    const byPath = await editor(null, name, 'ada', `${haproxy.wsUrl}/collab/${name}`);
    const plain = await plainEditor(`${haproxy.wsUrl}/y`, name, 'bob');
    // `/collab` has no document in its path: HAProxy sends it round robin, to either node.
    const roundRobin = await Promise.all([1, 2].map((i) => editor(null, name, `cy${i}`, `${haproxy.wsUrl}/collab`)));
    // (A client may sync from the stored state before the server finished loading: wait for the load.)
    await waitFor(() => hashed.server.hocuspocus.documents.has(name), { message: 'the node the document hashes to to serve it' });
    expect(other.server.hocuspocus.documents.has(name), 'the other node never loads it').toBe(false);

    items(byPath.doc).push(['path']);
    items(plain.doc).push(['plain']);
    for (const [i, client] of roundRobin.entries()) items(client.doc).push([`rr${i}`]);
    await Promise.all([byPath.saved(), ...roundRobin.map((client) => client.saved())]);
    for (const client of [byPath, plain, ...roundRobin]) {
      await waitFor(() => items(client.doc).length === 4, { message: 'every client to hold every item' });
    }
    // The connections naming the document arrived where it is served: nothing was relayed by that node.
    expect(await relays(hashed, 'upgrade')).toBe(relayedBefore.upgrade);
    expect(await relays(hashed, 'frames')).toBe(relayedBefore.frames);
    const stored = await hashed.server.store.load(name);
    const copy = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(copy, update);
    expect(items(copy).toArray().sort()).toEqual(['path', 'plain', 'rr0', 'rr1']);
  });

  it('[PG8] editors of both protocols connected straight to both nodes edit one document, served by one node; presence crosses nodes', async () => {
    const name = 'shared-doc';
    const onA = await editor(nodeA, name, 'ada');
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    const framesBefore = await relays(nodeB, 'frames');
    const upgradesBefore = await relays(nodeB, 'upgrade');
    const onB = await editor(nodeB, name, 'bob');
    const onBPath = await editor(nodeB, name, 'cy', `${nodeB.hocuspocusUrl}/${name}`);
    const plain = await plainEditor(nodeB.yWebsocketUrl, name, 'dee');
    expect(nodeB.server.hocuspocus.documents.has(name)).toBe(false);

    items(onA.doc).push(['a']);
    items(onB.doc).push(['b']);
    items(onBPath.doc).push(['c']);
    items(plain.doc).push(['d']);
    await Promise.all([onA.saved(), onB.saved(), onBPath.saved()]);
    for (const client of [onA, onB, onBPath, plain]) {
      await waitFor(() => items(client.doc).length === 4, { message: 'every client to hold every item' });
    }
    // Presence: everyone sees everyone, whichever node they connected to, both ways.
    onB.provider.setAwarenessField('cursor', { at: 1 });
    onA.provider.setAwarenessField('cursor', { at: 2 });
    const sees = (client: HocuspocusClient, user: string) =>
      [...(client.provider.awareness?.getStates().values() ?? [])].some((state) => state.user?.name === user && state.cursor);
    await waitFor(() => sees(onA, 'bob'), { message: 'the editor on node A to see the cursor of the editor on node B' });
    await waitFor(() => sees(onB, 'ada') && sees(onBPath, 'ada'), { message: 'the editors on node B to see the cursor of the editor on node A' });
    await waitFor(() => [...plain.provider.awareness.getStates().values()].some((state) => state.user?.name === 'ada' && state.cursor), {
      message: 'the y-websocket editor on node B to see the cursor of the editor on node A',
    });
    expect(await relays(nodeB, 'frames')).toBeGreaterThanOrEqual(framesBefore + 2);
    expect(await relays(nodeB, 'upgrade')).toBeGreaterThanOrEqual(upgradesBefore + 1);
    expect(metric(await scrapeMetrics(nodeA.httpUrl), 'collab_cluster_leases_held')).toBeGreaterThanOrEqual(1);
  });

  it('[PG8] a forged relay credential is not believed: the socket is routed and judged by its own token, as any other', async () => {
    const name = 'forged-relay';
    await editor(nodeA, name, 'ada');
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    // Signed with another secret, claiming to come from a node of the cluster and another address.
    const forged = await relayCredential('not-the-cluster-secret-but-long-enough!!', { node: 'node-a', clientAddress: '203.0.113.9' });
    // Believed, node B would serve the socket as relayed to it and refuse a document it does not
    // serve (document-moved) instead of relaying it to node A.
    const withToken = hocuspocusClient(nodeB.hocuspocusUrl, name, await editorToken(name, 'eve'), { headers: { [RELAY_HEADER]: forged } });
    clients.push(withToken);
    await withToken.synced();
    expect(withToken.closes.map((close) => close.reason)).not.toContain(CloseCodes.DocumentMoved.reason);
    // And a forged credential opens nothing without a valid token.
    const withoutToken = hocuspocusClient(nodeB.hocuspocusUrl, name, 'not-a-token', { headers: { [RELAY_HEADER]: forged } });
    clients.push(withoutToken);
    await waitFor(() => withoutToken.refusals.length > 0, { message: 'the invalid token to be refused' });
    expect(withoutToken.refusals).toContain(CloseCodes.Unauthorized.reason);
  });
});

describe('server-side changes and events across nodes', () => {
  it('[PG8] the content API on a node that does not serve the document changes it on its owner, durably', async () => {
    const name = 'api-across';
    const admin = await mintToken(TEST_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
    expect((await apiRequest(nodeA.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, content: 'First.', format: 'markdown' } })).status).toBe(201);
    const onA = await editor(nodeA, name);
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    expect(nodeB.server.hocuspocus.documents.has(name)).toBe(false);
    const appended = await apiRequest(nodeB.httpUrl, 'POST', `/api/docs/${name}/content`, {
      token: admin,
      body: { content: 'From node B.', format: 'markdown' },
    });
    expect(appended.status).toBe(200);
    await waitFor(() => textOf(onA.doc).includes('From node B.'), { message: 'the editor on the owner to receive the change' });
    expect(metric(await scrapeMetrics(nodeB.httpUrl), 'collab_cluster_relayed_connections_total{kind="change"}')).toBeGreaterThanOrEqual(1);
    // Durable when answered: read back from the database through the other node.
    const read = await apiRequest(nodeB.httpUrl, 'GET', `/api/docs/${name}/content?format=markdown`, { token: admin });
    expect(read.text).toContain('From node B.');
    expect(onA.doc.getXmlFragment(BODY_FIELD).length).toBe(2);
  });

  it('[PG9] a document deleted through one node closes its editors on the other with document-deleted', async () => {
    const name = 'delete-across';
    const onA = await editor(nodeA, name);
    const closed = documentCloses(onA);
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    const admin = await mintToken(TEST_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
    expect((await apiRequest(nodeB.httpUrl, 'DELETE', `/api/docs/${name}`, { token: admin })).status).toBe(204);
    await waitFor(() => closed.includes(CloseCodes.DocumentDeleted.reason), { message: 'the editor on node A to be told the document was deleted' });
  });

  it('[PG9] a share link reset through one node ends the sessions opened through it on the other', async () => {
    const name = 'reset-across';
    const admin = await mintToken(TEST_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
    expect((await apiRequest(nodeA.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, links: true } })).status).toBe(201);
    const meta = await nodeA.server.store.getMeta(name);
    const record = meta && readLinks(meta).edit;
    if (!record) throw new Error('the document has no edit link');
    const linkToken = await mintToken(TEST_SECRET, {
      sub: 'visitor',
      name: 'Visitor',
      doc: name,
      role: 'editor',
      link: { kind: 'edit', generation: record.generation, id: record.id },
    });
    const visitor = hocuspocusClient(nodeA.hocuspocusUrl, name, linkToken);
    clients.push(visitor);
    const closed = documentCloses(visitor);
    await visitor.synced();
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    expect((await apiRequest(nodeB.httpUrl, 'POST', `/api/docs/${name}/links/edit/reset`, { token: admin })).status).toBe(200);
    await waitFor(() => closed.includes(CloseCodes.AccessRevoked.reason) || visitor.refusals.includes(CloseCodes.AccessRevoked.reason), {
      message: 'the session on node A to end with access-revoked',
    });
  });

  it('[PG9] a link turned off or given an earlier expiry through one node ends or renews its sessions on the other; the audit log is one for both', async () => {
    const name = 'switch-across';
    const admin = await mintToken(TEST_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
    expect((await apiRequest(nodeA.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, links: true } })).status).toBe(201);
    const meta = await nodeA.server.store.getMeta(name);
    const links = meta ? readLinks(meta) : {};
    const session = async (kind: 'view' | 'comment', role: 'viewer' | 'commenter') => {
      const record = links[kind];
      if (!record) throw new Error(`the document has no ${kind} link`);
      const token = await mintToken(TEST_SECRET, {
        sub: `visitor-${kind}`,
        name: 'Visitor',
        doc: name,
        role,
        link: { kind, generation: record.generation, id: record.id },
      });
      const client = hocuspocusClient(nodeA.hocuspocusUrl, name, token);
      clients.push(client);
      await client.synced();
      return documentCloses(client);
    };
    const viewCloses = await session('view', 'viewer');
    const commentCloses = await session('comment', 'commenter');
    await waitFor(() => nodeA.server.hocuspocus.documents.has(name), { message: 'node A to load the document' });
    expect((await apiRequest(nodeB.httpUrl, 'DELETE', `/api/docs/${name}/links/view`, { token: admin })).status).toBe(204);
    await waitFor(() => viewCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the view session on node A to end' });
    const soon = new Date(Date.now() + 60_000).toISOString();
    expect((await apiRequest(nodeB.httpUrl, 'PATCH', `/api/docs/${name}/links/comment`, { token: admin, body: { expiresAt: soon } })).status).toBe(200);
    await waitFor(() => commentCloses.includes(CloseCodes.TokenExpired.reason), { message: 'the comment session on node A to be asked to renew' });
    const audit = await apiRequest(nodeA.httpUrl, 'GET', `/api/docs/${name}/audit`, { token: admin });
    expect((audit.json.entries as { action: string }[]).map((entry) => entry.action)).toEqual(['link-expiry', 'link-off', 'opened', 'opened']);
  });
});

describe('shipped configuration', () => {
  it('cluster/haproxy.cfg is what cluster/haproxyConfig.ts generates (run `npx tsx cluster/haproxyConfig.ts`)', () => {
    expect(readFileSync(new URL('../../cluster/haproxy.cfg', import.meta.url), 'utf8')).toBe(exampleHaproxyConfig());
  });
});
