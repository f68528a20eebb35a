import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { type NginxProxy, startNginx } from '../../testing/nginxProxy';
import { FrameType, hpFrames, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Limits by client address and by user, behind a real reverse proxy (nginx, configured as the
 * README says) that the server trusts (TRUST_PROXY=127.0.0.1): the client address is what nginx
 * saw, so many users behind the proxy are not limited together; a forwarding header from anyone
 * else is ignored; one user holding connections, connection churn, document creation and API
 * requests are each limited per user or per real address. Clients pose as different machines by
 * connecting from different loopback addresses (127.0.0.2 …); nginx reaches the server from
 * 127.0.0.1.
 */

const LIMITS = {
  trustProxy: ['127.0.0.1'],
  maxConnectionsPerIp: 3,
  maxConnectionsPerUser: 4,
  maxCreationsPerMinute: 3,
  maxNewConnectionsPerMinute: 1000,
  maxApiRequestsPerMinute: 1000,
};

let server: TestServer;
let nginx: NginxProxy;
const opened: RawSocket[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: LIMITS });
  nginx = await startNginx(server.port);
});

afterAll(async () => {
  for (const socket of opened) socket.close();
  await nginx?.stop();
  await server?.stop({ removeData: true });
});

/** A /collab socket from `from`, through nginx or straight to the server, authenticated for `doc` as `sub`. */
async function collab(
  from: string,
  doc: string,
  sub: string,
  options: { direct?: boolean; forwardedFor?: string } = {},
): Promise<{ socket: RawSocket; answer: Promise<string> }> {
  const base = options.direct ? `ws://127.0.0.1:${server.port}` : nginx.wsUrl;
  const socket = new RawSocket(`${base}/collab`, {
    localAddress: from,
    headers: options.forwardedFor ? { 'x-forwarded-for': options.forwardedFor } : undefined,
  });
  opened.push(socket);
  await Promise.race([socket.opened, socket.closed]);
  socket.send(hpFrames.auth(doc, await server.token({ doc, sub })));
  return { socket, answer: socket.isOpen ? socket.authResult(doc) : Promise.resolve('closed') };
}

/** A /y socket from `from` through nginx, set up on `doc` as `sub`; resolves once served or closed. */
async function yws(from: string, doc: string, sub: string): Promise<RawSocket> {
  const socket = new RawSocket(`${nginx.wsUrl}/y/${doc}?token=${await server.token({ doc, sub })}`, { localAddress: from });
  opened.push(socket);
  await Promise.race([socket.opened, socket.closed]);
  socket.send(yFrames.syncStep1(new Uint8Array([0])));
  await waitFor(() => socket.received.length > 0 || socket.closeInfo, { message: 'the y-websocket socket to be served or closed' });
  return socket;
}

/** An HTTP request from `from` to `base` (nginx or the server), with a JSON body. */
function request(
  base: string,
  from: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const outgoing = http.request(`${base}${path}`, { method, localAddress: from, headers: { 'content-type': 'application/json', ...headers } }, (response) => {
      let text = '';
      response.on('data', (chunk) => {
        text += chunk;
      });
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers, json: text ? JSON.parse(text) : {} }));
    });
    outgoing.on('error', reject);
    outgoing.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

const closeAll = async (sockets: RawSocket[]) => {
  for (const socket of sockets) socket.close();
  await Promise.all(sockets.map((socket) => socket.closed));
  await waitFor(() => server.server.gateway.connectionCount === 0, { message: 'every socket to be released' });
};

describe('behind a trusted reverse proxy (nginx)', () => {
  it('[N1] many users behind the one proxy address are not limited together; each real address is', async () => {
    const users = ['127.0.0.2', '127.0.0.3', '127.0.0.4', '127.0.0.5'];
    const sockets = await Promise.all(users.flatMap((from, u) => [0, 1, 2].map((i) => collab(from, `shared-${u}-${i}`, `user-${u}-${i}`))));
    // Twelve sockets, all from nginx's one address, three per real address: all accepted.
    for (const { answer } of sockets) expect(await answer).toBe('authenticated read-write');
    // The fourth from one real address is refused, on both protocols.
    const extra = await collab('127.0.0.2', 'shared-extra', 'user-extra');
    expect(await extra.socket.waitClosed()).toEqual({ code: CloseCodes.TooManyConnections.code, reason: CloseCodes.TooManyConnections.reason });
    const extraY = await yws('127.0.0.3', 'shared-extra', 'user-extra-y');
    expect(extraY.closeInfo).toEqual({ code: CloseCodes.TooManyConnections.code, reason: CloseCodes.TooManyConnections.reason });
    expect(sockets.every(({ socket }) => socket.isOpen)).toBe(true);
    await closeAll(sockets.map(({ socket }) => socket));
  });

  it('[N2] a forged X-Forwarded-For is ignored: from a peer that is no trusted proxy, and to the left of what nginx saw', async () => {
    for (const direct of [true, false]) {
      const from = direct ? '127.0.0.6' : '127.0.0.7';
      const sockets = [];
      for (let i = 0; i < LIMITS.maxConnectionsPerIp; i++) {
        sockets.push(await collab(from, `forged-${i}`, `forger-${i}`, { direct, forwardedFor: `10.0.0.${i}` }));
      }
      for (const { answer } of sockets) expect(await answer).toBe('authenticated read-write');
      // Claiming yet another address changes nothing: it is the same client.
      const more = await collab(from, 'forged-more', 'forger-more', { direct, forwardedFor: '10.9.9.9' });
      expect(await more.socket.waitClosed(), direct ? 'direct' : 'through nginx').toEqual({
        code: CloseCodes.TooManyConnections.code,
        reason: CloseCodes.TooManyConnections.reason,
      });
      await closeAll(sockets.map(({ socket }) => socket));
    }
  });

  it('[N3] one user holding connections is limited on both protocols, whatever addresses it uses; others are not, and a freed slot is usable again', async () => {
    const holder = 'holder';
    const first = await collab('127.0.0.8', 'held-1', holder);
    // A second document on the same socket is a second connection.
    first.socket.send(hpFrames.auth('held-2', await server.token({ doc: 'held-2', sub: holder })));
    expect(await first.answer).toBe('authenticated read-write');
    expect(await first.socket.authResult('held-2')).toBe('authenticated read-write');
    const second = await collab('127.0.0.9', 'held-3', holder);
    expect(await second.answer).toBe('authenticated read-write');
    const viaY = await yws('127.0.0.10', 'held-4', holder);
    expect(viaY.isOpen).toBe(true);
    await waitFor(() => server.server.limits.connectionsOf(holder) === LIMITS.maxConnectionsPerUser, { message: 'four connections to be counted' });

    const fifth = await collab('127.0.0.11', 'held-5', holder);
    expect(await fifth.answer).toBe(CloseCodes.TooManyConnections.reason);
    const fifthY = await yws('127.0.0.11', 'held-5', holder);
    expect(fifthY.closeInfo).toEqual({ code: CloseCodes.TooManyConnections.code, reason: CloseCodes.TooManyConnections.reason });
    const someoneElse = await collab('127.0.0.11', 'held-5', 'someone-else');
    expect(await someoneElse.answer).toBe('authenticated read-write');

    viaY.close();
    await waitFor(() => server.server.limits.connectionsOf(holder) === LIMITS.maxConnectionsPerUser - 1, { message: 'the slot to be freed' });
    const again = await collab('127.0.0.12', 'held-5', holder);
    expect(await again.answer).toBe('authenticated read-write');
    await closeAll([first, second, fifth, someoneElse, again].map(({ socket }) => socket));
    await waitFor(() => server.server.limits.connectionsOf(holder) === 0, { message: 'every connection of the user to be released' });
  });

  it('[N4] documents are created at most MAX_CREATIONS_PER_MINUTE per real address, in the app (429 with Retry-After) and by connecting (rate-limited)', async () => {
    const busy = '127.0.0.13';
    for (let i = 0; i < LIMITS.maxCreationsPerMinute; i++) {
      expect((await request(nginx.httpUrl, busy, 'POST', '/api/app/documents', {})).status).toBe(201);
    }
    const refused = await request(nginx.httpUrl, busy, 'POST', '/api/app/documents', {});
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.json.error).toMatch(/too many documents created from this address/);
    // Creating by connecting draws on the same budget, on both protocols; opening an existing document does not.
    const connecting = await collab(busy, 'new-by-connecting', 'creator');
    expect(await connecting.answer).toBe(CloseCodes.RateLimited.reason);
    const connectingY = await yws(busy, 'new-by-connecting-y', 'creator');
    expect(connectingY.closeInfo).toEqual({ code: CloseCodes.RateLimited.code, reason: CloseCodes.RateLimited.reason });
    expect(await server.server.store.getMeta('new-by-connecting')).toBeNull();
    const existing = await collab(busy, 'held-1', 'reader');
    expect(await existing.answer).toBe('authenticated read-write');
    // Another real address behind the same proxy has its own budget.
    expect((await request(nginx.httpUrl, '127.0.0.14', 'POST', '/api/app/documents', {})).status).toBe(201);
    const elsewhere = await collab('127.0.0.14', 'new-elsewhere', 'creator');
    expect(await elsewhere.answer).toBe('authenticated read-write');
    await closeAll([connecting, existing, elsewhere].map(({ socket }) => socket));
  });
});

describe('churn, API requests and unauthenticated sockets', () => {
  let strict: TestServer;

  beforeAll(async () => {
    strict = await startTestServer({ config: { maxNewConnectionsPerMinute: 5, maxApiRequestsPerMinute: 5, idleTimeoutMs: 1000 } });
  });

  afterAll(async () => {
    await strict?.stop({ removeData: true });
  });

  it('[N5] new connections past MAX_NEW_CONNECTIONS_PER_MINUTE from one address are refused with rate-limited; another address is not', async () => {
    for (let i = 0; i < 5; i++) {
      const socket = await RawSocket.open(`${strict.hocuspocusUrl}`, { localAddress: '127.0.0.20' });
      socket.close();
      await socket.closed;
    }
    const churner = new RawSocket(strict.hocuspocusUrl, { localAddress: '127.0.0.20' });
    expect(await churner.waitClosed()).toEqual({ code: CloseCodes.RateLimited.code, reason: CloseCodes.RateLimited.reason });
    const other = await RawSocket.open(strict.hocuspocusUrl, { localAddress: '127.0.0.21' });
    other.send(hpFrames.auth('churn', await strict.token({ doc: 'churn' })));
    expect(await other.authResult('churn')).toBe('authenticated read-write');
    other.close();
  });

  it('[N6] API requests past MAX_API_REQUESTS_PER_MINUTE from one address get 429 with Retry-After (session minting included); another address does not', async () => {
    const { json } = await request(strict.httpUrl, '127.0.0.22', 'POST', '/api/app/documents', {});
    const session = { name: json.name, key: (json.links as Array<{ secret: string }>)[0].secret, userName: 'Hammering' };
    for (let i = 0; i < 4; i++) expect((await request(strict.httpUrl, '127.0.0.22', 'POST', '/api/app/session', session)).status).toBe(200);
    const refused = await request(strict.httpUrl, '127.0.0.22', 'POST', '/api/app/session', session);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect((await request(strict.httpUrl, '127.0.0.23', 'POST', '/api/app/session', session)).status).toBe(200);
    // Health checks are not API requests.
    expect((await request(strict.httpUrl, '127.0.0.22', 'GET', '/healthz')).status).toBe(200);
  });

  it('[N7] a socket that never authenticates is closed with timeout after IDLE_TIMEOUT_MS, however much it sends', async () => {
    const lurker = await RawSocket.open(strict.hocuspocusUrl, { localAddress: '127.0.0.24' });
    const started = Date.now();
    const pinging = setInterval(() => lurker.send(hpFrames.queryAwareness('lurking')), 200);
    try {
      expect(await lurker.waitClosed(5000)).toEqual({ code: CloseCodes.Timeout.code, reason: CloseCodes.Timeout.reason });
    } finally {
      clearInterval(pinging);
    }
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(lurker.frames().some((frame) => frame.type === FrameType.Auth)).toBe(false);
  });
});
