import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readBodyOf } from '../../shared/conversion';
import { BODY_FIELD } from '../../shared/documentFields';
import { apiRequest } from '../../testing/apiRequest';
import { hocuspocusClient } from '../../testing/clients';
import { invalidDocument, TEXT_IN_INVALID_PARTS, VALID_PARAGRAPHS } from '../../testing/invalidDocument';
import { createSampleDocument } from '../../testing/sampleDocument';
import { scrapeMetrics } from '../../testing/scrapeMetrics';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Documents that already hold content the schema does not allow (stored before the update guard,
 * or restored from a backup) are read without failing and repaired when they load
 * (`shared/SCHEMA-RULES.md` [R1], [R2]). The document is written straight into the store, past
 * the guard, as older data would be.
 */

const NAME = 'stored-invalid';
let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.token({ doc: '*', role: 'admin', sub: 'admin' });
  await server.server.store.create(NAME, { update: invalidDocument() });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const get = (path: string) => apiRequest(server.httpUrl, 'GET', path, { token: admin });
const expectAllText = (content: string, what: string) => {
  for (const text of [...VALID_PARAGRAPHS, ...TEXT_IN_INVALID_PARTS]) expect(content, `${what} keeps "${text}"`).toContain(text);
};

describe('[R1] reading a stored document with invalid content', () => {
  it('[R1] the content API answers every format with all the text, nothing unsafe', async () => {
    for (const format of ['json', 'html', 'markdown', 'text']) {
      const answer = await get(`/api/docs/${NAME}/content?format=${format}`);
      expect(answer.status, `${format}: ${answer.text.slice(0, 200)}`).toBe(200);
      expectAllText(answer.text, format);
      expect(answer.text).not.toContain('javascript:');
      expect(answer.text).not.toContain('position: fixed');
      expect(answer.text).not.toContain('dialog-backdrop');
    }
    // Reading changed nothing: the document is not even loaded.
    expect(server.server.hocuspocus.documents.has(NAME)).toBe(false);
  });

  it('[R1] versions holding invalid content are read, compared and restored', async () => {
    const version = await server.server.historyService.nameCurrent(NAME, 'invalid as stored');
    for (const format of ['json', 'html', 'markdown', 'text']) {
      const answer = await get(`/api/docs/${NAME}/versions/${version.id}/content?format=${format}`);
      expect(answer.status, format).toBe(200);
      expectAllText(answer.text, `version ${format}`);
    }
    const diff = await get(`/api/docs/${NAME}/versions/${version.id}/diff?to=current`);
    expect(diff.status).toBe(200);
    expect(diff.json.changes).toEqual([]);
    const editor = await server.token({ doc: NAME, sub: 'restorer' });
    const restored = await apiRequest(server.httpUrl, 'POST', `/api/docs/${NAME}/versions/${version.id}/restore`, { token: editor });
    expect(restored.status, restored.text).toBe(200);
    expectAllText((await get(`/api/docs/${NAME}/content?format=text`)).text, 'after the restore');
  });

  it('[R1] reading never throws, never changes the Y.Doc, and lists every problem', () => {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, invalidDocument());
    const before = Y.encodeStateAsUpdate(doc);
    const reading = readBodyOf(doc);
    reading.node.check();
    expect(Y.encodeStateAsUpdate(doc)).toEqual(before);
    const rules = new Set(reading.problems.map((problem) => problem.rule));
    for (const rule of ['G2', 'G3', 'G4', 'G5', 'G6', 'G7', 'G8', 'V3']) expect(rules, `a problem under ${rule}`).toContain(rule);
  });
});

describe('[R2] loading a document with invalid content repairs it', () => {
  it('[R2] the server repairs only what is invalid, as the Server, and keeps every text; the valid paragraphs keep their identity', async () => {
    const NAME = 'loaded-invalid';
    await server.server.store.create(NAME, { update: invalidDocument() });
    const stored = await server.server.store.load(NAME);
    const original = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(original, update);
    const validIds = original
      .getXmlFragment(BODY_FIELD)
      .toArray()
      .filter((child): child is Y.XmlElement => child instanceof Y.XmlElement && VALID_PARAGRAPHS.includes(child.toArray()[0]?.toString() ?? ''))
      .map((child) => child._item?.id as Y.ID);
    expect(validIds).toHaveLength(3);
    const repairsBefore = (await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="load"}') ?? 0;

    const client = hocuspocusClient(server.hocuspocusUrl, NAME, await server.token({ doc: NAME, sub: 'reader' }));
    await client.synced();
    const live = server.server.hocuspocus.documents.get(NAME) as Y.Doc;
    expect(readBodyOf(live).problems).toEqual([]);
    await waitFor(() => client.doc.getXmlFragment(BODY_FIELD).toString() === live.getXmlFragment(BODY_FIELD).toString(), {
      message: 'the client to hold the repair',
    });
    expect(readBodyOf(client.doc).problems).toEqual([]);
    expectAllText(JSON.stringify(readBodyOf(live).node.toJSON()), 'the repaired document');
    expect((await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="load"}')).toBe(repairsBefore + 1);
    const version = await server.server.historyService.nameCurrent(NAME, 'repaired');
    expect(version.authors.map((author) => author.id)).toEqual(['server']);
    client.destroy();

    // On disk: repaired, and not one of the valid paragraphs was deleted.
    await server.stop();
    const onDisk = (await loadStored(server.dataDir, [NAME])).get(NAME)?.doc as Y.Doc;
    expect(readBodyOf(onDisk).problems).toEqual([]);
    const deleted = Y.createDeleteSetFromStructStore(onDisk.store);
    for (const id of validIds) expect(Y.isDeleted(deleted, id), 'a valid paragraph was deleted').toBe(false);
    server = await startTestServer({ dataDir: server.dataDir });
  });

  it('[R2] a valid document is loaded unchanged', async () => {
    await createSampleDocument(server.server.documents, 'valid-one');
    const before = (await server.server.store.getMeta('valid-one'))?.logCount;
    const repairsBefore = (await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="load"}') ?? 0;
    const client = hocuspocusClient(server.hocuspocusUrl, 'valid-one', await server.token({ doc: 'valid-one' }));
    await client.synced();
    await client.saved();
    expect((await server.server.store.getMeta('valid-one'))?.logCount).toBe(before);
    expect((await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="load"}') ?? 0).toBe(repairsBefore);
    client.destroy();
  });
});
