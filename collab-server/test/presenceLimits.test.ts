import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import WebSocket from 'ws';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import { mintToken } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { awarenessUpdate, FrameType, hpFrames, yFrames } from '../../testing/rawFrames';
import { type Closed, RawSocket } from '../../testing/rawSocket';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { ServerProcess } from '../../testing/serverProcess';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Presence (awareness) is relayed to everyone in a document, so it is limited per connection:
 * the size of each state, the client ids one connection speaks for, and the presence bytes it
 * sends per second. An offender, even with a view-only token, is closed with the named code
 * before anything it sent is kept or relayed; bystanders keep editing and see sane presence.
 * Offenders connect from 127.0.0.2; bystanders from 127.0.0.1.
 */

const LIMITS = { maxPresenceBytes: 1024, maxPresenceClients: 3, maxPresenceBytesPerSecond: 16 * 1024 };
const OFFENDER = { localAddress: '127.0.0.2' };
const DOC = 'presence-doc';

let server: TestServer;
let bystanders: { hp: ReturnType<typeof hocuspocusClient>; yw: ReturnType<typeof yWebsocketClient> };

beforeAll(async () => {
  server = await startTestServer({ config: LIMITS });
  const token = await server.token({ doc: DOC, sub: 'bystander', name: 'Bystander' });
  bystanders = { hp: hocuspocusClient(server.hocuspocusUrl, DOC, token), yw: yWebsocketClient(server.yWebsocketUrl, DOC, token) };
  await Promise.all([bystanders.hp.synced(), bystanders.yw.synced()]);
  bystanders.hp.provider.setAwarenessField('cursor', { at: 1 });
  bystanders.yw.provider.awareness.setLocalStateField('cursor', { at: 2 });
});

afterAll(async () => {
  bystanders.hp.destroy();
  bystanders.yw.destroy();
  await server.stop({ removeData: true });
});

/** A state whose JSON is exactly `bytes` long. */
const stateOf = (bytes: number, mark = 'x') => ({ pad: mark.repeat(bytes - 10) });

/** A view-only offender on `protocol`, set up on the document. */
async function viewerOn(
  protocol: 'hocuspocus' | 'y-websocket',
): Promise<{ socket: RawSocket; protocol: 'hocuspocus' | 'y-websocket'; awareness: (update: Uint8Array) => Uint8Array }> {
  const token = await server.token({ doc: DOC, sub: 'hose', name: 'Hose', role: 'viewer' });
  if (protocol === 'hocuspocus') {
    const socket = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    socket.send(hpFrames.auth(DOC, token), hpFrames.syncStep1(DOC, new Uint8Array([0])));
    expect(await socket.authResult(DOC)).toBe('authenticated readonly');
    await waitFor(() => socket.frames().some((frame) => frame.type === FrameType.Sync), { message: 'the document to be set up' });
    return { socket, protocol, awareness: (update) => hpFrames.awareness(DOC, update) };
  }
  const socket = await RawSocket.open(`${server.yWebsocketUrl}/${DOC}?token=${token}`, OFFENDER);
  socket.send(yFrames.syncStep1(new Uint8Array([0])));
  await waitFor(() => socket.received.length > 0, { message: 'the document to be set up' });
  return { socket, protocol, awareness: (update) => yFrames.awareness(update) };
}

/**
 * Waits for the offender to be refused with `reason`: on /collab its connection to the document
 * closes (the socket stays, as for every per-document limit), on /y its socket closes.
 */
async function expectRefused(offender: { socket: RawSocket; protocol: 'hocuspocus' | 'y-websocket' }, reason: CloseReason): Promise<void> {
  const { socket, protocol } = offender;
  if (protocol === 'y-websocket') {
    expect(await socket.waitClosed()).toEqual({ code: reason.code, reason: reason.reason });
    return;
  }
  const closed = await waitFor(() => socket.frames().find((frame) => frame.type === FrameType.Close), { message: 'the document connection to close' });
  expect(closed.text).toBe(reason.reason);
  socket.close();
}

/** The bystanders still edit both ways, and every presence state they hold is a sane size from a client that is there. */
let edits = 0;
async function bystandersStillEdit(): Promise<void> {
  const { hp, yw } = bystanders;
  const mark = `edit-${++edits};`;
  hp.doc.getText(TITLE_FIELD).insert(0, mark);
  await hp.saved();
  await waitFor(() => yw.doc.getText(TITLE_FIELD).toString().includes(mark), {
    message: `the edit to reach the y-websocket bystander (${JSON.stringify(yw.closes)})`,
  });
  const server0 = server.server.hocuspocus.documents.get(DOC);
  await waitFor(() => (server0?.awareness.getStates().size ?? 0) <= 2, { message: 'only the bystanders in the server presence' });
  for (const states of [hp.provider.awareness?.getStates() ?? new Map(), yw.provider.awareness.getStates()]) {
    await waitFor(() => [...states.keys()].every((id) => id === hp.doc.clientID || id === yw.doc.clientID), { message: 'only the bystanders in presence' });
    for (const state of states.values()) expect(JSON.stringify(state).length).toBeLessThan(LIMITS.maxPresenceBytes + 200);
  }
}

describe('presence limits', () => {
  for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
    it(`[A1] ${protocol}: a state of MAX_PRESENCE_BYTES is relayed; one byte more closes the view-only sender with presence-too-large, and is neither kept nor relayed`, async () => {
      const offender = await viewerOn(protocol);
      const { socket, awareness } = offender;
      const id = 424_242 + (protocol === 'hocuspocus' ? 0 : 1);
      socket.send(awareness(awarenessUpdate([{ clientId: id, clock: 1, state: stateOf(LIMITS.maxPresenceBytes, 'a') }])));
      await waitFor(() => bystanders.hp.provider.awareness?.getStates().get(id)?.pad?.startsWith('a'), { message: 'a state at the limit to be relayed' });
      socket.send(awareness(awarenessUpdate([{ clientId: id, clock: 2, state: stateOf(LIMITS.maxPresenceBytes + 1, 'b') }])));
      await expectRefused(offender, CloseCodes.PresenceTooLarge);
      expect(bystanders.yw.provider.awareness.getStates().get(id)?.pad?.startsWith('b') ?? false).toBe(false);
      await bystandersStillEdit();
    });

    it(`[A2] ${protocol}: more client ids than MAX_PRESENCE_CLIENTS, in one message or over several, close the sender with presence-too-large`, async () => {
      const many = await viewerOn(protocol);
      const ids = Array.from({ length: LIMITS.maxPresenceClients + 1 }, (_, i) => (protocol === 'hocuspocus' ? 600_000 : 610_000) + i);
      many.socket.send(many.awareness(awarenessUpdate(ids.map((clientId) => ({ clientId, clock: 1, state: { n: clientId } })))));
      await expectRefused(many, CloseCodes.PresenceTooLarge);

      const drip = await viewerOn(protocol);
      const live = () => server.server.hocuspocus.documents.get(DOC)?.awareness.getStates();
      for (const [index, clientId] of ids.slice(0, LIMITS.maxPresenceClients).entries()) {
        drip.socket.send(drip.awareness(awarenessUpdate([{ clientId: clientId + 100, clock: 1, state: { n: index } }])));
      }
      await waitFor(() => ids.slice(0, LIMITS.maxPresenceClients).every((clientId) => live()?.has(clientId + 100)), {
        message: 'the ids up to the limit to be kept',
      });
      const tooMany = protocol === 'hocuspocus' ? 999_998 : 999_999;
      drip.socket.send(drip.awareness(awarenessUpdate([{ clientId: tooMany, clock: 1, state: { n: 'one too many' } }])));
      await expectRefused(drip, CloseCodes.PresenceTooLarge);
      expect(live()?.has(tooMany)).toBe(false);
      // Its states leave with it.
      await waitFor(() => ids.every((clientId) => !live()?.has(clientId + 100)), { message: "the offender's states to be removed" });
      await bystandersStillEdit();
    });

    it(`[A3] ${protocol}: presence faster than MAX_PRESENCE_BYTES_PER_SECOND closes the sender with rate-limited; a sender under it is never closed`, async () => {
      const steady = await viewerOn(protocol);
      // 8 states of ~1 KB per second: half the rate, for three seconds (more than the burst).
      const id = protocol === 'hocuspocus' ? 700_000 : 710_000;
      for (let clock = 1; clock <= 24; clock++) {
        steady.socket.send(steady.awareness(awarenessUpdate([{ clientId: id, clock, state: stateOf(1000) }])));
        await new Promise((resolve) => setTimeout(resolve, 125));
      }
      expect(steady.socket.isOpen).toBe(true);
      steady.socket.close();

      const hose = await viewerOn(protocol);
      for (let clock = 1; clock <= 200; clock++) {
        hose.socket.send(hose.awareness(awarenessUpdate([{ clientId: id + 1, clock, state: stateOf(1000) }])));
      }
      await expectRefused(hose, CloseCodes.RateLimited);
      await bystandersStillEdit();
    });
  }

  it('[A4] presence messages from ordinary providers add no client ids: the server holds exactly one state per client', async () => {
    const { hp, yw } = bystanders;
    for (let at = 0; at < 20; at++) {
      hp.provider.setAwarenessField('cursor', { at });
      yw.provider.awareness.setLocalStateField('cursor', { at });
    }
    await waitFor(() => server.server.hocuspocus.documents.get(DOC)?.awareness.getStates().get(hp.doc.clientID)?.cursor?.at === 19, {
      message: 'the last cursor to arrive',
    });
    const ids = [...(server.server.hocuspocus.documents.get(DOC)?.awareness.getStates().keys() ?? [])];
    expect(ids.sort()).toEqual([hp.doc.clientID, yw.doc.clientID].sort());
    expect([...(hp.provider.awareness?.getStates().keys() ?? [])].sort()).toEqual(ids.sort());
  });

  it('[A4b] removals and states for client ids another connection owns change nothing: the bystanders stay present as themselves', async () => {
    const { socket, awareness } = await viewerOn('hocuspocus');
    const theirs = [bystanders.hp.doc.clientID, bystanders.yw.doc.clientID];
    socket.send(awareness(awarenessUpdate(theirs.map((clientId) => ({ clientId, clock: 1_000_000, state: null })))));
    socket.send(awareness(awarenessUpdate(theirs.map((clientId) => ({ clientId, clock: 1_000_001, state: { user: { name: 'Hose' } } })))));
    // A message after them that the server answers proves they were handled.
    socket.send(hpFrames.syncStep1(DOC, new Uint8Array([0])));
    await waitFor(() => socket.frames().filter((frame) => frame.type === FrameType.Sync).length >= 2, { message: 'the later frame to be answered' });
    const live = server.server.hocuspocus.documents.get(DOC)?.awareness.getStates();
    for (const clientId of theirs) expect(live?.get(clientId)?.user?.name).toBe('Bystander');
    expect(socket.isOpen).toBe(true);
    socket.close();
    await bystandersStillEdit();
  });
});

describe('presence flood against a server process', () => {
  it('[A5] 140 MB of presence from view-only tokens: every offender closed with its named code, bystanders receive almost none of it, and the server memory stays bounded', async () => {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'presence-flood-'));
    // A heap of 256 MB: keeping what is sent (and its relays) would need several times that.
    const processServer = await ServerProcess.start('collab-server/main.ts', {
      PORT: '0',
      DATA_DIR: dataDir,
      AUTH_SECRET: TEST_SECRET,
      LOG_LEVEL: 'info',
      NODE_OPTIONS: '--max-old-space-size=256',
    });
    onTestFinished(async () => {
      await processServer.stop('SIGKILL');
      await rm(dataDir, { recursive: true, force: true });
    });
    const wsUrl = processServer.httpUrl.replace('http', 'ws');
    const doc = 'flooded';
    const editor = await mintToken(TEST_SECRET, { sub: 'editor', name: 'Editor', doc, role: 'editor' });
    const viewer = await mintToken(TEST_SECRET, { sub: 'hose', name: 'Hose', doc, role: 'viewer' });

    // Five bystanders count every byte the server sends them.
    const received = { bytes: 0 };
    class CountingSocket extends WebSocket {
      constructor(...args: ConstructorParameters<typeof WebSocket>) {
        super(...args);
        this.on('message', (data: Buffer) => {
          received.bytes += data.byteLength;
        });
      }
    }
    const watchers = Array.from({ length: 5 }, () =>
      yWebsocketClient(`${wsUrl}/y`, doc, editor, { WebSocketPolyfill: CountingSocket as unknown as typeof WebSocket }),
    );
    const writer = hocuspocusClient(`${wsUrl}/collab`, doc, editor);
    await Promise.all([writer.synced(), ...watchers.map((watcher) => watcher.synced())]);
    onTestFinished(() => {
      writer.destroy();
      for (const watcher of watchers) watcher.destroy();
    });
    const memory = async () => {
      const metrics = await scrapeMetrics(processServer.httpUrl);
      return { rss: metric(metrics, 'collab_process_resident_memory_bytes'), heap: metric(metrics, 'collab_nodejs_heap_size_used_bytes') };
    };
    const before = await memory();
    const bytesBefore = received.bytes;

    // Big states (7 MB each, under the 8 MB frame limit) and floods of client ids, on both protocols.
    const sizes: Record<string, number> = { sent: 0 };
    const closes: Closed[] = [];
    const big = awarenessUpdate([{ clientId: 1, clock: 1, state: { pad: 'x'.repeat(7 * 1024 * 1024) } }]);
    const manyIds = awarenessUpdate(Array.from({ length: 20_000 }, (_, i) => ({ clientId: 10_000 + i, clock: 1, state: { n: i } })));
    for (let round = 0; sizes.sent < 140 * 1024 * 1024; round++) {
      const onCollab = round % 2 === 0;
      const payload = round % 4 < 2 ? big : manyIds;
      const socket = onCollab ? await RawSocket.open(`${wsUrl}/collab`) : await RawSocket.open(`${wsUrl}/y/${doc}?token=${viewer}`);
      if (onCollab) {
        socket.send(hpFrames.auth(doc, viewer));
        await socket.authResult(doc);
      }
      const frame = onCollab ? hpFrames.awareness(doc, payload) : yFrames.awareness(payload);
      socket.send(frame);
      sizes.sent += frame.byteLength;
      if (onCollab) {
        // Its connection to the document is closed (a Close frame), or, for a state far past the
        // limit (refused before it is parsed), the whole socket.
        const closed = await waitFor(
          () => {
            const frame = socket.frames().find((candidate) => candidate.type === FrameType.Close);
            return frame ? { code: CloseCodes.PresenceTooLarge.code, reason: frame.text ?? '' } : socket.closeInfo;
          },
          { message: 'the offender to be closed' },
        );
        closes.push(closed);
        socket.close();
      } else {
        closes.push(await socket.waitClosed());
      }
    }
    for (const closed of closes) expect(closed).toEqual({ code: CloseCodes.PresenceTooLarge.code, reason: CloseCodes.PresenceTooLarge.reason });

    // The bystanders keep editing.
    writer.doc.getText(TITLE_FIELD).insert(0, 'still here');
    await writer.saved();
    await Promise.all(
      watchers.map((watcher) => waitFor(() => watcher.doc.getText(TITLE_FIELD).toString() === 'still here', { message: 'a watcher to see the edit' })),
    );
    const after = await memory();
    const delivered = received.bytes - bytesBefore;
    const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
    console.log(
      `presence flood: ${mib(sizes.sent)} MiB sent by ${closes.length} offenders; ${delivered} bytes delivered to 5 bystanders; ` +
        `server rss ${mib(before.rss)} -> ${mib(after.rss)} MiB, heap ${mib(before.heap)} -> ${mib(after.heap)} MiB`,
    );
    expect(delivered).toBeLessThan(64 * 1024);
    expect(processServer.child.exitCode).toBeNull();
    expect(after.heap).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
