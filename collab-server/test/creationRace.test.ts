import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { DOCUMENTS_FOLDER } from '../../collab-server/CollabServer';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { GatedStore } from '../../testing/gatedStore';
import { AuthKind, FrameType, hpFrames, readYServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Creating a document by connecting is decided for each connection by its own token, never by
 * whichever connection happened to start the shared load: every editor syncs and its edits are
 * stored, whatever the order and timing of the others; a viewer is refused with
 * document-not-found or served once the document exists; a deleted document is never created
 * again this way. Both protocols, hand-built frames timed to overlap (a gated store holds reads
 * so two arrivals are inside the same step) and real providers.
 */

type Protocol = 'hocuspocus' | 'y-websocket';
const PROTOCOLS: Protocol[] = ['hocuspocus', 'y-websocket'];

let server: TestServer;
let store: GatedStore;
/** Every document an editor wrote to, with the text it wrote: checked in LevelDB at the end. */
const written = new Map<string, string[]>();

beforeAll(async () => {
  server = await startTestServer({
    // Every connection here comes from one address and creates documents: no creation budget.
    config: { maxCreationsPerMinute: 100_000 },
    store: (dataDir) => {
      store = new GatedStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
      return store;
    },
  });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

/** One connection arriving at `doc`: its socket, sent its token (the y-websocket token is in the URL). */
interface Arrival {
  protocol: Protocol;
  role: Role;
  doc: string;
  socket: RawSocket;
}

/** Opens the sockets first, then sends every token in the same turn of the event loop. */
async function arriveTogether(doc: string, who: Array<{ protocol: Protocol; role: Role }>): Promise<Arrival[]> {
  const tokens = await Promise.all(who.map(({ role }, index) => server.token({ doc, role, sub: `${role}-${index}` })));
  const hpSockets = await Promise.all(who.map(({ protocol }) => (protocol === 'hocuspocus' ? RawSocket.open(server.hocuspocusUrl) : null)));
  return who.map(({ protocol, role }, index) => {
    const socket = hpSockets[index] ?? new RawSocket(`${server.yWebsocketUrl}/${encodeURIComponent(doc)}?token=${tokens[index]}`);
    if (protocol === 'hocuspocus') socket.send(hpFrames.auth(doc, tokens[index]));
    return { protocol, role, doc, socket };
  });
}

/** An update writing `text` into the title, from a client of its own. */
function editOf(text: string): Uint8Array {
  const doc = new Y.Doc();
  doc.getText(TITLE_FIELD).insert(0, text);
  return Y.encodeStateAsUpdate(doc);
}

/**
 * What became of an arrival: `synced` (accepted and answered a sync request), or the reason it
 * was refused with. An editor that synced also writes a line, acknowledged as applied on /collab.
 */
async function outcome(arrival: Arrival, line: string): Promise<string> {
  const { socket, protocol, role, doc } = arrival;
  if (protocol === 'hocuspocus') {
    const answer = await socket.authResult(doc);
    if (!answer.startsWith('authenticated')) return answer;
    socket.send(hpFrames.syncStep1(doc, new Uint8Array([0])));
    if (role !== 'viewer') socket.send(hpFrames.update(doc, editOf(line)));
    // Accepted, its document may still fail to load (or be deleted meanwhile): a later refusal says so.
    const result = await waitFor(
      () => {
        const frames = socket.frames();
        const refusal = frames.find((frame) => frame.type === FrameType.Auth && frame.subtype === AuthKind.PermissionDenied);
        if (refusal) return refusal.text ?? 'permission-denied';
        const synced = frames.some((frame) => frame.type === FrameType.Sync || frame.type === FrameType.SyncReply);
        const applied = role === 'viewer' || frames.some((frame) => frame.type === FrameType.SyncStatus && frame.subtype === 1);
        return synced && applied ? 'synced' : null;
      },
      { message: `the ${role} on /collab to sync${role === 'viewer' ? '' : ' and have its edit applied'}, or be refused` },
    );
    if (result !== 'synced') return result;
  } else {
    await Promise.race([socket.opened, socket.closed]);
    socket.send(yFrames.syncStep1(new Uint8Array([0])));
    if (role !== 'viewer') socket.send(yFrames.update(editOf(line)));
    const synced = await waitFor(
      () => socket.closeInfo ?? socket.received.map((data) => readYServerFrame(data)).find((frame) => frame.type === FrameType.Sync && frame.subtype === 1),
      { message: `the ${role} on /y to sync or be closed` },
    );
    if ('code' in synced) return `${synced.code} ${synced.reason}`;
  }
  if (role !== 'viewer') written.set(doc, [...(written.get(doc) ?? []), line]);
  return 'synced';
}

const NOT_FOUND = [CloseCodes.DocumentNotFound.reason, `${CloseCodes.DocumentNotFound.code} ${CloseCodes.DocumentNotFound.reason}`];

/** How the arrivals are made to overlap. */
const TIMINGS = {
  /** Both tokens sent in the same turn, nothing held. */
  'same turn': null,
  /** Both connections' authentication reads the store at once (held until both are there). */
  'both authenticating': 'getMeta',
  /** The later connection arrives while the first one's load is held. */
  'one load': 'load',
} as const;

const ORDERS: Array<[Role, Role]> = [
  ['viewer', 'editor'],
  ['editor', 'viewer'],
  ['editor', 'editor'],
];

describe('creating a document by connecting, with others arriving at the same moment', () => {
  let caseNumber = 0;
  for (const [timing, gate] of Object.entries(TIMINGS)) {
    for (const [firstRole, secondRole] of ORDERS) {
      it(`[C1] ${firstRole} then ${secondRole}, ${timing}: every editor syncs and its edit is applied (all protocol pairs)`, async () => {
        for (const first of PROTOCOLS) {
          for (const second of PROTOCOLS) {
            const doc = `race-${++caseNumber}`;
            if (gate) store.hold(gate, doc);
            const getMetaBefore = store.count('getMeta');
            const arrivals = await arriveTogether(doc, [
              { protocol: first, role: firstRole },
              { protocol: second, role: secondRole },
            ]);
            if (gate === 'getMeta') {
              await waitFor(() => store.waiting('getMeta') === 2, { message: 'both connections to be reading the store' });
            } else if (gate === 'load') {
              // The load waits until both were answered (on /collab) or have asked the store (on /y).
              await waitFor(() => store.waiting('load') === 1, { message: 'a load to be held' });
              await waitFor(() => store.count('getMeta') >= getMetaBefore + 2, { message: 'both connections to have been judged' });
              for (const arrival of arrivals.filter(({ protocol }) => protocol === 'hocuspocus')) await arrival.socket.authResult(doc);
            }
            if (gate) store.release(gate);
            const results = await Promise.all(arrivals.map((arrival, index) => outcome(arrival, `${arrival.role}-${index}-on-${doc}`)));
            for (const [index, arrival] of arrivals.entries()) {
              const label = `${first}/${second}: the ${arrival.role} on ${arrival.protocol}`;
              if (arrival.role === 'editor') expect(results[index], label).toBe('synced');
              else expect(['synced', ...NOT_FOUND], label).toContain(results[index]);
            }
            for (const arrival of arrivals) arrival.socket.close();
          }
        }
      });
    }
  }

  it('[C2] real providers, editor and viewer opening a new document together in both orders and on both protocols: every editor syncs, saves, and the viewer is refused cleanly or sees its text', async () => {
    const runs: Array<Promise<void>> = [];
    for (const editorProtocol of PROTOCOLS) {
      for (const viewerProtocol of PROTOCOLS) {
        for (const viewerFirst of [true, false]) {
          const doc = `providers-${editorProtocol}-${viewerProtocol}-${viewerFirst ? 'viewer-first' : 'editor-first'}`;
          runs.push(
            (async () => {
              const [editorToken, viewerToken] = await Promise.all([
                server.token({ doc, sub: 'writer' }),
                server.token({ doc, sub: 'reader', role: 'viewer' }),
              ]);
              const open = {
                editor: () =>
                  editorProtocol === 'hocuspocus'
                    ? hocuspocusClient(server.hocuspocusUrl, doc, editorToken)
                    : yWebsocketClient(server.yWebsocketUrl, doc, editorToken),
                viewer: () =>
                  viewerProtocol === 'hocuspocus'
                    ? hocuspocusClient(server.hocuspocusUrl, doc, viewerToken)
                    : yWebsocketClient(server.yWebsocketUrl, doc, viewerToken),
              };
              const viewer = viewerFirst ? open.viewer() : null;
              const editor = open.editor();
              const reader = viewer ?? open.viewer();
              await editor.synced();
              const line = `typed on ${doc}`;
              editor.doc.getText(TITLE_FIELD).insert(0, line);
              if ('saved' in editor) await editor.saved();
              written.set(doc, [line]);
              // A refused viewer stays refused (both providers treat 44xx as final); one served sees the text.
              const refusalsOf = () => ('refusals' in reader ? reader.refusals : reader.closes.map((close) => close.reason));
              await waitFor(() => refusalsOf().length > 0 || reader.doc.getText(TITLE_FIELD).toString().includes(line), {
                message: `the viewer of ${doc} to be refused or to see the text`,
              });
              if (refusalsOf().length > 0) expect(refusalsOf(), doc).toEqual([CloseCodes.DocumentNotFound.reason]);
              editor.destroy();
              reader.destroy();
            })(),
          );
        }
      }
    }
    await Promise.all(runs);
  });

  it('[C3] a viewer alone is refused with document-not-found on both protocols, and nothing is created', async () => {
    const [hp] = await arriveTogether('nobody-here', [{ protocol: 'hocuspocus', role: 'viewer' }]);
    expect(await outcome(hp, '')).toBe(CloseCodes.DocumentNotFound.reason);
    const [yw] = await arriveTogether('nobody-here', [{ protocol: 'y-websocket', role: 'viewer' }]);
    expect(await outcome(yw, '')).toBe(`${CloseCodes.DocumentNotFound.code} ${CloseCodes.DocumentNotFound.reason}`);
    expect(await store.getMeta('nobody-here')).toBeNull();
  });

  it('[C4] an admin token for every document ("*") creates by connecting', async () => {
    const token = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
    const client = hocuspocusClient(server.hocuspocusUrl, 'made-by-admin', token);
    await client.synced();
    client.doc.getText(TITLE_FIELD).insert(0, 'admin wrote this');
    await client.saved();
    written.set('made-by-admin', ['admin wrote this']);
    client.destroy();
  });
});

describe('deleted documents and failing loads', () => {
  /** Creates `doc` with some text through an editor, then deletes it as the app and the API do. */
  async function createdThenDeleted(doc: string): Promise<void> {
    const writer = hocuspocusClient(server.hocuspocusUrl, doc, await server.token({ doc }));
    await writer.synced();
    writer.doc.getText(TITLE_FIELD).insert(0, 'soon gone');
    await writer.saved();
    writer.destroy();
    expect(await server.server.documents.delete(doc)).toBe(true);
  }

  const DELETED = [CloseCodes.DocumentDeleted.reason, `${CloseCodes.DocumentDeleted.code} ${CloseCodes.DocumentDeleted.reason}`];

  it('[C5] an editor connecting to a deleted document is refused with document-deleted on both protocols; the tombstone stays', async () => {
    await createdThenDeleted('tombstoned');
    const arrivals = await arriveTogether('tombstoned', [
      { protocol: 'hocuspocus', role: 'editor' },
      { protocol: 'y-websocket', role: 'editor' },
      { protocol: 'hocuspocus', role: 'viewer' },
    ]);
    for (const arrival of arrivals) expect(DELETED).toContain(await outcome(arrival, 'must not land'));
    expect(await store.getMeta('tombstoned')).toBeNull();
    expect(await store.wasDeleted('tombstoned')).toBe(true);
  });

  it('[C6] a document deleted while an editor is being authenticated, or while its load is held, is not created again', async () => {
    for (const gate of ['getMeta', 'load'] as const) {
      const doc = `deleted-meanwhile-${gate}`;
      const writer = hocuspocusClient(server.hocuspocusUrl, doc, await server.token({ doc }));
      await writer.synced();
      writer.destroy();
      await waitFor(() => !server.server.hocuspocus.documents.has(doc), { message: 'the document to unload' });
      store.hold(gate, doc);
      const arrivals = await arriveTogether(doc, [
        { protocol: 'hocuspocus', role: 'editor' },
        { protocol: 'y-websocket', role: 'editor' },
      ]);
      await waitFor(() => store.waiting(gate) >= 1, { message: `a ${gate} to be held` });
      expect(await server.server.documents.delete(doc)).toBe(true);
      store.release(gate);
      for (const arrival of arrivals) expect(DELETED).toContain(await outcome(arrival, 'must not land'));
      expect(await store.getMeta(doc), gate).toBeNull();
      expect(await store.wasDeleted(doc), gate).toBe(true);
    }
  });

  it('[C7] a failing load refuses everyone waiting for it with storage-unavailable and changes nothing stored', async () => {
    const doc = 'unreadable';
    const writer = hocuspocusClient(server.hocuspocusUrl, doc, await server.token({ doc }));
    await writer.synced();
    writer.doc.getText(TITLE_FIELD).insert(0, 'kept safe');
    await writer.saved();
    writer.destroy();
    written.set(doc, ['kept safe']);
    await waitFor(() => !server.server.hocuspocus.documents.has(doc), { message: 'the document to unload' });
    store.inject(['load']);
    const arrivals = await arriveTogether(doc, [
      { protocol: 'hocuspocus', role: 'editor' },
      { protocol: 'y-websocket', role: 'editor' },
      { protocol: 'hocuspocus', role: 'viewer' },
    ]);
    const unavailable = [CloseCodes.StorageUnavailable.reason, `${CloseCodes.StorageUnavailable.code} ${CloseCodes.StorageUnavailable.reason}`];
    for (const arrival of arrivals) expect(unavailable).toContain(await outcome(arrival, 'must not land'));
    store.heal();
  });

  it('[C8] after all of the above, LevelDB holds every edit of every editor that synced', async () => {
    await server.stop();
    const stored = await loadStored(server.dataDir, [...written.keys()]);
    for (const [doc, lines] of written) {
      const title = stored.get(doc)?.doc.getText(TITLE_FIELD).toString() ?? '(not stored)';
      for (const line of lines) expect(title, doc).toContain(line);
      expect(title, doc).not.toContain('must not land');
    }
    await server.restart();
  });
});

describe('with CREATE_ON_CONNECT=false', () => {
  it('[C9] an editor is refused with document-not-found on both protocols and nothing is created', async () => {
    const closed = await startTestServer({ config: { createOnConnect: false } });
    try {
      const token = await closed.token({ doc: 'no-creating' });
      const hp = await RawSocket.open(closed.hocuspocusUrl);
      hp.send(hpFrames.auth('no-creating', token));
      expect(await hp.authResult('no-creating')).toBe(CloseCodes.DocumentNotFound.reason);
      const yw = new RawSocket(`${closed.yWebsocketUrl}/no-creating?token=${token}`);
      expect(await yw.waitClosed()).toEqual({ code: CloseCodes.DocumentNotFound.code, reason: CloseCodes.DocumentNotFound.reason });
      expect(await closed.server.store.getMeta('no-creating')).toBeNull();
      hp.close();
    } finally {
      await closed.stop({ removeData: true });
    }
  });
});
