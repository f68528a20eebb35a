import * as encoding from 'lib0/encoding';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { BODY_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { hocuspocusClient } from '../../testing/clients';
import { writeParagraph } from '../../testing/commentFrames';
import { ParagraphDocument, type Protocol } from '../../testing/paragraphDocument';
import { element, paragraph } from '../../testing/sampleDocument';
import { loadStoredDocument } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * No update gets past the server's checks by waiting in Yjs' pending set ([G10] of
 * shared/SCHEMA-RULES.md): an update whose items depend on content the document does not have
 * (a client's later clocks, neighbours or parents inside content never sent, deletions of items
 * not there yet) is refused with `missing-dependencies` on both protocols, so no later innocent
 * update can release unchecked content into the document, the other clients or the stored log.
 */

let server: TestServer;
const documents: ParagraphDocument[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const document of documents) document.owner?.destroy();
  await server.stop({ removeData: true });
});

/** A document holding "hello world", written and saved by its owner's real client. */
async function paragraphDocument(name: string): Promise<ParagraphDocument> {
  const document = new ParagraphDocument(name);
  document.server = server;
  document.owner = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub: 'owner', name: 'Owner' }));
  documents.push(document);
  await document.owner.synced();
  writeParagraph(document.owner.doc, 'hello world');
  await document.owner.saved();
  return document;
}

const textIn = (doc: Y.Doc) => (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
const bodyOf = (doc: Y.Doc) => doc.getXmlFragment(BODY_FIELD).toString();
/** The characters of the first paragraph, without formatting. */
const charactersOf = (doc: Y.Doc) => (textIn(doc).toDelta() as Array<{ insert: string }>).map((op) => op.insert).join('');
const stamp = (author: string, id: string) => ({ id, author, authorName: author, time: 1_700_000_000_000 });

/** A copy of `live` writing as client `clientID`. */
function copyAs(live: Y.Doc, clientID: number): Y.Doc {
  const copy = new Y.Doc();
  copy.clientID = clientID;
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(live));
  return copy;
}

/** The number of clocks of `client` an update holds. */
const clocksOf = (update: Uint8Array, client: number) => Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).get(client) ?? 0;

/** An update with no content, only a deletion of `length` clocks of `client` from `clock` on. */
function deletionOnly(client: number, clock: number, length: number): Uint8Array {
  const encoder = encoding.createEncoder();
  encoding.writeVarUint(encoder, 0);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, client);
  encoding.writeVarUint(encoder, 1);
  encoding.writeVarUint(encoder, clock);
  encoding.writeVarUint(encoder, length);
  return encoding.toUint8Array(encoder);
}

type Connection = Awaited<ReturnType<ParagraphDocument['connect']>>;

/** Waits for `connection` to be refused and says with what: its whole socket is closed, on both protocols, so providers reconnect. */
const refusal = async (connection: Connection) => (await connection.socket.waitClosed()).reason;

/** Waits until everything sent before has been handled: a change of the owner's has gone through. */
async function roundTrip(document: ParagraphDocument): Promise<void> {
  await document.roundTrip();
}

const connect = (document: ParagraphDocument, protocol: Protocol, role: Role, sub: string) => document.connect(protocol, role, sub);

/** What is asserted on disk once the server stopped: per document, what must and must not be there. */
const onDisk: Array<{ name: string; has: string[]; hasNot: string[] }> = [];

describe('content waiting for missing dependencies', () => {
  for (const [index, protocol] of (['hocuspocus', 'y-websocket'] as const).entries()) {
    it(`[G10] ${protocol}: a commenter's direct write hidden behind content the server dropped is refused, and an innocent update releases nothing`, async () => {
      const document = await paragraphDocument(`pending-write-${protocol}`);
      const live = document.live();
      const attacker = 7_000_001 + index;
      const base = Y.encodeStateVector(live);
      // U1: a direct write, which the server drops (a commenter writes only suggestions).
      const forged = copyAs(live, attacker);
      textIn(forged).insert(0, 'EVIL');
      const u1 = Y.encodeStateAsUpdate(forged, base);
      // U2: more direct writing at the end of the owner's text, at the clocks after U1's.
      const afterU1 = Y.encodeStateVector(forged);
      textIn(forged).insert(textIn(forged).length, 'SNEAK');
      const u2 = Y.encodeStateAsUpdate(forged, afterU1);
      // U1': the commenter's own honest suggestion, at exactly U1's clocks.
      const honest = copyAs(live, attacker);
      textIn(honest).insert(0, 'ab', { suggestionInsert: stamp(`c-${protocol}`, `s-${protocol}`) });
      const u1Again = Y.encodeStateAsUpdate(honest, base);
      expect(clocksOf(u1Again, attacker)).toBe(clocksOf(u1, attacker));

      const commenter = await connect(document, protocol, 'commenter', `c-${protocol}`);
      commenter.send(u1);
      commenter.send(u2);
      await roundTrip(document);
      const again = await connect(document, protocol, 'commenter', `c-${protocol}`);
      again.send(u1Again);
      await roundTrip(document);

      expect(textIn(live).toString()).not.toMatch(/SNEAK|EVIL/);
      expect(textIn(document.owner.doc).toString()).not.toMatch(/SNEAK|EVIL/);
      expect(live.store.pendingStructs).toBeNull();
      expect(await refusal(commenter)).toBe(CloseCodes.MissingDependencies.reason);
      // The honest suggestion is taken as any other.
      await waitFor(() => charactersOf(document.owner.doc) === 'abhello world', { message: "the commenter's suggestion at the owner" });
      onDisk.push({ name: document.name, has: ['hello world'], hasNot: ['SNEAK', 'EVIL'] });
    });

    it(`[G10] ${protocol}: a viewer's write at later clocks never waits; a commenter's update at the missing clocks releases nothing`, async () => {
      const document = await paragraphDocument(`pending-viewer-${protocol}`);
      const live = document.live();
      const writer = 7_300_001 + index;
      const base = Y.encodeStateVector(live);
      const forged = copyAs(live, writer);
      textIn(forged).insert(0, 'EVIL');
      const afterU1 = Y.encodeStateVector(forged);
      textIn(forged).insert(textIn(forged).length, 'SNEAK');
      const u2 = Y.encodeStateAsUpdate(forged, afterU1);
      const honest = copyAs(live, writer);
      textIn(honest).insert(0, 'ab', { suggestionInsert: stamp(`v-${protocol}`, `v-${protocol}`) });
      const u1Again = Y.encodeStateAsUpdate(honest, base);
      expect(clocksOf(u1Again, writer)).toBe(Y.decodeStateVector(afterU1).get(writer));

      const viewer = await connect(document, protocol, 'viewer', `v-${protocol}`);
      viewer.send(u2);
      await roundTrip(document);
      const commenter = await connect(document, protocol, 'commenter', `v-${protocol}`);
      commenter.send(u1Again);
      await waitFor(() => charactersOf(document.owner.doc) === 'abhello world', { message: "the commenter's suggestion at the owner" });
      await roundTrip(document);

      expect(charactersOf(live)).toBe('abhello world');
      expect(charactersOf(document.owner.doc)).toBe('abhello world');
      expect(live.store.pendingStructs).toBeNull();
      onDisk.push({ name: document.name, has: ['hello world'], hasNot: ['SNEAK', 'EVIL'] });
    });

    it(`[G10] ${protocol}: an editor's schema-invalid element waiting for content never sent never reaches the document: it is dropped once released`, async () => {
      const document = await paragraphDocument(`pending-schema-${protocol}`);
      const live = document.live();
      const attacker = 7_100_001 + index;
      const base = Y.encodeStateVector(live);
      // U1 (never sent): a paragraph; U2: an unknown element right after it.
      const forged = copyAs(live, attacker);
      forged.getXmlFragment(BODY_FIELD).push([paragraph('first')]);
      const afterU1 = Y.encodeStateVector(forged);
      forged.getXmlFragment(BODY_FIELD).push([element('script', [paragraph('evil')])]);
      const u2 = Y.encodeStateAsUpdate(forged, afterU1);
      // U1': a valid paragraph at U1's clocks.
      const honest = copyAs(live, attacker);
      honest.getXmlFragment(BODY_FIELD).push([paragraph('other')]);
      const u1Again = Y.encodeStateAsUpdate(honest, base);
      expect(clocksOf(u1Again, attacker)).toBe(Y.decodeStateVector(afterU1).get(attacker));

      const editor = await connect(document, protocol, 'editor', `e-${protocol}`);
      editor.send(u2);
      await roundTrip(document);
      const again = await connect(document, protocol, 'editor', `e-${protocol}`);
      again.send(u1Again);
      await waitFor(() => bodyOf(document.owner.doc).includes('other'), { message: 'the valid paragraph at the owner' });
      await roundTrip(document);

      expect(bodyOf(live)).not.toMatch(/script|evil/);
      expect(bodyOf(document.owner.doc)).not.toMatch(/script|evil/);
      expect(live.store.pendingStructs).toBeNull();
      onDisk.push({ name: document.name, has: ['other'], hasNot: ['script', 'evil'] });
    });

    it(`[G10] ${protocol}: a commenter's deletion of text the server does not have yet is refused; the owner's next words stay`, async () => {
      const document = await paragraphDocument(`pending-delete-${protocol}`);
      const live = document.live();
      const owner = document.owner.doc.clientID;
      const next = Y.getState(live.store, owner);
      // An honest-looking suggestion, carrying a deletion of the owner's next 100 clocks.
      const writer = copyAs(live, 7_200_001 + index);
      const base = Y.encodeStateVector(live);
      textIn(writer).insert(0, 'ok ', { suggestionInsert: stamp(`d-${protocol}`, `d-${protocol}`) });
      const update = Y.mergeUpdates([Y.encodeStateAsUpdate(writer, base), deletionOnly(owner, next, 100)]);

      const commenter = await connect(document, protocol, 'commenter', `d-${protocol}`);
      commenter.send(update);
      await roundTrip(document);
      // The owner goes on typing: nothing may delete it.
      textIn(document.owner.doc).insert(textIn(document.owner.doc).length, ' and more');
      await document.owner.saved();
      await roundTrip(document);

      expect(charactersOf(live)).toBe('hello world and more');
      expect(charactersOf(document.owner.doc)).toBe('hello world and more');
      expect(live.store.pendingDs).toBeNull();
      expect(await refusal(commenter)).toBe(CloseCodes.MissingDependencies.reason);
      onDisk.push({ name: document.name, has: ['hello world and more'], hasNot: [] });
    });
  }

  it('[G10] what the stored update log holds is what the checks let through', async () => {
    for (const document of documents) document.owner.destroy();
    await server.stop();
    try {
      expect(onDisk.length).toBe(8);
      for (const { name, has, hasNot } of onDisk) {
        const stored = await loadStoredDocument(server.dataDir, name);
        const body = bodyOf(stored);
        for (const text of has) expect(body, name).toContain(text);
        for (const text of hasNot) expect(body, name).not.toContain(text);
        expect(stored.store.pendingStructs, name).toBeNull();
        expect(stored.store.pendingDs, name).toBeNull();
      }
    } finally {
      await server.restart();
    }
  });
});
