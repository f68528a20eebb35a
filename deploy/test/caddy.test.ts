import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { clientAddressOf } from '../../collab-server/context';
import { HSTS } from '../../collab-server/http/securityHeaders';
import { type CaddyProxy, startCaddy } from '../../testing/caddyProxy';
import { makeCertificate, type TestCertificate } from '../../testing/certificate';
import { hocuspocusClient, textOf, webSocketWith, yWebsocketClient } from '../../testing/clients';
import { hpFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * The README's Caddy setup (deploy/caddy/Caddyfile), run by a real Caddy that terminates TLS with
 * a certificate made for this run, which the clients here trust alone. One server trusts Caddy's
 * address (TRUST_PROXY=127.0.0.1), one does not. Clients pose as different machines by connecting
 * from other loopback addresses (127.0.0.2 …); Caddy reaches the servers from 127.0.0.1.
 */

/**
 * How long a socket stays silent through Caddy. A few seconds in the suite; run the file with
 * CADDY_IDLE_MS=59000 to hold it just short of the server's default IDLE_TIMEOUT_MS (60 s).
 */
const IDLE_MS = Number(process.env.CADDY_IDLE_MS ?? 3000);

let certificate: TestCertificate;
let trusting: TestServer;
let distrusting: TestServer;
let caddy: CaddyProxy;
let untrustedCaddy: CaddyProxy;

beforeAll(async () => {
  certificate = await makeCertificate();
  trusting = await startTestServer({ config: { trustProxy: ['127.0.0.1'], idleTimeoutMs: Math.max(60_000, IDLE_MS + 10_000) } });
  distrusting = await startTestServer();
  caddy = await startCaddy(trusting.port, { tls: certificate });
  untrustedCaddy = await startCaddy(distrusting.port, { tls: certificate });
});

afterAll(async () => {
  await caddy?.stop();
  await untrustedCaddy?.stop();
  await trusting?.stop({ removeData: true });
  await distrusting?.stop({ removeData: true });
  await certificate?.remove();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An HTTP(S) request; over HTTPS the certificate is verified against the test's alone. */
function fetchFrom(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const outgoing = send(url, { method: options.method ?? 'GET', headers: options.headers, ca: certificate.cert }, (response) => {
      let body = '';
      response.on('data', (chunk) => {
        body += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body }));
    });
    outgoing.on('error', reject);
    outgoing.end(options.body);
  });
}

/** Adds a paragraph of `text` to the document's body. */
function write(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment('default').push([paragraph]);
}

/** The client addresses the server holds for the sockets open on `doc`, once there are `count` of them. */
async function addressesOn(server: TestServer, doc: string, count: number): Promise<string[]> {
  const addresses = () =>
    (server.server.hocuspocus.documents.get(doc)?.getConnections() ?? []).map((connection) => clientAddressOf(connection.context) ?? '?').sort();
  await waitFor(() => addresses().length === count, { message: `${count} connections on ${doc}` });
  return addresses();
}

/** A /collab socket through `proxy` from `from`, authenticated on `doc`. */
async function collabSocket(proxy: CaddyProxy, server: TestServer, from: string, doc: string, headers?: Record<string, string>): Promise<RawSocket> {
  const socket = await RawSocket.open(`${proxy.wsUrl}/collab`, { localAddress: from, headers, ca: certificate.cert, origin: proxy.httpUrl });
  socket.send(hpFrames.auth(doc, await server.token({ doc, sub: `user-${from}` })));
  expect(await socket.authResult(doc)).toBe('authenticated read-write');
  return socket;
}

describe('behind Caddy, as the README configures it', () => {
  it('[C1] plain HTTP is redirected to HTTPS; /healthz answers over HTTPS, with HSTS only when the server trusts Caddy', async () => {
    const redirected = await fetchFrom(`${caddy.redirectUrl}/healthz?x=1`);
    expect(redirected.status, caddy.output()).toBeGreaterThanOrEqual(301);
    expect(redirected.status).toBeLessThanOrEqual(308);
    // To the same host over HTTPS, on Caddy's HTTPS port: the default one (443), as in a deployment, is left out.
    expect(redirected.headers.location).toBe('https://127.0.0.1/healthz?x=1');

    const health = await fetchFrom(`${caddy.httpUrl}/healthz`);
    expect(health.status, caddy.output()).toBe(200);
    // X-Forwarded-Proto: https, believed from the trusted proxy.
    expect(health.headers['strict-transport-security']).toBe(HSTS);
    const untrusted = await fetchFrom(`${untrustedCaddy.httpUrl}/healthz`);
    expect(untrusted.status).toBe(200);
    expect(untrusted.headers['strict-transport-security']).toBeUndefined();
  });

  it('[C2] Hocuspocus clients on /collab over WSS sync each other, and what they wrote persists across a server restart', async () => {
    const token = await trusting.token({ doc: 'caddy-collab' });
    const alice = hocuspocusClient(`${caddy.wsUrl}/collab`, 'caddy-collab', token, { ca: certificate.cert });
    const bob = hocuspocusClient(`${caddy.wsUrl}/collab`, 'caddy-collab', token, { ca: certificate.cert });
    try {
      await Promise.all([alice.synced(), bob.synced()]);
      write(alice.doc, 'Alice through Caddy.');
      await waitFor(() => textOf(bob.doc).includes('Alice through Caddy.'), { message: "Bob to receive Alice's edit" });
      write(bob.doc, 'Bob too.');
      await Promise.all([alice.saved(), bob.saved()]);
    } finally {
      alice.destroy();
      bob.destroy();
    }
    await trusting.restart();
    const later = hocuspocusClient(`${caddy.wsUrl}/collab`, 'caddy-collab', token, { ca: certificate.cert });
    try {
      await later.synced();
      expect(textOf(later.doc)).toContain('Alice through Caddy.');
      expect(textOf(later.doc)).toContain('Bob too.');
    } finally {
      later.destroy();
    }
  });

  it('[C3] y-websocket clients on /y/<document> over WSS sync with Hocuspocus clients, and what they wrote persists', async () => {
    const token = await trusting.token({ doc: 'caddy-y' });
    const plain = yWebsocketClient(`${caddy.wsUrl}/y`, 'caddy-y', token, { WebSocketPolyfill: webSocketWith({ ca: certificate.cert }) });
    const editor = hocuspocusClient(`${caddy.wsUrl}/collab`, 'caddy-y', token, { ca: certificate.cert });
    try {
      await Promise.all([plain.synced(), editor.synced()]);
      write(plain.doc, 'Written over y-websocket.');
      await waitFor(() => textOf(editor.doc).includes('Written over y-websocket.'), { message: 'the editor to receive the y-websocket edit' });
      write(editor.doc, 'Answered over Hocuspocus.');
      await waitFor(() => textOf(plain.doc).includes('Answered over Hocuspocus.'), { message: 'the y-websocket client to receive the answer' });
      await editor.saved();
    } finally {
      plain.destroy();
      editor.destroy();
    }
    await trusting.restart();
    const later = yWebsocketClient(`${caddy.wsUrl}/y`, 'caddy-y', token, { WebSocketPolyfill: webSocketWith({ ca: certificate.cert }) });
    try {
      await later.synced();
      expect(textOf(later.doc)).toContain('Written over y-websocket.');
      expect(textOf(later.doc)).toContain('Answered over Hocuspocus.');
    } finally {
      later.destroy();
    }
  });

  it("[C4] the server sees each client's own address through Caddy only because TRUST_PROXY names Caddy; a forged X-Forwarded-For is ignored", async () => {
    const forged = { 'x-forwarded-for': '203.0.113.7' };
    const sockets = [
      await collabSocket(caddy, trusting, '127.0.0.2', 'caddy-addresses'),
      await collabSocket(caddy, trusting, '127.0.0.3', 'caddy-addresses', forged),
    ];
    // Straight to the server, the header proves nothing either.
    const direct = await RawSocket.open(`ws://127.0.0.1:${trusting.port}/collab`, { localAddress: '127.0.0.4', headers: forged });
    direct.send(hpFrames.auth('caddy-addresses', await trusting.token({ doc: 'caddy-addresses' })));
    expect(await direct.authResult('caddy-addresses')).toBe('authenticated read-write');
    sockets.push(direct);
    expect(await addressesOn(trusting, 'caddy-addresses', 3)).toEqual(['127.0.0.2', '127.0.0.3', '127.0.0.4']);

    // A server that does not trust Caddy sees Caddy's address for everyone, forged header or not.
    sockets.push(await collabSocket(untrustedCaddy, distrusting, '127.0.0.5', 'caddy-addresses'));
    sockets.push(await collabSocket(untrustedCaddy, distrusting, '127.0.0.6', 'caddy-addresses', forged));
    expect(await addressesOn(distrusting, 'caddy-addresses', 2)).toEqual(['127.0.0.1', '127.0.0.1']);
    for (const socket of sockets) socket.close();
    await Promise.all(sockets.map((socket) => socket.closed));
  });

  it('[C5] share links made through Caddy are addressed to it: Host and X-Forwarded-Host pass on with the port, and -Proto is believed from it alone', async () => {
    /** The URLs of the share links a document made through `proxy` gets. */
    const linksVia = async (proxy: CaddyProxy, server: TestServer, name: string) => {
      // The document is made by connecting to it.
      const socket = await collabSocket(proxy, server, '127.0.0.8', name);
      socket.close();
      const admin = await server.token({ doc: name, role: 'admin', sub: 'backend' });
      const made = await fetchFrom(`${proxy.httpUrl}/api/docs/${name}/links`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(made.status, made.body).toBe(201);
      const urls = Object.values(JSON.parse(made.body) as Record<string, unknown>).filter((value): value is string => typeof value === 'string');
      expect(urls.length).toBeGreaterThan(0);
      return urls;
    };
    // Origins only: the rest of a link holds its secret.
    for (const url of await linksVia(caddy, trusting, 'caddy-links')) expect(new URL(url).origin).toBe(caddy.httpUrl);
    // The server that does not trust Caddy addresses them with the Host it was sent and the scheme it was reached by.
    for (const url of await linksVia(untrustedCaddy, distrusting, 'caddy-links')) expect(new URL(url).origin).toBe(`http://127.0.0.1:${untrustedCaddy.port}`);
  });

  it(
    `[C6] an authenticated socket silent for ${IDLE_MS} ms is not cut by Caddy, and carries edits afterwards`,
    async () => {
      const socket = await collabSocket(caddy, trusting, '127.0.0.7', 'caddy-idle');
      const started = Date.now();
      const closedEarly = await Promise.race([socket.closed, new Promise<null>((resolve) => setTimeout(() => resolve(null), IDLE_MS))]);
      expect(closedEarly, `closed after ${Date.now() - started} ms of silence\n${caddy.output()}`).toBeNull();
      const token = await trusting.token({ doc: 'caddy-idle' });
      const writer = hocuspocusClient(`${caddy.wsUrl}/collab`, 'caddy-idle', token, { ca: certificate.cert });
      try {
        await writer.synced();
        const before = socket.received.length;
        write(writer.doc, 'After the silence.');
        await waitFor(() => socket.received.length > before, { message: 'the silent socket to receive the edit' });
      } finally {
        writer.destroy();
        socket.close();
      }
    },
    IDLE_MS + 20_000,
  );
});
