import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import * as Y from 'yjs';
import { mintToken } from '../../shared/token';
import { ackThenKillRound, TYPED_FIELD } from '../../testing/ackThenKill';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { fuzzSeed, SeededRandom } from '../../testing/seededRandom';
import { ServerProcess } from '../../testing/serverProcess';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, TEST_SECRET } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * The durability promise, attacked: an acknowledged edit survives SIGKILL at any moment, and a
 * SIGTERM stores everything the server received (acknowledged or not) and exits 0.
 *
 * Replay a run: FUZZ_SEED=<seed> npx vitest run collab-server/test/durability.test.ts
 */

const ROUNDS = Number(process.env.KILL_ROUNDS ?? 20);

let dataDir: string;
beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'collab-durability-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

/** Environment of a real collab-server process on `dataDir`, compacting often so kills land mid-compaction too. */
const serverEnv = (folder: string) => ({ DATA_DIR: folder, PORT: '0', AUTH_SECRET: TEST_SECRET, COMPACT_LOG_ENTRIES: '25' });

/** Items in `doc`'s typed list. */
const itemsOf = (doc: Y.Doc | undefined) => new Set(doc?.getArray<string>(TYPED_FIELD).toArray() ?? []);

describe('ack-then-kill', () => {
  it(`[D1] every acknowledged update survives SIGKILL at a random moment (${ROUNDS} rounds, both protocols typing)`, async () => {
    const seed = fuzzSeed();
    console.log(`ack-then-kill seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run collab-server/test/durability.test.ts)`);
    const random = new SeededRandom(seed);
    const folder = path.join(dataDir, 'kill');
    const documents = ['kill-a', 'kill-b'];
    let acknowledged = 0;
    let typed = 0;
    const lost: string[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      const server = await ServerProcess.start('collab-server/main.ts', serverEnv(folder));
      const result = await ackThenKillRound({ server, dataDir: folder, secret: TEST_SECRET, documents, random, round: `r${round}` });
      acknowledged += result.acknowledged;
      typed += result.typed;
      lost.push(...result.lost.map((item) => `round ${round} (killed ${result.kill}): ${item}`));
    }
    console.log(`ack-then-kill: ${ROUNDS} rounds survived, ${typed} items typed, ${acknowledged} acknowledged, ${lost.length} lost`);
    expect(lost, `seed ${seed}: acknowledged items missing after SIGKILL`).toEqual([]);
    // The check would be empty if nothing were ever acknowledged before a kill.
    expect(acknowledged).toBeGreaterThan(ROUNDS);
  }, 240_000);
});

describe('graceful stop', () => {
  it('[D2] SIGTERM with writes in flight: the process exits 0 with every acknowledged and every received update stored', async () => {
    const folder = path.join(dataDir, 'term');
    const server = await ServerProcess.start('collab-server/main.ts', serverEnv(folder));
    onTestFinished(() => server.stop('SIGKILL').then(() => undefined));
    const url = server.httpUrl.replace('http', 'ws');
    const name = 'term-doc';
    const editor = await mintToken(TEST_SECRET, { sub: 'writer', name: 'Writer', doc: name, role: 'editor' });
    const viewer = await mintToken(TEST_SECRET, { sub: 'observer', name: 'Observer', doc: name, role: 'viewer' });
    const writers = [hocuspocusClient(`${url}/collab`, name, editor), hocuspocusClient(`${url}/collab`, name, editor)];
    const plain = yWebsocketClient(`${url}/y`, name, editor);
    await Promise.all([plain.synced(), ...writers.map((writer) => writer.synced())]);
    // The observer only receives (a viewer cannot create the document, so it comes second):
    // whatever it sees, the server had applied.
    const observer = hocuspocusClient(`${url}/collab`, name, viewer);
    await observer.synced();

    const acknowledged = new Set<string>();
    const observed = new Set<string>();
    observer.doc.getArray<string>(TYPED_FIELD).observe((event) => {
      for (const item of event.changes.delta.flatMap((change) => (change.insert as string[] | undefined) ?? [])) observed.add(item);
    });
    let typing = true;
    let counter = 0;
    const docs = [...writers.map((writer) => writer.doc), plain.doc];
    const pending = writers.map(() => [] as string[]);
    for (const [index, writer] of writers.entries()) {
      writer.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
        if (number !== 0) return;
        for (const item of pending[index]) acknowledged.add(item);
        pending[index] = [];
      });
    }
    // Bursts every 2 ms with a pause after every 25 items: the server holds acknowledgements for
    // its commit interval under load, and a client hears "all synced" in the pauses.
    const loops = docs.map((doc, index) => {
      const loop = { timer: undefined as NodeJS.Timeout | undefined };
      const tick = () => {
        if (!typing) return;
        const item = `w${index}/${counter++}`;
        if (index < writers.length) pending[index].push(item);
        doc.getArray<string>(TYPED_FIELD).push([item]);
        loop.timer = setTimeout(tick, counter % 25 === 0 ? 150 : 2);
      };
      tick();
      return loop;
    });
    await waitFor(() => acknowledged.size > 50, { message: 'some acknowledged writes before stopping' });

    const exitCode = await server.stop('SIGTERM');
    typing = false;
    for (const loop of loops) clearTimeout(loop.timer);
    for (const client of [observer, plain, ...writers]) client.destroy();

    expect(exitCode, server.output.slice(-2000)).toBe(0);
    expect(server.output).toContain('every received update is stored');
    const stored = itemsOf((await loadStored(folder, [name])).get(name)?.doc);
    expect(
      [...acknowledged].filter((item) => !stored.has(item)),
      'acknowledged but not stored',
    ).toEqual([]);
    expect(
      [...observed].filter((item) => !stored.has(item)),
      'received (seen by the observer) but not stored',
    ).toEqual([]);
    expect(observed.size).toBeGreaterThan(acknowledged.size / 2);
    console.log(`graceful stop: ${counter} items typed, ${acknowledged.size} acknowledged, ${observed.size} seen applied, ${stored.size} stored`);
  }, 60_000);

  it('[D3] closing the server mid-typing stores every update its documents applied, including those applied while it stopped', async () => {
    const server = await startTestServer();
    const name = 'close-doc';
    const token = await server.token({ doc: name });
    const clients = [hocuspocusClient(server.hocuspocusUrl, name, token), hocuspocusClient(server.hocuspocusUrl, name, token)];
    const plain = yWebsocketClient(server.yWebsocketUrl, name, token);
    await Promise.all([plain.synced(), ...clients.map((client) => client.synced())]);
    // A mirror of everything the server's live document applies, straight from its update events.
    const applied = new Y.Doc();
    const live = server.server.hocuspocus.documents.get(name);
    if (!live) throw new Error('the document is not loaded');
    live.on('update', (update: Uint8Array) => Y.applyUpdate(applied, update));

    let counter = 0;
    const docs = [...clients.map((client) => client.doc), plain.doc];
    const loops = docs.map((doc, index) => setInterval(() => doc.getArray<string>(TYPED_FIELD).push([`c${index}/${counter++}`]), 1));
    await waitFor(() => applied.getArray(TYPED_FIELD).length > 100, { message: 'the server to apply some updates' });
    await server.server.close();
    for (const loop of loops) clearInterval(loop);
    for (const client of [plain, ...clients]) client.destroy();
    await server.stop({ removeData: false }).catch(() => undefined);

    const stored = itemsOf((await loadStored(server.dataDir, [name])).get(name)?.doc);
    const missing = applied
      .getArray<string>(TYPED_FIELD)
      .toArray()
      .filter((item) => !stored.has(item));
    expect(missing, 'applied by the server but not stored').toEqual([]);
    await rm(server.dataDir, { recursive: true, force: true });
  }, 60_000);
});
