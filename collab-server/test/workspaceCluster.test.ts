import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { hocuspocusClient } from '../../testing/clients';
import { OidcBrowser } from '../../testing/oidcBrowser';
import { emailOf, startTestIssuer, type TestIssuer } from '../../testing/oidcIssuer';
import { freePort, type PostgresServer, startPostgres } from '../../testing/postgres';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { listenerName } from '../cluster/ClusterEvents';
import { SESSION_COOKIE } from '../workspace/Sessions';

/**
 * Workspace mode on a cluster: two nodes on one PostgreSQL share people, sessions and access, and
 * removing someone on one node closes their session on the node that serves the document, also
 * when that node's event connection was down at the time; a sign-in may start on one node and
 * finish on another.
 */

let postgres: PostgresServer;
let issuer: TestIssuer;
let nodeA: TestServer;
let nodeB: TestServer;
let publicUrl: string;

beforeAll(async () => {
  postgres = await startPostgres();
  const port = await freePort();
  publicUrl = `http://127.0.0.1:${port}`;
  issuer = await startTestIssuer({ redirectUri: `${publicUrl}/api/auth/callback` });
  const config = (nodeId: string) => ({
    databaseUrl: postgres.url,
    nodeId,
    leaseTtlMs: 3000,
    leaseRenewMs: 500,
    publicUrl,
    oidcIssuer: issuer.url,
    oidcClientId: issuer.clientId,
    oidcClientSecret: issuer.clientSecret,
  });
  nodeA = await startTestServer({ port, config: config('node-a') });
  nodeB = await startTestServer({ config: config('node-b') });
}, 60_000);

afterAll(async () => {
  await nodeA?.stop({ removeData: true });
  await nodeB?.stop({ removeData: true });
  await issuer?.stop();
  await postgres?.destroy();
}, 60_000);

it('[WS15] a session made on one node holds on the other; a removal on either node closes the session where the document is served', async () => {
  const ada = new OidcBrowser(publicUrl);
  await ada.signIn('ada');
  const bob = new OidcBrowser(publicUrl);
  await bob.signIn('bob');
  const created = await ada.call('POST', '/api/app/documents', { title: 'Across nodes' });
  expect(created.status).toBe(201);
  const name = created.data.name as string;
  await ada.call('POST', `/api/workspace/documents/${name}/people`, { email: emailOf('bob'), role: 'editor' });

  // Bob's session, made on node A, opens the document on node B.
  const onB = new OidcBrowser(nodeB.httpUrl);
  for (const [cookie, value] of bob.cookies) onB.cookies.set(cookie, value);
  const session = await onB.call('POST', `/api/workspace/documents/${name}/session`, undefined, publicUrl);
  expect(session.status).toBe(200);
  const client = hocuspocusClient(nodeB.hocuspocusUrl, name, session.data.token as string);
  const closes: string[] = [];
  client.provider.on('close', ({ event }: { event: { reason: string } }) => closes.push(event.reason));
  try {
    await client.synced();
    // Ada removes him through the node that does not serve the document.
    const serving = nodeA.server.cluster?.fence(name) != null ? nodeA : nodeB;
    const other = serving === nodeA ? nodeB : nodeA;
    const adaElsewhere = new OidcBrowser(other.httpUrl);
    for (const [cookie, value] of ada.cookies) adaElsewhere.cookies.set(cookie, value);
    const removed = await adaElsewhere.call('DELETE', `/api/workspace/documents/${name}/people/oidc:bob`, undefined, publicUrl);
    expect(removed.status).toBe(200);
    await waitFor(() => closes.includes(CloseCodes.AccessRevoked.reason), { message: "Bob's session on the serving node to close", timeoutMs: 5000 });
  } finally {
    client.destroy();
  }
});

it('[WS17] a sign-in started on one node is finished by another', async () => {
  // The browser is sent to the provider by node B; the provider answers at PUBLIC_URL, node A.
  const browser = new OidcBrowser(publicUrl);
  const callback = await browser.untilCallback('cleo', '/d/somewhere', nodeB.httpUrl);
  expect(callback.startsWith(`${publicUrl}/api/auth/callback`)).toBe(true);
  const answer = await browser.request(callback);
  expect(answer.status, await answer.clone().text()).toBe(303);
  expect(answer.headers.get('location')).toBe('/d/somewhere');
  expect(browser.cookies.has(SESSION_COOKIE)).toBe(true);
  const me = await browser.call('GET', '/api/auth/me');
  expect(me.data).toMatchObject({ mode: 'workspace', user: { id: 'oidc:cleo' } });
});

it('[WS18] a removal and a link turned off while the serving node was not listening end their sessions there once it listens again', async () => {
  const ada = new OidcBrowser(publicUrl);
  await ada.signIn('ada');
  const dan = new OidcBrowser(publicUrl);
  await dan.signIn('dan');
  const created = await ada.call('POST', '/api/app/documents', { title: 'Missed news' });
  expect(created.status).toBe(201);
  const name = created.data.name as string;
  const secrets = Object.fromEntries((created.data.links as Array<{ kind: string; secret: string }>).map((link) => [link.kind, link.secret]));
  await ada.call('POST', `/api/workspace/documents/${name}/people`, { email: emailOf('dan'), role: 'editor' });

  const member = await dan.call('POST', `/api/workspace/documents/${name}/session`);
  expect(member.status).toBe(200);
  const stranger = new OidcBrowser(publicUrl);
  const viaLink = await stranger.call('POST', '/api/app/session', { name, key: secrets.view });
  expect(viaLink.status).toBe(200);
  const memberClient = hocuspocusClient(nodeA.hocuspocusUrl, name, member.data.token as string);
  const linkClient = hocuspocusClient(nodeA.hocuspocusUrl, name, viaLink.data.token as string);
  const memberCloses: string[] = [];
  const linkCloses: string[] = [];
  memberClient.provider.on('close', ({ event }: { event: { reason: string } }) => memberCloses.push(event.reason));
  linkClient.provider.on('close', ({ event }: { event: { reason: string } }) => linkCloses.push(event.reason));
  const database = new pg.Client({ connectionString: postgres.url });
  await database.connect();
  try {
    await memberClient.synced();
    await linkClient.synced();
    const serving = nodeA.server.cluster?.fence(name) != null ? nodeA : nodeB;
    const other = serving === nodeA ? nodeB : nodeA;
    const servingId = serving === nodeA ? 'node-a' : 'node-b';
    // The serving node's event connection goes down (its LISTEN backend is ended) ...
    const ended = await database.query('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE application_name = $1', [
      listenerName(servingId),
    ]);
    expect(ended.rows.map((row) => row.ended)).toEqual([true]);
    // ... and meanwhile, through the other node, Dan is removed and the view link turned off.
    const adaElsewhere = new OidcBrowser(other.httpUrl);
    for (const [cookie, value] of ada.cookies) adaElsewhere.cookies.set(cookie, value);
    const [removed, off] = await Promise.all([
      adaElsewhere.call('DELETE', `/api/workspace/documents/${name}/people/oidc:dan`, undefined, publicUrl),
      adaElsewhere.call('DELETE', `/api/app/documents/${name}/links/view`, { key: secrets.edit }),
    ]);
    expect(removed.status).toBe(200);
    expect(off.status, JSON.stringify(off.data)).toBe(200);
    // Both announcements went out while nobody on the serving node listened (it reconnects a second later).
    const listening = await database.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE application_name = $1', [listenerName(servingId)]);
    expect(listening.rows[0].n).toBe(0);
    await waitFor(() => memberCloses.includes(CloseCodes.AccessRevoked.reason), {
      message: "Dan's session to close once the node listens again",
      timeoutMs: 6000,
    });
    await waitFor(() => linkCloses.includes(CloseCodes.AccessRevoked.reason), {
      message: 'the view link session to close once the node listens again',
      timeoutMs: 6000,
    });
  } finally {
    memberClient.destroy();
    linkClient.destroy();
    await database.end();
  }
});
