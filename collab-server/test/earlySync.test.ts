import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { metric, scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * A client opening a document that is not in memory receives the stored state while the server
 * loads it (`EarlySync`), and nothing of it before its token is accepted.
 */

const PARAGRAPH = 'Every acknowledged keystroke is on disk before anyone is told it is saved. ';

let server: TestServer | null = null;
const cleanups: Array<() => void> = [];

afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) cleanup();
  await server?.stop({ removeData: true });
  server = null;
});

/** A Hocuspocus provider on a socket that counts the bytes it receives. */
function countingClient(url: string, name: string, token: string) {
  const received = { bytes: 0 };
  class CountingSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[]) {
      super(address, protocols);
      this.on('message', (data: ArrayBuffer | Buffer) => {
        received.bytes += data.byteLength;
      });
    }
  }
  const doc = new Y.Doc();
  const refusals: string[] = [];
  const websocketProvider = new HocuspocusProviderWebsocket({ url, WebSocketPolyfill: CountingSocket });
  const provider = new HocuspocusProvider({ websocketProvider, name, document: doc, token, onAuthenticationFailed: ({ reason }) => refusals.push(reason) });
  provider.attach();
  cleanups.push(() => {
    provider.destroy();
    websocketProvider.destroy();
  });
  return { doc, provider, received, refusals };
}

/** Writes `text` (about `bytes` long) into document `name` through a client, then restarts the server so nothing is in memory. */
async function storedDocument(name: string, bytes: number): Promise<string> {
  if (!server) throw new Error('no server');
  const writer = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
  await writer.synced();
  const text = PARAGRAPH.repeat(Math.ceil(bytes / PARAGRAPH.length));
  writer.doc.getText('body').insert(0, text);
  // A few later edits, so the stored form is more than one update.
  for (let i = 0; i < 5; i++) writer.doc.getText('body').insert(i * 10, `[${i}]`);
  writer.doc.getText('body').delete(0, 3);
  await writer.saved();
  const expected = writer.doc.getText('body').toString();
  writer.destroy();
  await server.restart();
  return expected;
}

async function sharedAnswers(): Promise<number> {
  if (!server) throw new Error('no server');
  return metric(await scrapeMetrics(server.httpUrl), 'collab_shared_sync_answers_total');
}

async function earlySyncs(): Promise<number> {
  if (!server) throw new Error('no server');
  return metric(await scrapeMetrics(server.httpUrl), 'collab_early_syncs_total');
}

describe('early sync: the stored state, sent while the document loads', () => {
  it('sends a client the stored document once, then only what changed', async () => {
    server = await startTestServer();
    const expected = await storedDocument('big', 200_000);
    const stateBytes = Y.encodeStateAsUpdate(docWithText(expected)).byteLength;

    const reader = countingClient(server.hocuspocusUrl, 'big', await server.token({ doc: 'big' }));
    // Synced means holding everything stored, the log as well as the snapshot.
    const atSynced: string[] = [];
    reader.provider.on('synced', ({ state }: { state: boolean }) => {
      if (state) atSynced.push(reader.doc.getText('body').toString());
    });
    await waitFor(() => reader.doc.getText('body').toString() === expected, { message: 'the reader to hold the document' });
    await waitFor(() => atSynced.length > 0, { message: 'the reader to be synced' });
    expect(atSynced[0]).toBe(expected);
    expect(await earlySyncs()).toBe(1);
    // The server's own answer, after loading, carried only what the early copy lacked: without
    // the rewritten request it would repeat the whole state.
    await waitFor(() => reader.provider.synced && reader.provider.unsyncedChanges === 0, { message: 'the reader to finish syncing' });
    expect(reader.received.bytes).toBeLessThan(stateBytes * 1.3);
  });

  it('keeps what a client types right after the early copy arrives', async () => {
    server = await startTestServer();
    const expected = await storedDocument('typed', 100_000);

    const writer = hocuspocusClient(server.hocuspocusUrl, 'typed', await server.token({ doc: 'typed' }));
    // Typed the moment the content arrives, while the server may still be loading its copy.
    writer.provider.on('synced', () => {
      if (writer.doc.getText('body').length > 0 && !writer.doc.getText('body').toString().startsWith('typed early|')) {
        writer.doc.getText('body').insert(0, 'typed early|');
      }
    });
    await waitFor(() => writer.doc.getText('body').toString().startsWith('typed early|'), { message: 'the early edit' });
    await writer.saved();
    expect(await earlySyncs()).toBe(1);

    const other = hocuspocusClient(server.hocuspocusUrl, 'typed', await server.token({ doc: 'typed', sub: 'user-2' }));
    await waitFor(() => other.doc.getText('body').toString() === `typed early|${expected}`, { message: 'another client to see the early edit' });
    other.destroy();
    writer.destroy();

    await server.restart();
    const again = hocuspocusClient(server.hocuspocusUrl, 'typed', await server.token({ doc: 'typed' }));
    await waitFor(() => again.doc.getText('body').toString() === `typed early|${expected}`, { message: 'the early edit after a restart' });
    again.destroy();
  });

  it('sends nothing to a client whose token is refused, and serves viewers', async () => {
    server = await startTestServer();
    const expected = await storedDocument('secret', 50_000);

    const intruder = countingClient(server.hocuspocusUrl, 'secret', await server.token({ doc: 'another-document' }));
    await waitFor(() => intruder.refusals.length > 0, { message: 'the token to be refused' });
    expect(intruder.doc.getText('body').length).toBe(0);
    expect(intruder.received.bytes).toBeLessThan(1000);
    expect(await earlySyncs()).toBe(0);

    const viewer = countingClient(server.hocuspocusUrl, 'secret', await server.token({ doc: 'secret', role: 'viewer' }));
    await waitFor(() => viewer.doc.getText('body').toString() === expected, { message: 'the viewer to hold the document' });
    expect(await earlySyncs()).toBe(1);
    expect(intruder.doc.getText('body').length).toBe(0);
  });

  it('serves y-websocket clients too', async () => {
    server = await startTestServer();
    const expected = await storedDocument('plain', 50_000);
    const client = yWebsocketClient(server.yWebsocketUrl, 'plain', await server.token({ doc: 'plain' }));
    cleanups.push(() => client.destroy());
    await waitFor(() => client.doc.getText('body').toString() === expected, { message: 'the y-websocket client to hold the document' });
    expect(await earlySyncs()).toBe(1);
    client.doc.getText('body').insert(0, 'plain|');
    const other = hocuspocusClient(server.hocuspocusUrl, 'plain', await server.token({ doc: 'plain', sub: 'user-2' }));
    await waitFor(() => other.doc.getText('body').toString() === `plain|${expected}`, { message: 'the edit to reach another client' });
    other.destroy();
  });

  it('answers from memory when the document is already loaded', async () => {
    server = await startTestServer();
    const expected = await storedDocument('open', 20_000);
    const first = hocuspocusClient(server.hocuspocusUrl, 'open', await server.token({ doc: 'open' }));
    await waitFor(() => first.doc.getText('body').toString() === expected, { message: 'the first client' });
    const second = hocuspocusClient(server.hocuspocusUrl, 'open', await server.token({ doc: 'open', sub: 'user-2' }));
    await waitFor(() => second.doc.getText('body').toString() === expected, { message: 'the second client' });
    expect(await earlySyncs()).toBe(1);
    first.destroy();
    second.destroy();
  });

  it('replays a log longer than the compaction threshold instead of sending it update by update', async () => {
    server = await startTestServer({ config: { compactLogEntries: 10 } });
    const { dataDir } = server;
    await server.stop();
    const store = new LevelDocumentStore({ location: `${dataDir}/documents` });
    await store.open();
    const source = new Y.Doc();
    await store.create('long');
    const appends: Promise<void>[] = [];
    source.on('update', (update: Uint8Array) => appends.push(store.append('long', update)));
    for (let i = 0; i < 30; i++) source.getText('body').insert(0, `${i};`);
    await Promise.all(appends);
    await store.close();
    server = await startTestServer({ dataDir, config: { compactLogEntries: 10 } });

    const client = hocuspocusClient(server.hocuspocusUrl, 'long', await server.token({ doc: 'long' }));
    cleanups.push(() => client.destroy());
    await waitFor(() => client.doc.getText('body').toString() === source.getText('body').toString(), { message: 'the client to hold the document' });
    expect(await earlySyncs()).toBe(0);
  });
});

describe('shared sync answers: clients joining a loaded document', () => {
  /** A loaded document held open by an editor who typed `bytes` of text into it. */
  async function openDocument(name: string, bytes: number) {
    if (!server) throw new Error('no server');
    const owner = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub: 'owner' }));
    cleanups.push(() => owner.destroy());
    await owner.synced();
    owner.doc.getText('body').insert(0, PARAGRAPH.repeat(Math.ceil(bytes / PARAGRAPH.length)));
    await owner.saved();
    return owner;
  }

  it('answers clients that join together from one encoding, each holding the whole document when synced', async () => {
    server = await startTestServer();
    const owner = await openDocument('meeting', 100_000);
    const expected = owner.doc.getText('body').toString();
    const stateBytes = Y.encodeStateAsUpdate(owner.doc).byteLength;

    const intruder = countingClient(server.hocuspocusUrl, 'meeting', await server.token({ doc: 'another-document' }));
    const running = server;
    const tokens = await Promise.all(Array.from({ length: 6 }, (_, i) => running.token({ doc: 'meeting', sub: `joiner-${i}` })));
    const joiners = tokens.map((token) => countingClient(running.hocuspocusUrl, 'meeting', token));
    const plain = yWebsocketClient(server.yWebsocketUrl, 'meeting', await server.token({ doc: 'meeting', sub: 'plain' }));
    cleanups.push(() => plain.destroy());
    const atSynced = joiners.map((joiner) => {
      const seen: string[] = [];
      joiner.provider.on('synced', ({ state }: { state: boolean }) => {
        if (state) seen.push(joiner.doc.getText('body').toString());
      });
      return seen;
    });
    await waitFor(() => atSynced.every((seen) => seen.length > 0), { message: 'every joiner to be synced' });
    for (const seen of atSynced) expect(seen[0]).toBe(expected);
    await waitFor(() => plain.doc.getText('body').toString() === expected, { message: 'the y-websocket joiner to hold the document' });
    await waitFor(() => joiners.every((joiner) => joiner.provider.unsyncedChanges === 0), { message: 'the joiners to finish syncing' });
    // The server's own answer carried only what the shared encoding lacked (nothing but the deletions).
    for (const joiner of joiners) expect(joiner.received.bytes).toBeLessThan(stateBytes * 1.3);
    expect(await sharedAnswers()).toBeGreaterThanOrEqual(1);
    await waitFor(() => intruder.refusals.length > 0, { message: 'the intruder to be refused' });
    expect(intruder.doc.getText('body').length).toBe(0);
    expect(intruder.received.bytes).toBeLessThan(1000);
  });

  it('answers a client that joins after a change with the changed document, never an older encoding', async () => {
    server = await startTestServer();
    const owner = await openDocument('changing', 50_000);
    const first = countingClient(server.hocuspocusUrl, 'changing', await server.token({ doc: 'changing', sub: 'first' }));
    await waitFor(() => first.provider.isSynced, { message: 'the first joiner to be synced' });
    // Within the time an encoding is kept: a deletion and an insertion the second joiner must see.
    owner.doc.getText('body').delete(0, PARAGRAPH.length);
    owner.doc.getText('body').insert(10, '|changed|');
    const expected = owner.doc.getText('body').toString();
    await waitFor(() => first.doc.getText('body').toString() === expected, { message: 'the change to reach the server' });

    const second = countingClient(server.hocuspocusUrl, 'changing', await server.token({ doc: 'changing', sub: 'second' }));
    const atSynced: string[] = [];
    second.provider.on('synced', ({ state }: { state: boolean }) => {
      if (state) atSynced.push(second.doc.getText('body').toString());
    });
    await waitFor(() => atSynced.length > 0, { message: 'the second joiner to be synced' });
    expect(atSynced[0]).toBe(expected);
  });
});

function docWithText(text: string): Y.Doc {
  const doc = new Y.Doc();
  doc.getText('body').insert(0, text);
  return doc;
}
