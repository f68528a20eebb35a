import { afterAll, beforeAll } from 'vitest';
import type * as Y from 'yjs';
import type { Role } from '../shared/token';
import { hocuspocusClient } from './clients';
import { writeParagraph } from './commentFrames';
import { FrameType, hpFrames, readYServerFrame, yFrames } from './rawFrames';
import { RawSocket } from './rawSocket';
import { startTestServer, type TestServer } from './testServer';
import { waitFor } from './waitFor';

/** The two WebSocket protocols a raw client can speak. */
export type Protocol = 'hocuspocus' | 'y-websocket';

/** What `paragraphDocumentPerFile` gives a test file once its `beforeAll` ran. */
export class ParagraphDocument {
  server!: TestServer;
  /** The owner's real client, which wrote the paragraph (an editor). */
  owner!: ReturnType<typeof hocuspocusClient>;

  constructor(readonly name: string) {}

  /** The server's live copy of the document. */
  live(): Y.Doc {
    const doc = this.server.server.hocuspocus.documents.get(this.name);
    if (!doc) throw new Error(`${this.name} is not loaded`);
    return doc;
  }

  /** Waits until a change of the owner's has gone through the server, so anything sent before it was handled. */
  async roundTrip(): Promise<void> {
    this.owner.doc.getMap('probe').set('at', Math.random());
    await this.owner.saved();
  }

  /** A raw connection of `role` as user `sub` on `protocol`, authenticated and synced, to send hand-built updates. */
  async connect(protocol: Protocol, role: Role, sub: string) {
    const name = this.name;
    const token = await this.server.token({ doc: name, role, sub, name: sub });
    if (protocol === 'hocuspocus') {
      const socket = await RawSocket.open(this.server.hocuspocusUrl);
      socket.send(hpFrames.auth(name, token));
      await socket.authResult(name);
      return {
        socket,
        send: (update: Uint8Array, step: 'step2' | 'update' = 'update') =>
          socket.send(step === 'step2' ? hpFrames.syncStep2(name, update) : hpFrames.update(name, update)),
        acknowledged: () => socket.frames().filter((frame) => frame.type === FrameType.SyncStatus && frame.subtype === 1).length,
        refusedWith: async () =>
          (await waitFor(() => socket.frames().find((frame) => frame.type === FrameType.Close), { message: 'the document to be closed' })).text,
      };
    }
    const socket = await RawSocket.open(`${this.server.yWebsocketUrl}/${name}?token=${token}`);
    socket.send(yFrames.syncStep1(new Uint8Array([0])));
    // The server's sync step 2 proves the socket is connected and reading.
    await waitFor(() => socket.received.some((data) => readYServerFrame(data).subtype === 1), { message: 'the document to reach the socket' });
    return {
      socket,
      send: (update: Uint8Array, step: 'step2' | 'update' = 'update') => socket.send(step === 'step2' ? yFrames.syncStep2(update) : yFrames.update(update)),
      acknowledged: () => 0,
      refusedWith: async () => (await socket.waitClosed()).reason,
    };
  }
}

/**
 * For a test file of write rules: a real server with document `name`, holding one paragraph
 * "hello world" written and saved by its owner's real client; stopped (data removed) after the file.
 */
export function paragraphDocumentPerFile(name: string): ParagraphDocument {
  const context = new ParagraphDocument(name);
  beforeAll(async () => {
    context.server = await startTestServer();
    context.owner = hocuspocusClient(context.server.hocuspocusUrl, name, await context.server.token({ doc: name, sub: 'owner', name: 'Owner' }));
    await context.owner.synced();
    writeParagraph(context.owner.doc, 'hello world');
    await context.owner.saved();
  });
  afterAll(async () => {
    context.owner?.destroy();
    await context.server?.stop({ removeData: true });
  });
  return context;
}
