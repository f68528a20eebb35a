import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { FrameType, hpFrames, yFrames } from '../../testing/rawFrames';
import { type Closed, RawSocket } from '../../testing/rawSocket';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Every limit closes only the offender, with its named code, and everyone else keeps editing.
 * Offenders connect from 127.0.0.2 (another "machine"); bystanders from 127.0.0.1.
 */

const LIMITS = {
  maxMessagesPerSecond: 20,
  maxConnectionsPerIp: 6,
  maxConnectionsPerDocument: 3,
  maxDocumentBytes: 8 * 1024,
  maxPendingMessages: 10,
  maxPendingDocuments: 3,
  maxNameLength: 20,
  maxMessageBytes: 4096,
};
const OFFENDER = { localAddress: '127.0.0.2' };

let server: TestServer;
let bystanders: { hp: ReturnType<typeof hocuspocusClient>; yw: ReturnType<typeof yWebsocketClient> };
let offenderToken: (doc: string) => Promise<string>;

beforeAll(async () => {
  server = await startTestServer({ config: LIMITS });
  const token = await server.token({ doc: 'bystand', sub: 'bystander' });
  bystanders = { hp: hocuspocusClient(server.hocuspocusUrl, 'bystand', token), yw: yWebsocketClient(server.yWebsocketUrl, 'bystand', token) };
  await Promise.all([bystanders.hp.synced(), bystanders.yw.synced()]);
  offenderToken = (doc) => server.token({ doc, sub: 'offender' });
});

afterAll(async () => {
  bystanders.hp.destroy();
  bystanders.yw.destroy();
  await server.stop({ removeData: true });
});

let edits = 0;
/** The bystanders still edit both ways, with durable acknowledgements. */
async function bystandersStillEdit(): Promise<void> {
  const { hp, yw } = bystanders;
  const mark = `edit-${++edits};`;
  hp.doc.getText(TITLE_FIELD).insert(0, mark);
  await hp.saved();
  await waitFor(() => yw.doc.getText(TITLE_FIELD).toString().includes(mark), { message: 'the edit to reach the y-websocket bystander' });
  const back = `back-${edits};`;
  yw.doc.getText(TITLE_FIELD).insert(0, back);
  await waitFor(() => hp.doc.getText(TITLE_FIELD).toString().includes(back), { message: 'the edit to reach the Hocuspocus bystander' });
  expect(hp.provider.synced && yw.provider.wsconnected).toBe(true);
}

const expectClosedWith = (closed: Closed, reason: CloseReason) => expect(closed).toEqual({ code: reason.code, reason: reason.reason });

/**
 * An offender's Hocuspocus socket with `doc` open: authenticated, and answered a sync step 1
 * (until the server has set the document up, frames for it still count as pending).
 */
async function offenderOn(doc: string): Promise<RawSocket> {
  const socket = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
  socket.send(hpFrames.auth(doc, await offenderToken(doc)), hpFrames.syncStep1(doc, new Uint8Array([0])));
  expect(await socket.authResult(doc)).toBe('authenticated read-write');
  await waitFor(() => socket.frames().some((frame) => frame.type === FrameType.Sync || frame.type === FrameType.SyncReply), {
    message: 'the document to be set up',
  });
  return socket;
}

const yUrl = async (doc: string) => `${server.yWebsocketUrl}/${encodeURIComponent(doc)}?token=${await offenderToken(doc)}`;

beforeEach(async () => {
  // Each case starts with no offender sockets left over.
  await waitFor(() => server.server.gateway.connectionCount === 2, { message: 'only the bystanders to be connected' });
});

describe('limits', () => {
  it('[L1] messages per second: a flood closes the sender with rate-limited (both protocols)', async () => {
    const hp = await offenderOn('flood');
    const awareness = hpFrames.queryAwareness('flood');
    for (let i = 0; i < 200; i++) hp.send(awareness);
    expectClosedWith(await hp.waitClosed(), CloseCodes.RateLimited);
    const yw = await RawSocket.open(await yUrl('flood'), OFFENDER);
    yw.send(yFrames.syncStep1(new Uint8Array([0])));
    await waitFor(() => yw.received.length > 0, { message: 'the document to be set up' });
    for (let i = 0; i < 200; i++) yw.send(yFrames.queryAwareness());
    expectClosedWith(await yw.waitClosed(), CloseCodes.RateLimited);
    await bystandersStillEdit();
  });

  it('[L1b] a sender that keeps under the rate is never closed', async () => {
    const hp = await offenderOn('steady');
    for (let i = 0; i < 30; i++) {
      hp.send(hpFrames.queryAwareness('steady'));
      await new Promise((resolve) => setTimeout(resolve, 1000 / (LIMITS.maxMessagesPerSecond / 2)));
    }
    expect(hp.isOpen).toBe(true);
    hp.close();
  });

  it('[L2] connections per address: the one over the limit is refused with too-many-connections; the others stay', async () => {
    const open = await Promise.all(Array.from({ length: LIMITS.maxConnectionsPerIp }, () => RawSocket.open(server.hocuspocusUrl, OFFENDER)));
    const extra = new RawSocket(server.hocuspocusUrl, OFFENDER);
    expectClosedWith(await extra.waitClosed(), CloseCodes.TooManyConnections);
    expect(open.every((socket) => socket.isOpen)).toBe(true);
    await bystandersStillEdit();
    // A freed slot can be used again.
    open[0].close();
    await open[0].waitClosed();
    await waitFor(() => server.server.gateway.connectionCount === 2 + LIMITS.maxConnectionsPerIp - 1, { message: 'the server to see the close' });
    const again = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    again.send(hpFrames.auth('per-ip', await offenderToken('per-ip')));
    expect(await again.authResult('per-ip')).toBe('authenticated read-write');
    for (const socket of [...open, again]) socket.close();
  });

  it('[L3] connections per document: the one over the limit is refused with too-many-connections (both protocols); other documents are unaffected', async () => {
    const doc = 'crowded';
    const members = [
      hocuspocusClient(server.hocuspocusUrl, doc, await offenderToken(doc)),
      hocuspocusClient(server.hocuspocusUrl, doc, await offenderToken(doc)),
    ];
    const third = yWebsocketClient(server.yWebsocketUrl, doc, await offenderToken(doc));
    await Promise.all([...members.map((member) => member.synced()), third.synced()]);
    const hp = await RawSocket.open(server.hocuspocusUrl);
    hp.send(hpFrames.auth(doc, await offenderToken(doc)));
    expect(await hp.authResult(doc)).toBe(CloseCodes.TooManyConnections.reason);
    const yw = new RawSocket(`${server.yWebsocketUrl}/${doc}?token=${await offenderToken(doc)}`);
    expectClosedWith(await yw.waitClosed(), CloseCodes.TooManyConnections);
    // The members still co-edit.
    members[0].doc.getText(TITLE_FIELD).insert(0, 'members only');
    await members[0].saved();
    await waitFor(() => third.doc.getText(TITLE_FIELD).toString() === 'members only', { message: 'the members to keep editing' });
    for (const client of [...members, third]) client.destroy();
    hp.close();
    await bystandersStillEdit();
  });

  it('[L4] document size: an update that would pass the limit closes its sender with document-too-large and is not applied (both protocols)', async () => {
    const doc = 'heavy';
    const writer = hocuspocusClient(server.hocuspocusUrl, doc, await offenderToken(doc));
    await writer.synced();
    writer.doc.getText(TITLE_FIELD).insert(0, 'small start');
    await writer.saved();
    const big = (marker: string) => {
      const copy = new Y.Doc();
      Y.applyUpdate(copy, Y.encodeStateAsUpdate(writer.doc));
      copy.getText(TITLE_FIELD).insert(0, `${marker}${'x'.repeat(3000)}`);
      return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(writer.doc));
    };
    // Three updates of ~3 KB: the third would take the document past 8 KB.
    const hp = await offenderOn(doc);
    hp.send(hpFrames.update(doc, big('A')), hpFrames.update(doc, big('B')), hpFrames.update(doc, big('TOO-LARGE')));
    await waitFor(() => hp.frames().some((frame) => frame.type === FrameType.Close), { message: 'the document connection to be closed' });
    expect(hp.frames().find((frame) => frame.type === FrameType.Close)?.text).toBe(CloseCodes.DocumentTooLarge.reason);
    const yw = await RawSocket.open(await yUrl(doc), OFFENDER);
    yw.send(yFrames.update(big('Y-TOO-LARGE')), yFrames.update(big('Y-TOO-LARGE-2')));
    expectClosedWith(await yw.waitClosed(), CloseCodes.DocumentTooLarge);
    const live = server.server.hocuspocus.documents.get(doc)?.getText(TITLE_FIELD).toString() ?? '';
    expect(live).not.toContain('TOO-LARGE');
    // The honest writer of that document is not closed and keeps a working, durable connection.
    writer.doc.getText(TITLE_FIELD).insert(0, 'still fine ');
    await writer.saved();
    writer.destroy();
    hp.close();
    await bystandersStillEdit();
  });

  it('[L5] messages and documents before authentication: too-many-pending, only for the offender', async () => {
    const messages = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    for (let i = 0; i <= LIMITS.maxPendingMessages; i++) messages.send(hpFrames.syncStep1('pending', new Uint8Array([0])));
    expectClosedWith(await messages.waitClosed(), CloseCodes.TooManyPending);
    const documents = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    for (let i = 0; i <= LIMITS.maxPendingDocuments; i++) documents.send(hpFrames.syncStep1(`pending-${i}`, new Uint8Array([0])));
    expectClosedWith(await documents.waitClosed(), CloseCodes.TooManyPending);
    // Up to the limits is fine: authentication then lets the queued frames through.
    const patient = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    for (let i = 0; i < LIMITS.maxPendingMessages - 1; i++) patient.send(hpFrames.syncStep1('patient', new Uint8Array([0])));
    patient.send(hpFrames.auth('patient', await offenderToken('patient')));
    expect(await patient.authResult('patient')).toBe('authenticated read-write');
    await waitFor(() => patient.frames().some((frame) => frame.type === FrameType.Sync), { message: 'the queued sync to be answered' });
    expect(patient.isOpen).toBe(true);
    patient.close();
    await bystandersStillEdit();
  });

  it('[L6] name rules: a name one character too long is refused with invalid-document-name; one at the limit works (both protocols)', async () => {
    const atLimit = 'n'.repeat(LIMITS.maxNameLength);
    const tooLong = 'n'.repeat(LIMITS.maxNameLength + 1);
    const hp = await RawSocket.open(server.hocuspocusUrl, OFFENDER);
    hp.send(hpFrames.auth(atLimit, await offenderToken(atLimit)));
    expect(await hp.authResult(atLimit)).toBe('authenticated read-write');
    hp.send(hpFrames.auth(tooLong, await offenderToken(tooLong)));
    expectClosedWith(await hp.waitClosed(), CloseCodes.InvalidDocumentName);
    const yw = new RawSocket(await yUrl(tooLong), OFFENDER);
    expectClosedWith(await yw.waitClosed(), CloseCodes.InvalidDocumentName);
    const ok = await RawSocket.open(await yUrl(atLimit), OFFENDER);
    ok.send(yFrames.syncStep1(new Uint8Array([0])));
    await waitFor(() => ok.received.length > 0, { message: 'the server to serve a name at the limit' });
    ok.close();
    await bystandersStillEdit();
  });

  it('[L7] message size: a frame one byte over closes with 1009; one at the limit is read', async () => {
    const hp = await offenderOn('sized');
    // The largest stateless frame that fits exactly (the payload's length prefix grows with it).
    let payload = LIMITS.maxMessageBytes;
    while (hpFrames.stateless('sized', 'x'.repeat(payload)).length > LIMITS.maxMessageBytes) payload -= 1;
    expect(hpFrames.stateless('sized', 'x'.repeat(payload)).length).toBe(LIMITS.maxMessageBytes);
    hp.send(hpFrames.stateless('sized', 'x'.repeat(payload)));
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(hp.isOpen).toBe(true);
    hp.send(hpFrames.stateless('sized', 'x'.repeat(payload + 1)));
    expect((await hp.waitClosed()).code).toBe(CloseCodes.MessageTooBig.code);
    await bystandersStillEdit();
  });

  it('[L8] nothing an offender sent past a limit was stored', async () => {
    const { hp, yw } = bystanders;
    hp.destroy();
    yw.destroy();
    await server.stop();
    const stored = await loadStored(server.dataDir, ['heavy', 'pending', 'flood']);
    expect(stored.get('heavy')?.doc.getText(TITLE_FIELD).toString()).not.toContain('TOO-LARGE');
    expect(stored.get('pending'), 'a document only named before authentication was never created').toBeNull();
    await server.restart();
    const token = await server.token({ doc: 'bystand', sub: 'bystander' });
    bystanders = { hp: hocuspocusClient(server.hocuspocusUrl, 'bystand', token), yw: yWebsocketClient(server.yWebsocketUrl, 'bystand', token) };
    await Promise.all([bystanders.hp.synced(), bystanders.yw.synced()]);
  });
});
