import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { exportBody, initialUpdate, parseContent } from '../../shared/conversion';
import { BODY_FIELD } from '../../shared/documentFields';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { FaultyStore } from '../../testing/faultyStore';
import { startTestServer, type TestServer, type TestServerOptions } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Automatic versions (collab-server/history/HistoryExtension.ts): captured without anyone asking,
 * after a burst of edits, while edits go on and when the last editor leaves, naming everyone who
 * changed the document. Timings are configured short; the tests poll, never sleep.
 */

let server: TestServer | undefined;
const clients: HocuspocusClient[] = [];

afterEach(async () => {
  for (const client of clients.splice(0)) client.destroy();
  await server?.stop({ removeData: true });
  server = undefined;
});

async function start(history: { idle: number; interval: number }, options: TestServerOptions = {}): Promise<TestServer> {
  server = await startTestServer({ ...options, config: { historyIdleMs: history.idle, historyMaxIntervalMs: history.interval, ...options.config } });
  return server;
}

/** A document holding one paragraph with `text`. */
async function createDocument(name: string, text = 'Start'): Promise<void> {
  await server?.server.documents.create(name, { update: initialUpdate(parseContent(text, 'text')) });
}

async function connect(name: string, user: string): Promise<HocuspocusClient> {
  const client = hocuspocusClient(server!.hocuspocusUrl, name, await server!.token({ doc: name, sub: user, name: user.toUpperCase() }));
  clients.push(client);
  await client.synced();
  return client;
}

/** Types `text` into the first paragraph (at its end, or at its start), a character per transaction. */
async function type(doc: Y.Doc, text: string, at: 'end' | 'start' = 'end'): Promise<void> {
  for (const [index, character] of [...text].entries()) {
    const run = (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
    run.insert(at === 'end' ? run.length : index, character);
    await new Promise((resolve) => setImmediate(resolve));
  }
}
const listed = (name: string) => server!.server.historyService.list(name);
const textAt = (name: string, id: number) => server!.server.historyService.read(name, id, (doc) => exportBody(doc, 'text'));

describe('automatic versions', () => {
  it('a burst of edits becomes a version once it pauses, naming everyone who typed', async () => {
    await start({ idle: 300, interval: 60_000 });
    await createDocument('burst');
    const ada = await connect('burst', 'ada');
    const bob = await connect('burst', 'bob');
    await Promise.all([type(ada.doc, ' by Ada'), type(bob.doc, 'Bob: ', 'start')]);
    const [version] = await waitFor(async () => ((await listed('burst')).length === 1 ? listed('burst') : null), { message: 'a version after the pause' });
    // Both typed at once: the order they are named in is the order their changes arrived.
    expect(version.authors.map((author) => [author.id, author.name]).sort()).toEqual([
      ['ada', 'ADA'],
      ['bob', 'BOB'],
    ]);
    expect(version.label).toBeNull();
    expect(await textAt('burst', version.id)).toBe('Bob: Start by Ada');
  });

  it('typing that goes on for longer than the pause becomes one version, once it stops', async () => {
    await start({ idle: 500, interval: 60_000 });
    await createDocument('long-burst');
    const ada = await connect('long-burst', 'ada');
    // A character every 20 ms for three times the pause: the pause only starts after the last one.
    const stopAt = performance.now() + 1500;
    let typed = 0;
    await waitFor(
      async () => {
        await type(ada.doc, 'x');
        typed += 1;
        return performance.now() >= stopAt;
      },
      { intervalMs: 20, timeoutMs: 10_000, message: 'a burst of typing' },
    );
    const [first] = await waitFor(async () => ((await listed('long-burst')).length > 0 ? listed('long-burst') : null), {
      message: 'a version after the burst',
    });
    expect(await textAt('long-burst', first.id)).toBe(`Start${'x'.repeat(typed)}`);
  });

  it('while edits go on without a pause, a version is still captured every interval', async () => {
    await start({ idle: 60_000, interval: 200 });
    await createDocument('steady');
    const ada = await connect('steady', 'ada');
    let typed = 0;
    // Ada keeps typing (a character every 20 ms: never a pause of the idle time) until two versions exist.
    await waitFor(
      async () => {
        await type(ada.doc, 'x');
        typed += 1;
        return (await listed('steady')).length >= 2;
      },
      { intervalMs: 20, message: 'two versions while typing goes on' },
    );
    const [newer, older] = await listed('steady');
    const [newerText, olderText] = [await textAt('steady', newer.id), await textAt('steady', older.id)];
    expect(olderText).toMatch(/^Startx+$/);
    expect(newerText.startsWith(olderText) && newerText.length > olderText.length).toBe(true);
    expect(newerText.length).toBeLessThanOrEqual('Start'.length + typed);
  });

  it('the last editor leaving captures a version at once', async () => {
    await start({ idle: 60_000, interval: 60_000 });
    await createDocument('leaving');
    const ada = await connect('leaving', 'ada');
    await type(ada.doc, '!');
    await ada.saved();
    expect(await listed('leaving')).toEqual([]);
    ada.destroy();
    const [version] = await waitFor(async () => ((await listed('leaving')).length === 1 ? listed('leaving') : null), { message: 'a version once Ada left' });
    expect(version.authors.map((author) => author.id)).toEqual(['ada']);
    expect(await textAt('leaving', version.id)).toBe('Start!');
  });

  it('a document that did not change since its latest version gets no new version', async () => {
    await start({ idle: 100, interval: 60_000 });
    await createDocument('still');
    const ada = await connect('still', 'ada');
    await type(ada.doc, '.');
    const [first] = await waitFor(async () => ((await listed('still')).length === 1 ? listed('still') : null), { message: 'the first version' });
    // Asking for a capture now finds nothing new: the answer is the same version.
    expect((await server!.server.history.capture('still'))?.id).toBe(first.id);
    ada.destroy();
    expect((await server!.server.history.capture('still'))?.id).toBe(first.id);
    expect(await listed('still')).toHaveLength(1);
  });

  it('changes made through the content API are versions by the token identity', async () => {
    await start({ idle: 60_000, interval: 60_000 });
    await createDocument('by-api');
    const token = await server!.token({ doc: 'by-api', sub: 'backend', name: 'Nightly job' });
    const response = await fetch(`${server!.httpUrl}/api/docs/by-api/content`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Appended by the job', format: 'text' }),
    });
    expect(response.status).toBe(200);
    // Nobody is connected: the API's change leaves the document as its last editor.
    const [version] = await waitFor(async () => ((await listed('by-api')).length === 1 ? listed('by-api') : null), { message: 'a version of the API change' });
    expect(version.authors).toEqual([{ id: 'backend', name: 'Nightly job', color: expect.any(String) }]);
    expect(await textAt('by-api', version.id)).toBe('Start\n\nAppended by the job');
  });

  it('a version waits until the changes it holds are durable', async () => {
    let faulty: FaultyStore | undefined;
    await start(
      { idle: 100, interval: 60_000 },
      {
        store: (dataDir) => {
          faulty = new FaultyStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
          return faulty;
        },
      },
    );
    await createDocument('durable');
    const ada = await connect('durable', 'ada');
    faulty!.inject(['append']);
    await type(ada.doc, ' kept');
    // Three failed attempts take longer than the pause: the capture has started and waits for the write.
    await waitFor(() => faulty!.failed('append') >= 3, { message: 'the appends to fail three times' });
    expect(await listed('durable')).toEqual([]);
    faulty!.heal();
    const [version] = await waitFor(async () => ((await listed('durable')).length === 1 ? listed('durable') : null), {
      message: 'the version once the disk is back',
    });
    expect(await textAt('durable', version.id)).toBe('Start kept');
  });

  it('versions survive a restart and keep rebuilding the states they were captured at', async () => {
    await start({ idle: 100, interval: 60_000 });
    await createDocument('lasting', 'One');
    const ada = await connect('lasting', 'ada');
    await type(ada.doc, ' two');
    await waitFor(async () => (await listed('lasting')).length === 1, { message: 'the first version' });
    await type(ada.doc, ' three');
    await waitFor(async () => (await listed('lasting')).length === 2, { message: 'the second version' });
    ada.destroy();
    const before = await listed('lasting');
    await server!.restart();
    expect(await listed('lasting')).toEqual(before);
    expect(await textAt('lasting', before[1].id)).toBe('One two');
    expect(await textAt('lasting', before[0].id)).toBe('One two three');
  });

  it('deleting a document deletes its versions with it', async () => {
    await start({ idle: 100, interval: 60_000 });
    await createDocument('doomed');
    const ada = await connect('doomed', 'ada');
    await type(ada.doc, '?');
    await waitFor(async () => (await listed('doomed')).length === 1, { message: 'a version' });
    expect(await server!.server.documents.delete('doomed')).toBe(true);
    await expect(listed('doomed')).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await createDocument('doomed');
    expect(await listed('doomed')).toEqual([]);
  });
});
