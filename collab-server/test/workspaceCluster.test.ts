import { afterAll, beforeAll, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { hocuspocusClient } from '../../testing/clients';
import { OidcBrowser } from '../../testing/oidcBrowser';
import { emailOf, startTestIssuer, type TestIssuer } from '../../testing/oidcIssuer';
import { freePort, type PostgresServer, startPostgres } from '../../testing/postgres';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Workspace mode on a cluster: two nodes on one PostgreSQL share people, sessions and access, and
 * removing someone on one node closes their session on the node that serves the document.
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
