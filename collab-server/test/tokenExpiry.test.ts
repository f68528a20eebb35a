import { createHook } from 'node:async_hooks';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import type { Role } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { GatedStore } from '../../testing/gatedStore';
import { AuthKind, FrameType, hpFrames, readYServerFrame, type ServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';
import { MAX_TIMER_DELAY_MS } from '../extensions/ExpiryQueue';

/**
 * A token's `exp` holds on open connections: at expiry each document connection is closed with
 * `4402 token-expired` (on `/collab` the document's connection, on `/y/<document>` the socket),
 * and nothing it sends from then on is applied or stored. Before that the server asks the client
 * for a fresh token, and a client that gives one goes on without reconnecting.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

interface Claims {
  doc: string;
  role?: Role;
  sub?: string;
  name?: string;
}

/** A token signed with the test secret that expires at `expiresAt` (ms since the epoch; JWT allows fractions of a second). */
function tokenUntil(expiresAt: number, { doc, role = 'editor', sub = 'user-1', name = 'Test User' }: Claims): Promise<string> {
  return new SignJWT({ name, doc, role })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuedAt()
    .setExpirationTime(expiresAt / 1000)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

/** An update inserting `text` into the text field `t`, from a client of its own. */
function edit(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText('t').insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/** The text of field `t` of the live document, or '' when it is not loaded. */
function liveText(target: TestServer, name: string): string {
  return target.server.hocuspocus.documents.get(name)?.getText('t').toString() ?? '';
}

/** The text of field `t` as the running server's store holds it. */
async function storedText(target: TestServer, name: string): Promise<string> {
  const loaded = await target.server.store.load(name);
  const doc = new Y.Doc();
  for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
  return doc.getText('t').toString();
}

/** Frames of one kind the socket received for `address`. */
const framesOf = (socket: RawSocket, address: string, type: number): ServerFrame[] =>
  socket.frames().filter((frame) => frame.address === address && frame.type === type);

/** Waits for the server to close `address` on a `/collab` socket; returns the reason. */
async function documentClosed(socket: RawSocket, address: string, timeoutMs = 10_000): Promise<string> {
  const frame = await waitFor(() => framesOf(socket, address, FrameType.Close)[0], { message: `"${address}" to be closed`, timeoutMs });
  return frame.text ?? '';
}

/** Waits until the socket holds `count` positive acknowledgements for `address`. */
const acknowledged = (socket: RawSocket, address: string, count: number) =>
  waitFor(() => framesOf(socket, address, FrameType.SyncStatus).filter((frame) => frame.subtype === 1).length >= count, {
    message: `${count} acknowledgement(s) for "${address}"`,
  });

/** Opens `name` on a `/collab` socket with `token` and waits until the server accepted it. */
async function authenticate(socket: RawSocket, name: string, token: string): Promise<void> {
  socket.send(hpFrames.auth(name, token));
  expect(await socket.authResult(name)).toBe('authenticated read-write');
}

/**
 * A bystander writes to `name` and waits for the acknowledgement: everything sent to the server
 * before has been handled by then.
 */
async function bystanderWrites(target: TestServer, name: string): Promise<void> {
  const bystander = await RawSocket.open(target.hocuspocusUrl);
  await authenticate(bystander, name, await target.token({ doc: name, sub: 'bystander' }));
  bystander.send(hpFrames.update(name, edit('bystander.')));
  await acknowledged(bystander, name, 1);
  bystander.close();
}

/** Opens `name` on a new `/collab` socket with a token expiring at `expiresAt`, and writes `text` (acknowledged). */
async function openUntil(target: TestServer, name: string, expiresAt: number, text: string): Promise<RawSocket> {
  const socket = await RawSocket.open(target.hocuspocusUrl);
  await authenticate(socket, name, await tokenUntil(expiresAt, { doc: name }));
  socket.send(hpFrames.update(name, edit(text)));
  await acknowledged(socket, name, 1);
  return socket;
}

/** Appends a numbered word to field `t` of `doc` every 100 ms for `ms`; returns all it typed. */
async function typeFor(doc: Y.Doc, ms: number): Promise<string> {
  const text = doc.getText('t');
  const started = Date.now();
  let typed = '';
  for (let i = 0; Date.now() - started < ms; i++) {
    text.insert(text.length, `${i}.`);
    typed += `${i}.`;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return typed;
}

const waitUntil = (time: number) => waitFor(() => Date.now() >= time, { message: 'the clock to pass a time', intervalMs: 5 });

describe('expiry on open connections', () => {
  it('[T1] /collab: the document connection closes with token-expired at its expiry; what was sent before is acknowledged and stored, nothing sent after is', async () => {
    const name = 'expiring-hocuspocus';
    const expiresAt = Date.now() + 2000;
    const socket = await openUntil(server, name, expiresAt, 'before.');
    await waitUntil(expiresAt);
    socket.send(hpFrames.update(name, edit('AFTER-UPDATE')), hpFrames.syncStep2(name, edit('AFTER-STEP2')));
    expect(await documentClosed(socket, name)).toBe(CloseCodes.TokenExpired.reason);
    // Before it, the server asked for a fresh token (this client did not answer).
    const kinds = socket
      .frames()
      .filter((frame) => frame.type === FrameType.Close || (frame.type === FrameType.Auth && frame.subtype === AuthKind.Token))
      .map((frame) => (frame.type === FrameType.Close ? 'close' : 'token request'));
    expect(kinds).toEqual(['token request', 'close']);
    // More frames on the open socket, hand-built: the document must authenticate again first.
    socket.send(hpFrames.update(name, edit('AFTER-CLOSE')), hpFrames.syncStep2(name, edit('AFTER-CLOSE')));
    await bystanderWrites(server, name);

    expect(liveText(server, name)).toContain('before.');
    expect(liveText(server, name)).not.toContain('AFTER');
    expect(await storedText(server, name)).toContain('before.');
    expect(await storedText(server, name)).not.toContain('AFTER');
    // No acknowledgement for anything sent after the expiry, and the socket itself stays open.
    expect(framesOf(socket, name, FrameType.SyncStatus).filter((frame) => frame.subtype === 1)).toHaveLength(1);
    expect(socket.isOpen).toBe(true);
    socket.close();
  });

  it('[T2] /y/<document>: the socket closes with 4402 token-expired at its expiry; nothing sent after it is stored', async () => {
    const name = 'expiring-y';
    const expiresAt = Date.now() + 2000;
    const socket = await RawSocket.open(`${server.yWebsocketUrl}/${name}?token=${await tokenUntil(expiresAt, { doc: name })}`);
    socket.send(yFrames.syncStep1(new Uint8Array([0])), yFrames.update(edit('before.')));
    await waitFor(() => liveText(server, name).includes('before.'), { message: 'the edit before the expiry to be applied' });

    await waitUntil(expiresAt);
    socket.send(yFrames.update(edit('AFTER-UPDATE')), yFrames.syncStep2(edit('AFTER-STEP2')));
    expect(await socket.waitClosed()).toEqual({ code: CloseCodes.TokenExpired.code, reason: CloseCodes.TokenExpired.reason });
    // y-websocket has no message to ask for a token: the server sent nothing but y-websocket frames.
    for (const data of socket.received) expect([FrameType.Sync, FrameType.Awareness, FrameType.QueryAwareness]).toContain(readYServerFrame(data).type);

    await bystanderWrites(server, name);
    expect(liveText(server, name)).not.toContain('AFTER');
    expect(await storedText(server, name)).toContain('before.');
    expect(await storedText(server, name)).not.toContain('AFTER');
  });

  it('[T3] one /collab socket, several documents with tokens of their own (an admin token for "*" among them): each closes at its own expiry, the others go on', async () => {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    const soon = Date.now() + 1500;
    const later = Date.now() + 4000;
    await authenticate(socket, 'multi-a', await tokenUntil(soon, { doc: 'multi-a' }));
    await authenticate(socket, 'multi-b', await server.token({ doc: 'multi-b' }));
    await authenticate(socket, 'multi-c', await tokenUntil(later, { doc: '*', role: 'admin', sub: 'backend' }));

    expect(await documentClosed(socket, 'multi-a')).toBe(CloseCodes.TokenExpired.reason);
    expect(Date.now()).toBeGreaterThanOrEqual(soon);
    expect(framesOf(socket, 'multi-c', FrameType.Close)).toEqual([]);
    socket.send(hpFrames.update('multi-b', edit('b after a.')), hpFrames.update('multi-c', edit('c after a.')));
    await acknowledged(socket, 'multi-b', 1);
    await acknowledged(socket, 'multi-c', 1);

    expect(await documentClosed(socket, 'multi-c')).toBe(CloseCodes.TokenExpired.reason);
    expect(Date.now()).toBeGreaterThanOrEqual(later);
    socket.send(hpFrames.update('multi-b', edit('b after c.')), hpFrames.update('multi-c', edit('C-AFTER')));
    await acknowledged(socket, 'multi-b', 2);
    expect(framesOf(socket, 'multi-b', FrameType.Close)).toEqual([]);
    expect(await storedText(server, 'multi-b')).toContain('b after c.');
    expect(await storedText(server, 'multi-c')).toContain('c after a.');
    expect(liveText(server, 'multi-c')).not.toContain('C-AFTER');
    socket.close();
  });
});

describe('renewal', () => {
  it('[T4] a Hocuspocus provider with a token function keeps editing across several expiries on one socket, every edit acknowledged', async () => {
    const name = 'renewed-provider';
    let tokens = 0;
    const client = hocuspocusClient(server.hocuspocusUrl, name, () => {
      tokens += 1;
      return tokenUntil(Date.now() + 2000, { doc: name });
    });
    const documentCloses: string[] = [];
    client.provider.on('close', ({ event }: { event: { reason: string } }) => documentCloses.push(event.reason));
    await client.synced();
    const typed = await typeFor(client.doc, 7000);
    await client.saved();
    // Three token lifetimes and more, on the first socket, without a document being closed.
    expect(tokens).toBeGreaterThanOrEqual(4);
    expect(client.provider.configuration.websocketProvider.identifier).toBe(1);
    expect(documentCloses).toEqual([]);
    expect(client.closes).toEqual([]);
    expect(liveText(server, name)).toBe(typed);
    expect(await storedText(server, name)).toBe(typed);
    client.destroy();
  });

  it('[T5] a y-websocket client that connects again with a fresh token when closed with token-expired keeps every edit', async () => {
    const name = 'renewed-y';
    const client = yWebsocketClient(server.yWebsocketUrl, name, await tokenUntil(Date.now() + 800, { doc: name }));
    // y-websocket stops at a 44xx close and says so with `closed`; the next connection takes
    // whatever `params` holds then. This is what a y-websocket integration does on 4402:
    client.provider.on('closed', ({ code }) => {
      if (code !== CloseCodes.TokenExpired.code) return;
      void tokenUntil(Date.now() + 800, { doc: name }).then((token) => {
        client.provider.params.token = token;
        client.provider.connect();
      });
    });
    await client.synced();
    const typed = await typeFor(client.doc, 2500);
    await waitFor(() => liveText(server, name) === typed, { message: 'every edit to reach the server' });
    expect(client.closes.length).toBeGreaterThanOrEqual(2);
    expect(client.closes.every((close) => close.code === CloseCodes.TokenExpired.code)).toBe(true);
    client.destroy();
    await waitFor(async () => (await storedText(server, name)) === typed, { message: 'every edit to be stored' });
  });

  it('[T6] a fresh token on an open connection must be valid and for the same document, user and role; otherwise the connection closes with the reason a new one would get', async () => {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    const firstExpiry = Date.now() + 3000;
    const open = async (name: string, claims: Partial<Claims> = {}) => authenticate(socket, name, await tokenUntil(firstExpiry, { doc: name, ...claims }));
    const cases: Array<{ name: string; token: string; outcome: string }> = [];
    await open('renew-ok');
    cases.push({ name: 'renew-ok', token: await tokenUntil(firstExpiry + 60_000, { doc: 'renew-ok' }), outcome: 'open' });
    await open('renew-all', { doc: '*', role: 'admin', sub: 'backend' });
    cases.push({ name: 'renew-all', token: await tokenUntil(firstExpiry + 60_000, { doc: '*', role: 'admin', sub: 'backend' }), outcome: 'open' });
    await open('renew-other-user');
    cases.push({ name: 'renew-other-user', token: await tokenUntil(firstExpiry + 60_000, { doc: 'renew-other-user', sub: 'user-2' }), outcome: 'forbidden' });
    await open('renew-other-role');
    cases.push({ name: 'renew-other-role', token: await tokenUntil(firstExpiry + 60_000, { doc: 'renew-other-role', role: 'admin' }), outcome: 'forbidden' });
    await open('renew-other-doc');
    cases.push({ name: 'renew-other-doc', token: await tokenUntil(firstExpiry + 60_000, { doc: 'somewhere-else' }), outcome: 'forbidden' });
    await open('renew-expired');
    cases.push({ name: 'renew-expired', token: await tokenUntil(Date.now() - 5000, { doc: 'renew-expired' }), outcome: 'token-expired' });
    await open('renew-forged');
    cases.push({ name: 'renew-forged', token: 'not-a-token', outcome: 'unauthorized' });
    for (const { name, token } of cases) socket.send(hpFrames.auth(name, token));

    for (const { name, outcome } of cases.filter((entry) => entry.outcome !== 'open')) expect(await documentClosed(socket, name), name).toBe(outcome);
    await waitUntil(firstExpiry + 200);
    // Past the first tokens' expiry, the renewed connections are still open and writable.
    socket.send(hpFrames.update('renew-ok', edit('renewed.')), hpFrames.update('renew-all', edit('renewed.')));
    await acknowledged(socket, 'renew-ok', 1);
    await acknowledged(socket, 'renew-all', 1);
    expect(framesOf(socket, 'renew-ok', FrameType.Close)).toEqual([]);
    expect(framesOf(socket, 'renew-all', FrameType.Close)).toEqual([]);
    socket.close();
  });
});

describe('clock edges', () => {
  it('[T7] a token expiring in 30 days, in 2^40 s or beyond what milliseconds can count neither closes early nor is asked for renewal', async () => {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    const far = [
      { name: 'far-30-days', expiresAt: Date.now() + 30 * 24 * 3600 * 1000 },
      { name: 'far-2-40', expiresAt: 2 ** 40 * 1000 },
      { name: 'far-uncountable', expiresAt: Number.MAX_VALUE },
    ];
    expect(far[0].expiresAt - Date.now()).toBeGreaterThan(MAX_TIMER_DELAY_MS);
    for (const { name, expiresAt } of far) {
      const token = await new SignJWT({ doc: name, role: 'editor' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('far')
        .setExpirationTime(expiresAt === Number.MAX_VALUE ? Number.MAX_VALUE : expiresAt / 1000)
        .sign(new TextEncoder().encode(TEST_SECRET));
      await authenticate(socket, name, token);
    }
    // A timer set for more than 2^31 - 1 ms fires after 1 ms; give it many times that.
    await new Promise((resolve) => setTimeout(resolve, 200));
    for (const { name } of far) socket.send(hpFrames.update(name, edit('still writing.')));
    for (const { name } of far) await acknowledged(socket, name, 1);
    for (const { name } of far) {
      expect(framesOf(socket, name, FrameType.Close), name).toEqual([]);
      expect(
        framesOf(socket, name, FrameType.Auth).filter((frame) => frame.subtype === AuthKind.Token),
        name,
      ).toEqual([]);
    }
    socket.close();
  });
});

describe('with a stalled disk', () => {
  let slow: TestServer;
  let store: GatedStore;

  beforeAll(async () => {
    slow = await startTestServer({
      store: (dataDir) => {
        store = new GatedStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
        return store;
      },
    });
  });

  afterAll(async () => {
    store.release('load');
    store.release('append');
    await slow.stop({ removeData: true });
  });

  it('[T8] a token that expires while its document loads: the connection closes as it is set up, and the frames queued meanwhile are dropped', async () => {
    const name = 'expires-while-loading';
    store.hold('load', name);
    const socket = await RawSocket.open(slow.hocuspocusUrl);
    const expiresAt = Date.now() + 1000;
    socket.send(hpFrames.auth(name, await tokenUntil(expiresAt, { doc: name })), hpFrames.update(name, edit('QUEUED-UPDATE')));
    expect(await socket.authResult(name)).toBe('authenticated read-write');
    await waitUntil(expiresAt + 50);
    socket.send(hpFrames.update(name, edit('QUEUED-LATE')));
    await socket.flushed();
    store.release('load');
    expect(await documentClosed(socket, name)).toBe(CloseCodes.TokenExpired.reason);

    await bystanderWrites(slow, name);
    expect(liveText(slow, name)).not.toContain('QUEUED');
    expect(await storedText(slow, name)).not.toContain('QUEUED');
    socket.close();
  });

  it('[T9] an edit applied before the expiry but still being written is acknowledged once durable, before the document is closed', async () => {
    const name = 'expires-while-writing';
    const expiresAt = Date.now() + 1500;
    const socket = await openUntil(slow, name, expiresAt, 'first.');
    store.hold('append', name);
    socket.send(hpFrames.update(name, edit('written late.')));
    await waitFor(() => liveText(slow, name).includes('written late.'), { message: 'the edit to be applied' });
    await waitUntil(expiresAt + 100);
    // Closed on the server, but the client hears nothing yet: the acknowledgement comes first.
    await waitFor(() => !slow.server.hocuspocus.documents.get(name)?.getConnections().length, { message: 'the connection to be closed on the server' });
    expect(framesOf(socket, name, FrameType.Close)).toEqual([]);
    store.release('append');
    expect(await documentClosed(socket, name)).toBe(CloseCodes.TokenExpired.reason);
    const kinds = socket
      .frames()
      .filter((frame) => frame.address === name && (frame.type === FrameType.Close || (frame.type === FrameType.SyncStatus && frame.subtype === 1)))
      .map((frame) => (frame.type === FrameType.Close ? 'close' : 'acknowledged'));
    expect(kinds).toEqual(['acknowledged', 'acknowledged', 'close']);
    expect(await storedText(slow, name)).toContain('written late.');
    socket.close();
  });
});

describe('resources', () => {
  it('[T10] one timer serves every connection, server-side changes hold no lease, and the timer and every lease go when the connections close', async () => {
    const expiry = server.server.tokenExpiry;
    await waitFor(() => expiry.scheduled === 0, { message: 'the earlier tests’ connections to be gone' });
    expect(expiry.armed).toBe(false);
    // 100 connections to one document on one socket (session addresses `name\0session`); the
    // first one loads the document and arms the expiry queue's timer.
    const name = 'many-connections';
    const count = 100;
    const socket = await RawSocket.open(server.hocuspocusUrl);
    const address = (i: number) => `${name}\u0000session-${i}`;
    await authenticate(socket, address(0), await server.token({ doc: name }));
    await waitFor(() => expiry.armed, { message: 'the timer to be armed' });
    // Every timer created from here on (unreferenced ones too) while it lives.
    const timers = new Set<number>();
    const hook = createHook({
      init: (id, type) => void (type === 'Timeout' && timers.add(id)),
      destroy: (id) => void timers.delete(id),
    }).enable();
    try {
      for (let i = 1; i < count; i++) await authenticate(socket, address(i), await server.token({ doc: name }));
      await waitFor(() => expiry.scheduled === count, { message: 'every connection to be scheduled' });
      // None per connection: at most the poll of waitFor is alive.
      expect(timers.size).toBeLessThanOrEqual(1);
    } finally {
      hook.disable();
    }
    // A change made by the server itself (as the content API makes them) carries no token: no lease.
    await server.server.documents.change(name, (doc) => doc.getText('t').insert(0, 'server.'));
    expect(expiry.scheduled).toBe(count);
    socket.close();
    await waitFor(() => expiry.scheduled === 0 && !expiry.armed, { message: 'every lease and the timer to be released' });
  });
});
