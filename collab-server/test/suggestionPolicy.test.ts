import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { hocuspocusClient } from '../../testing/clients';
import { updateOn, writeParagraph } from '../../testing/commentFrames';
import { FrameType, hpFrames, readYServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { loadStoredDocument } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * The server's rule for commenters' suggestions ([SG7] of shared/suggestions/SUGGESTIONS.md),
 * with hand-built frames on both protocols: a commenter's update that is purely their own
 * suggestion is applied, acknowledged and relayed; anything else in the text is dropped whole,
 * and the socket stays open.
 */

const DOC = 'suggestion-policy';
let server: TestServer;
let owner: ReturnType<typeof hocuspocusClient>;

beforeAll(async () => {
  server = await startTestServer();
  owner = hocuspocusClient(server.hocuspocusUrl, DOC, await server.token({ doc: DOC, sub: 'owner', name: 'Owner' }));
  await owner.synced();
  writeParagraph(owner.doc, 'hello world');
  await owner.saved();
});

afterAll(async () => {
  owner.destroy();
  await server.stop({ removeData: true });
});

const live = () => {
  const doc = server.server.hocuspocus.documents.get(DOC);
  if (!doc) throw new Error(`${DOC} is not loaded`);
  return doc;
};

/** The first paragraph's text in `doc`. */
const textIn = (doc: Y.Doc) => (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
/** The first paragraph with suggestions written [+inserted by author+] and [-deleted by author-]. */
function shown(doc: Y.Doc): string {
  return (textIn(doc).toDelta() as Array<{ insert: string; attributes?: Record<string, { author: string }> }>)
    .map(({ insert, attributes: a = {} }) => {
      if (a.suggestionInsert) return `[+${insert} by ${a.suggestionInsert.author}+]`;
      if (a.suggestionDelete) return `[-${insert} by ${a.suggestionDelete.author}-]`;
      return Object.keys(a).length > 0 ? `<${Object.keys(a).join(',')}>${insert}` : insert;
    })
    .join('');
}

const stamp = (author: string, id = `s-${author}`) => ({ id, author, authorName: author, time: 1_700_000_000_000 });

/** Waits until a change of the owner's has gone through the server, so anything sent before it was handled. */
async function roundTrip(): Promise<void> {
  owner.doc.getMap('probe').set('at', Math.random());
  await owner.saved();
}

type Protocol = 'hocuspocus' | 'y-websocket';

async function connect(protocol: Protocol, role: Role, sub: string) {
  const token = await server.token({ doc: DOC, role, sub, name: sub });
  if (protocol === 'hocuspocus') {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    socket.send(hpFrames.auth(DOC, token));
    await socket.authResult(DOC);
    return {
      socket,
      send: (update: Uint8Array) => socket.send(hpFrames.update(DOC, update)),
      acknowledged: () => socket.frames().filter((frame) => frame.type === FrameType.SyncStatus && frame.subtype === 1).length,
    };
  }
  const socket = await RawSocket.open(`${server.yWebsocketUrl}/${DOC}?token=${token}`);
  socket.send(yFrames.syncStep1(new Uint8Array([0])));
  await waitFor(() => socket.received.some((data) => readYServerFrame(data).subtype === 1), { message: 'the document to reach the socket' });
  return { socket, send: (update: Uint8Array) => socket.send(yFrames.update(update)), acknowledged: () => 0 };
}

describe('commenters suggest', () => {
  for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
    it(`[SG7] ${protocol}: a commenter's own suggested insertion and deletion are applied, relayed and acknowledged; withdrawing them too`, async () => {
      const me = `c-${protocol}`;
      const commenter = await connect(protocol, 'commenter', me);
      const before = shown(live());
      commenter.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Oh ', { suggestionInsert: stamp(me) })));
      await waitFor(() => shown(owner.doc).startsWith(`[+Oh  by ${me}+]`), { message: "the commenter's insertion at the owner" });
      if (protocol === 'hocuspocus') await waitFor(() => commenter.acknowledged() >= 1, { message: 'the acknowledgement' });
      // Striking "hello" (after "Oh ").
      commenter.send(updateOn(live(), (copy) => textIn(copy).format(3, 5, { suggestionDelete: stamp(me, `d-${me}`) })));
      await waitFor(() => shown(live()).startsWith(`[+Oh  by ${me}+][-hello by ${me}-]`), { message: "the commenter's deletion on the server" });
      // Withdrawing both: deleting their own inserted text, removing their own deletion mark.
      commenter.send(
        updateOn(live(), (copy) => {
          textIn(copy).format(3, 5, { suggestionDelete: null });
          textIn(copy).delete(0, 3);
        }),
      );
      await waitFor(() => shown(live()) === before, { message: 'the withdrawal on the server' });
      expect(commenter.socket.isOpen).toBe(true);
      commenter.socket.close();
    });

    it(`[SG7] ${protocol}: a commenter's text change that is not purely their own suggestion is dropped whole`, async () => {
      const me = `c2-${protocol}`;
      const commenter = await connect(protocol, 'commenter', me);
      const before = shown(live());
      const attempts: Array<[string, (text: Y.XmlText) => void]> = [
        ['plain text', (text) => text.insert(0, 'EVIL')],
        ["someone else's suggestion", (text) => text.insert(0, 'EVIL', { suggestionInsert: stamp('owner') })],
        [
          'a suggestion that also deletes',
          (text) => {
            text.insert(0, 'EVIL', { suggestionInsert: stamp(me) });
            text.delete(6, 1);
          },
        ],
        ['a plain deletion', (text) => text.delete(0, 2)],
        ['formatting', (text) => text.format(0, 5, { bold: {} })],
        ['a deletion mark by someone else', (text) => text.format(0, 5, { suggestionDelete: stamp('owner') })],
        [
          'a suggestion mixed with formatting',
          (text) => {
            text.insert(0, 'EVIL', { suggestionInsert: stamp(me) });
            text.format(4, 5, { italic: {} });
          },
        ],
      ];
      for (const [, change] of attempts) commenter.send(updateOn(live(), (copy) => change(textIn(copy))));
      await roundTrip();
      expect(shown(live())).toBe(before);
      expect(shown(owner.doc)).toBe(before);
      expect(commenter.socket.isOpen).toBe(true);
      // A new paragraph, even of suggested text, is not a suggestion the server takes.
      commenter.send(
        updateOn(live(), (copy) => {
          const paragraph = new Y.XmlElement('paragraph');
          paragraph.insert(0, [new Y.XmlText()]);
          copy.getXmlFragment(BODY_FIELD).push([paragraph]);
          (paragraph.get(0) as Y.XmlText).insert(0, 'EVIL', { suggestionInsert: stamp(me) });
        }),
      );
      await roundTrip();
      expect(live().getXmlFragment(BODY_FIELD).length).toBe(1);
      commenter.socket.close();
    });

    it(`[SG1] ${protocol}: a suggestion mark with invalid attributes is refused for editors too`, async () => {
      const editor = await connect(protocol, 'editor', `e-${protocol}`);
      editor.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'EVIL', { suggestionInsert: { id: 'x y', author: 'a', authorName: 'A', time: -1 } })));
      await waitFor(() => !editor.socket.isOpen || editor.socket.frames().some((frame) => frame.type === FrameType.Close), { message: 'the refusal' });
      await roundTrip();
      expect(shown(live())).not.toContain('EVIL');
    });
  }

  it('[SG7] an acknowledged suggestion of a commenter is in LevelDB', async () => {
    const commenter = await connect('hocuspocus', 'commenter', 'c-stored');
    commenter.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Kept ', { suggestionInsert: stamp('c-stored') })));
    await waitFor(() => commenter.acknowledged() >= 1, { message: 'the acknowledgement' });
    commenter.socket.close();
    owner.destroy();
    await server.stop();
    expect(shown(await loadStoredDocument(server.dataDir, DOC))).toMatch(/^\[\+Kept {2}by c-stored\+\]/);
    await server.restart();
  });
});
