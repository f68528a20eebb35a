import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import { mintToken } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { awarenessUpdate, FrameType, hpFrames, readAwarenessStates, readYServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Privilege: every write a viewer sends by hand, every forged, expired or misdirected token, every
 * awareness message that claims someone else, and every foreign Origin is refused: nothing is
 * applied, broadcast or stored. Both protocols.
 */

const DOC = 'privileged';
const ORIGINAL = 'written by the owner';
const ALLOWED_ORIGIN = 'https://app.example';
let server: TestServer;
let owner: ReturnType<typeof hocuspocusClient>;

beforeAll(async () => {
  server = await startTestServer({ config: { allowedOrigins: [ALLOWED_ORIGIN] } });
  owner = hocuspocusClient(server.hocuspocusUrl, DOC, await server.token({ doc: DOC, sub: 'owner', name: 'Owner' }));
  await owner.synced();
  owner.doc.getText(TITLE_FIELD).insert(0, ORIGINAL);
  await owner.saved();
});

afterAll(async () => {
  owner.destroy();
  await server.stop({ removeData: true });
});

const liveDoc = () => {
  const doc = server.server.hocuspocus.documents.get(DOC);
  if (!doc) throw new Error(`${DOC} is not loaded`);
  return doc;
};

/** An update that would append `text` to the title of the live document. */
function writeOf(text: string): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(liveDoc()));
  copy.getText(TITLE_FIELD).insert(copy.getText(TITLE_FIELD).length, text);
  return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(liveDoc()));
}

/** Asserts that `marker` is nowhere: not in the live document, not at the owner, not on disk. */
async function assertNowhere(marker: string): Promise<void> {
  // Give a wrongly accepted write every chance to travel: wait until the owner has round-tripped.
  owner.doc.getMap('probe').set('at', Date.now());
  await owner.saved();
  expect(liveDoc().getText(TITLE_FIELD).toString()).not.toContain(marker);
  expect(owner.doc.getText(TITLE_FIELD).toString()).not.toContain(marker);
}

describe('viewer writes built by hand', () => {
  it('[P1] Hocuspocus protocol: sync step 2, update, stateless and broadcast-stateless frames from a viewer change nothing', async () => {
    const viewer = await RawSocket.open(server.hocuspocusUrl);
    viewer.send(hpFrames.auth(DOC, await server.token({ doc: DOC, role: 'viewer', sub: 'viewer' })));
    expect(await viewer.authResult(DOC)).toBe('authenticated readonly');
    const stateless: string[] = [];
    owner.provider.on('stateless', ({ payload }: { payload: string }) => stateless.push(payload));

    viewer.send(hpFrames.syncStep2(DOC, writeOf('EVIL-STEP2')), hpFrames.update(DOC, writeOf('EVIL-UPDATE')), hpFrames.stateless(DOC, 'EVIL-STATELESS'));
    // The server answers each write with a refusal (sync status 0), never an acknowledgement.
    await waitFor(() => viewer.frames().filter((frame) => frame.type === FrameType.SyncStatus).length >= 2, { message: 'the sync statuses' });
    expect(viewer.frames().filter((frame) => frame.type === FrameType.SyncStatus && frame.subtype === 1)).toEqual([]);
    await assertNowhere('EVIL');
    expect(stateless).toEqual([]);

    // A client may never send the server-internal broadcast opcode: its document connection is closed.
    viewer.send(hpFrames.broadcastStateless(DOC, 'EVIL-BROADCAST'));
    await waitFor(() => viewer.frames().some((frame) => frame.type === FrameType.Close), { message: 'the document connection to be closed' });
    expect(viewer.frames().find((frame) => frame.type === FrameType.Close)?.text).toBe(CloseCodes.BadMessage.reason);
    expect(stateless).toEqual([]);
    viewer.close();
  });

  it('[P2] y-websocket protocol: sync step 2 and update frames from a viewer change nothing', async () => {
    const token = await server.token({ doc: DOC, role: 'viewer', sub: 'viewer' });
    const viewer = await RawSocket.open(`${server.yWebsocketUrl}/${DOC}?token=${token}`);
    viewer.send(yFrames.syncStep1(new Uint8Array([0])));
    // The server's sync step 2 proves the viewer is connected and reading.
    await waitFor(() => viewer.received.some((data) => readYServerFrame(data).subtype === 1), { message: 'the document to reach the viewer' });
    viewer.send(yFrames.syncStep2(writeOf('EVIL-Y-STEP2')), yFrames.update(writeOf('EVIL-Y-UPDATE')));
    await assertNowhere('EVIL-Y');
    expect(viewer.isOpen).toBe(true);
    viewer.close();
  });

  it('[P3] a viewer using the real providers cannot write either, and what it typed never reaches disk', async () => {
    const token = await server.token({ doc: DOC, role: 'viewer', sub: 'viewer' });
    const hp = hocuspocusClient(server.hocuspocusUrl, DOC, token);
    const yw = yWebsocketClient(server.yWebsocketUrl, DOC, token);
    await Promise.all([hp.synced(), yw.synced()]);
    hp.doc.getText(TITLE_FIELD).insert(0, 'EVIL-PROVIDER');
    yw.doc.getText(TITLE_FIELD).insert(0, 'EVIL-PROVIDER');
    await assertNowhere('EVIL-PROVIDER');
    // The viewer's own edit stays unacknowledged.
    expect(hp.provider.unsyncedChanges).toBeGreaterThan(0);
    hp.destroy();
    yw.destroy();
  });
});

/** Tokens that must be refused, with the reason each gets. */
async function badTokens(): Promise<Array<{ name: string; token: string; reason: (typeof CloseCodes)[keyof typeof CloseCodes] }>> {
  const key = (secret: string) => new TextEncoder().encode(secret);
  const claims = { name: 'Mallory', doc: DOC, role: 'admin' };
  const now = Math.floor(Date.now() / 1000);
  const valid = await mintToken(TEST_SECRET, { sub: 'mallory', name: 'Mallory', doc: DOC, role: 'viewer' });
  const [header, payload, signature] = valid.split('.');
  const elevated = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(payload, 'base64url').toString()), role: 'admin' })).toString('base64url');
  const unsigned = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ ...claims, sub: 'mallory', exp: now + 600 })).toString('base64url')}.`;
  return [
    {
      name: 'signed with another secret',
      token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setExpirationTime(now + 600)
        .sign(key('x'.repeat(40))),
      reason: CloseCodes.Unauthorized,
    },
    { name: 'payload changed after signing (viewer made admin)', token: `${header}.${elevated}.${signature}`, reason: CloseCodes.Unauthorized },
    { name: 'alg none', token: unsigned, reason: CloseCodes.Unauthorized },
    { name: 'garbage', token: 'not-a-token', reason: CloseCodes.Unauthorized },
    { name: 'empty', token: '', reason: CloseCodes.Unauthorized },
    {
      name: 'expired',
      token: await new SignJWT(claims)
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('mallory')
        .setExpirationTime(now - 5)
        .sign(key(TEST_SECRET)),
      reason: CloseCodes.TokenExpired,
    },
    {
      name: 'for another document',
      token: await mintToken(TEST_SECRET, { sub: 'mallory', name: 'Mallory', doc: 'other-doc', role: 'admin' }),
      reason: CloseCodes.Forbidden,
    },
  ];
}

describe('tokens', () => {
  it('[P4] Hocuspocus protocol: forged, expired and other-document tokens are refused with their named reason, and writes queued behind them are dropped', async () => {
    for (const { name, token, reason } of await badTokens()) {
      for (const target of [DOC, 'never-created']) {
        const socket = await RawSocket.open(server.hocuspocusUrl);
        // Auth, then writes sent before any answer: they wait in the pre-auth queue and must go.
        socket.send(hpFrames.auth(target, token), hpFrames.update(target, writeOf(`EVIL-${name}`)), hpFrames.syncStep2(target, writeOf(`EVIL-${name}`)));
        expect(await socket.authResult(target), `${name} on ${target}`).toBe(reason.reason);
        socket.close();
      }
    }
    await assertNowhere('EVIL');
    expect(await server.server.store.getMeta('never-created'), 'a refused connection created no document').toBeNull();
  });

  it('[P5] y-websocket protocol: the same tokens close the socket with their named code', async () => {
    for (const { name, token, reason } of await badTokens()) {
      for (const target of [DOC, 'never-created']) {
        const socket = new RawSocket(`${server.yWebsocketUrl}/${target}?token=${encodeURIComponent(token)}`);
        await socket.opened.catch(() => undefined);
        socket.send(yFrames.update(writeOf(`EVIL-${name}`)), yFrames.syncStep2(writeOf(`EVIL-${name}`)));
        const closed = await socket.waitClosed();
        expect({ name, target, code: closed.code, reason: closed.reason }).toEqual({ name, target, code: reason.code, reason: reason.reason });
      }
    }
    await assertNowhere('EVIL');
    expect(await server.server.store.getMeta('never-created')).toBeNull();
  });

  it('[P6] a token for one document opens only that one on a shared socket', async () => {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    const token = await mintToken(TEST_SECRET, { sub: 'mallory', name: 'Mallory', doc: 'mallory-own', role: 'editor' });
    socket.send(hpFrames.auth('mallory-own', token));
    expect(await socket.authResult('mallory-own')).toBe('authenticated read-write');
    socket.send(hpFrames.auth(DOC, token), hpFrames.update(DOC, writeOf('EVIL-SHARED')));
    expect(await socket.authResult(DOC)).toBe(CloseCodes.Forbidden.reason);
    // The same frame addressed to the authorized document is applied there, never to another one.
    await assertNowhere('EVIL-SHARED');
    socket.close();
  });
});

describe('awareness', () => {
  /** The owner's view of presence, by client id. */
  const presence = () => owner.provider.awareness?.getStates() ?? new Map();

  for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
    it(`[P7] ${protocol}: awareness claiming another user or another client's id is rewritten or dropped`, async () => {
      owner.provider.setAwarenessField('cursor', 1);
      const ownerId = owner.doc.clientID;
      await waitFor(() => liveDoc().awareness.getStates().get(ownerId)?.user?.id === 'owner', { message: "the owner's presence on the server" });
      const token = await mintToken(TEST_SECRET, { sub: 'mallory', name: 'Mallory', doc: DOC, role: 'editor' });
      const mine = 900_000 + (protocol === 'hocuspocus' ? 1 : 2);
      const forged = awarenessUpdate([
        // Its own client id, pretending to be the owner.
        { clientId: mine, clock: 1, state: { user: { id: 'owner', name: 'Owner', color: '#000000' }, cursor: 'spoof' } },
        // The owner's client id: taking it over, and then removing it.
        { clientId: ownerId, clock: 10_000, state: { user: { id: 'mallory', name: 'Owner' }, cursor: 'hijack' } },
      ]);
      const removal = awarenessUpdate([{ clientId: ownerId, clock: 10_001, state: null }]);
      let socket: RawSocket;
      if (protocol === 'hocuspocus') {
        socket = await RawSocket.open(server.hocuspocusUrl);
        socket.send(hpFrames.auth(DOC, token));
        await socket.authResult(DOC);
        socket.send(hpFrames.awareness(DOC, forged), hpFrames.awareness(DOC, removal));
      } else {
        socket = await RawSocket.open(`${server.yWebsocketUrl}/${DOC}?token=${token}`);
        await waitFor(() => socket.received.length > 0, { message: 'the first server frame' });
        socket.send(yFrames.awareness(forged), yFrames.awareness(removal));
      }
      await waitFor(() => presence().has(mine), { message: "the attacker's own presence to reach the owner" });
      // Its own entry shows its own identity, whatever it claimed.
      expect(presence().get(mine)?.user).toEqual({ id: 'mallory', name: 'Mallory', color: expect.any(String), role: 'editor' });
      expect(liveDoc().awareness.getStates().get(mine)?.user?.id).toBe('mallory');
      // The owner's entry is untouched, on the server and as others see it.
      expect(liveDoc().awareness.getStates().get(ownerId)?.user?.id).toBe('owner');
      expect(liveDoc().awareness.getStates().get(ownerId)?.cursor).toBe(1);
      const watcher = yWebsocketClient(server.yWebsocketUrl, DOC, await server.token({ doc: DOC, sub: 'watcher', role: 'viewer' }));
      await watcher.synced();
      await waitFor(() => watcher.provider.awareness.getStates().has(mine), { message: 'presence to reach a new client' });
      expect(watcher.provider.awareness.getStates().get(ownerId)?.user?.id).toBe('owner');
      expect(watcher.provider.awareness.getStates().get(mine)?.user?.id).toBe('mallory');
      watcher.destroy();
      socket.close();
    });
  }

  it('[P8] presence relayed to others carries the token identity, decoded from the wire', async () => {
    const token = await mintToken(TEST_SECRET, { sub: 'mallory', name: 'Mallory', doc: DOC, role: 'editor' });
    const listener = await RawSocket.open(`${server.yWebsocketUrl}/${DOC}?token=${await server.token({ doc: DOC, sub: 'listener', role: 'viewer' })}`);
    const attacker = await RawSocket.open(server.hocuspocusUrl);
    attacker.send(hpFrames.auth(DOC, token));
    await attacker.authResult(DOC);
    attacker.send(hpFrames.awareness(DOC, awarenessUpdate([{ clientId: 777_777, clock: 5, state: { user: { id: 'owner', name: 'Owner' } } }])));
    const relayed = await waitFor(() =>
      listener.received
        .map((data) => readYServerFrame(data))
        .filter((frame) => frame.type === FrameType.Awareness && frame.bytes)
        .map((frame) => readAwarenessStates(frame.bytes as Uint8Array).get(777_777))
        .find(Boolean),
    );
    expect((relayed.state as { user: { id: string } }).user.id).toBe('mallory');
    listener.close();
    attacker.close();
  });

  it('[P8] presence shows the token role: a viewer claiming to be an editor is shown as a viewer', async () => {
    const token = await mintToken(TEST_SECRET, { sub: 'reader', name: 'Reader', doc: DOC, role: 'viewer' });
    const viewer = await RawSocket.open(server.hocuspocusUrl);
    viewer.send(hpFrames.auth(DOC, token));
    expect(await viewer.authResult(DOC)).toBe('authenticated readonly');
    viewer.send(hpFrames.awareness(DOC, awarenessUpdate([{ clientId: 777_778, clock: 1, state: { user: { id: 'reader', name: 'Reader', role: 'editor' } } }])));
    await waitFor(() => presence().get(777_778)?.user?.role === 'viewer', { message: "the viewer's presence, with its token's role, at the owner" });
    expect(presence().get(777_778)?.user).toEqual({ id: 'reader', name: 'Reader', color: expect.any(String), role: 'viewer' });
    viewer.close();
  });
});

describe('origin', () => {
  for (const endpoint of ['hocuspocus', 'y-websocket'] as const) {
    it(`[P9] ${endpoint}: a foreign Origin is refused with forbidden before anything is read; an allowed one and none are judged by the token`, async () => {
      const token = await server.token({ doc: DOC, sub: 'browser' });
      const url = endpoint === 'hocuspocus' ? server.hocuspocusUrl : `${server.yWebsocketUrl}/${DOC}?token=${token}`;
      const foreign = new RawSocket(url, { origin: 'https://evil.example' });
      await foreign.opened.catch(() => undefined);
      if (endpoint === 'hocuspocus') foreign.send(hpFrames.auth(DOC, token), hpFrames.update(DOC, writeOf('EVIL-ORIGIN')));
      else foreign.send(yFrames.update(writeOf('EVIL-ORIGIN')));
      expect(await foreign.waitClosed()).toEqual({ code: CloseCodes.Forbidden.code, reason: CloseCodes.Forbidden.reason });
      await assertNowhere('EVIL-ORIGIN');

      for (const origin of [ALLOWED_ORIGIN, undefined]) {
        const socket = await RawSocket.open(url, { origin });
        if (endpoint === 'hocuspocus') {
          socket.send(hpFrames.auth(DOC, token));
          expect(await socket.authResult(DOC)).toBe('authenticated read-write');
        } else {
          await waitFor(() => socket.received.length > 0, { message: 'the server to talk to an allowed origin' });
          expect(socket.isOpen).toBe(true);
        }
        socket.close();
      }
    });
  }
});

describe('on disk', () => {
  it('[P10] after all of the above, LevelDB holds only what the owner wrote', async () => {
    const stored = await waitFor(async () => {
      await owner.saved();
      return liveDoc().getText(TITLE_FIELD).toString();
    });
    expect(stored).toBe(ORIGINAL);
    owner.destroy();
    await server.stop();
    const doc = (await loadStored(server.dataDir, [DOC])).get(DOC)?.doc;
    expect(doc?.getText(TITLE_FIELD).toString()).toBe(ORIGINAL);
    expect((await loadStored(server.dataDir, ['never-created', 'other-doc'])).get('never-created')).toBeNull();
  });
});
