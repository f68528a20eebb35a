import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import { mintToken } from '../../shared/token';
import { TYPED_FIELD } from '../../testing/ackThenKill';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { FaultyStore } from '../../testing/faultyStore';
import { ServerProcess } from '../../testing/serverProcess';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Disk faults. Through the store interface (a fault-injecting wrapper around the real LevelDB
 * store) and for real (a full tmpfs as DATA_DIR): a failed write is never acknowledged, the
 * document stays in memory and keeps serving, writes are retried, /readyz fails, and once the disk
 * is back everything is stored and nothing acknowledged is ever lost, not even after a kill -9.
 */

let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.reverse()) await step();
  cleanup = [];
});

async function faultyServer(): Promise<{ server: TestServer; store: () => FaultyStore }> {
  let store: FaultyStore | undefined;
  const server = await startTestServer({
    store: (dataDir) => {
      store = new FaultyStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
      return store;
    },
  });
  cleanup.push(() => server.stop({ removeData: true }));
  return { server, store: () => store as FaultyStore };
}

const readyz = async (httpUrl: string) => {
  const response = await fetch(`${httpUrl}/readyz`);
  return { status: response.status, body: (await response.json()) as { problems?: string[] } };
};

/** Items typed by a Hocuspocus client, split into acknowledged and not (yet). */
function typist(client: ReturnType<typeof hocuspocusClient>) {
  const acknowledged = new Set<string>();
  let pending: string[] = [];
  client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
    if (number !== 0) return;
    for (const item of pending) acknowledged.add(item);
    pending = [];
  });
  return {
    acknowledged,
    type(item: string) {
      pending.push(item);
      client.doc.getArray<string>(TYPED_FIELD).push([item]);
    },
  };
}

describe('store faults through the store interface', () => {
  it('[F1] failing writes: nothing acknowledged, the document stays in memory and serves, retries, /readyz 503; all stored once healed', async () => {
    const { server, store } = await faultyServer();
    const name = 'faulty';
    const token = await server.token({ doc: name });
    const writer = hocuspocusClient(server.hocuspocusUrl, name, token);
    const reader = yWebsocketClient(server.yWebsocketUrl, name, token);
    await Promise.all([writer.synced(), reader.synced()]);
    const typing = typist(writer);
    typing.type('before');
    await writer.saved();

    store().inject(['append', 'compact', 'create', 'probe']);
    for (let i = 0; i < 5; i++) typing.type(`during-${i}`);
    await waitFor(() => store().failed('append') >= 3, { message: 'the write to fail and be retried three times' });
    expect(writer.provider.unsyncedChanges, 'a write that failed was acknowledged').toBeGreaterThan(0);
    expect([...typing.acknowledged]).toEqual(['before']);
    // In memory: the other client got the edits, and a newcomer loads them from the live document.
    await waitFor(() => reader.doc.getArray(TYPED_FIELD).length === 6, { message: 'the edits to reach the other client' });
    const newcomer = hocuspocusClient(server.hocuspocusUrl, name, token);
    await newcomer.synced();
    expect(newcomer.doc.getArray(TYPED_FIELD).length).toBe(6);
    newcomer.destroy();
    const ready = await readyz(server.httpUrl);
    expect(ready.status).toBe(503);
    expect(ready.body.problems?.join(' ')).toMatch(/failing to save/);
    expect((await fetch(`${server.httpUrl}/healthz`)).status).toBe(200);
    // Nobody is left connected, yet the document must not be unloaded with unsaved updates.
    reader.destroy();
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(server.server.hocuspocus.documents.has(name)).toBe(true);

    store().heal();
    await writer.saved();
    expect([...typing.acknowledged].sort()).toEqual(['before', ...Array.from({ length: 5 }, (_, i) => `during-${i}`)].sort());
    await waitFor(async () => (await readyz(server.httpUrl)).status === 200, { message: '/readyz to recover' });
    writer.destroy();
    // With the writes done and nobody connected, the document unloads (memory follows the working set).
    await waitFor(() => !server.server.hocuspocus.documents.has(name), { message: 'the document to unload' });
    await server.stop();
    const stored = (await loadStored(server.dataDir, [name])).get(name)?.doc.getArray<string>(TYPED_FIELD).toArray();
    expect(stored?.sort()).toEqual([...typing.acknowledged].sort());
  });

  it('[F2] writes that land but report failure are retried without duplicating anything', async () => {
    const { server, store } = await faultyServer();
    const name = 'ambiguous';
    const writer = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await writer.synced();
    writer.doc.getText(TITLE_FIELD).insert(0, 'start ');
    await writer.saved();
    store().inject(['append'], 'fail-after-write');
    writer.doc.getText(TITLE_FIELD).insert(6, 'twice-written ');
    await waitFor(() => store().failed('append') >= 2, { message: 'the ambiguous write to be retried' });
    store().heal();
    await writer.saved();
    writer.destroy();
    await server.stop();
    const stored = (await loadStored(server.dataDir, [name])).get(name)?.doc;
    expect(stored?.getText(TITLE_FIELD).toString()).toBe('start twice-written ');
  });

  it('[F3] a failed load refuses the connection with storage-unavailable and never overwrites the stored document', async () => {
    const { server, store } = await faultyServer();
    const name = 'unreadable';
    const token = await server.token({ doc: name });
    const writer = hocuspocusClient(server.hocuspocusUrl, name, token);
    await writer.synced();
    writer.doc.getText(TITLE_FIELD).insert(0, 'precious');
    await writer.saved();
    writer.destroy();
    await waitFor(() => !server.server.hocuspocus.documents.has(name), { message: 'the document to unload' });

    store().inject(['load']);
    const hp = hocuspocusClient(server.hocuspocusUrl, name, token);
    await waitFor(() => hp.refusals.includes(CloseCodes.StorageUnavailable.reason), { message: 'the storage-unavailable refusal' });
    hp.destroy();
    const yw = yWebsocketClient(server.yWebsocketUrl, name, token);
    await waitFor(() => yw.closes.some((close) => close.code === CloseCodes.StorageUnavailable.code), { message: 'the storage-unavailable close' });
    yw.destroy();
    store().heal();
    const again = hocuspocusClient(server.hocuspocusUrl, name, token);
    await again.synced();
    expect(again.doc.getText(TITLE_FIELD).toString()).toBe('precious');
    again.destroy();
  });

  it('[F4] failing compactions do not hold back acknowledgements of appends that succeed', async () => {
    let store: FaultyStore | undefined;
    const server = await startTestServer({
      config: { compactLogEntries: 3 },
      store: (dataDir) => {
        store = new FaultyStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
        return store;
      },
    });
    cleanup.push(() => server.stop({ removeData: true }));
    const name = 'compaction';
    const writer = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await writer.synced();
    store?.inject(['compact']);
    for (let i = 0; i < 12; i++) {
      writer.doc.getText(TITLE_FIELD).insert(0, `${i};`);
      const started = performance.now();
      await writer.saved();
      // Each append is durable at once; only the folding of the log waits for a retry.
      expect(performance.now() - started, `edit ${i} waited for a failing compaction`).toBeLessThan(1000);
    }
    expect(store?.failed('compact')).toBeGreaterThan(0);
    writer.destroy();
  });
});

/** True when this process may mount a tmpfs (root, or the capability), so a real full disk can be made. */
function canMountTmpfs(): boolean {
  const probe = mkdtempSync(path.join(os.tmpdir(), 'tmpfs-probe-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', probe], { stdio: 'ignore' });
    execFileSync('umount', [probe], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(probe, { recursive: true, force: true });
  }
}

/** A small tmpfs to use as a disk that can be filled; unmounted in `cleanup`. */
function smallDisk(megabytes: number): { folder: string; fill(): void; free(): void } {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'collab-disk-'));
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${megabytes}m`, 'tmpfs', folder]);
  cleanup.push(() => {
    execFileSync('umount', ['-l', folder]);
    rmSync(folder, { recursive: true, force: true });
  });
  const filler = path.join(folder, 'filler');
  return {
    folder,
    fill() {
      const fd = openSync(filler, 'w');
      try {
        const chunk = Buffer.alloc(64 * 1024, 1);
        for (;;) writeSync(fd, chunk);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
      } finally {
        closeSync(fd);
      }
    },
    free: () => rmSync(filler),
  };
}

const realDisk = canMountTmpfs();

describe.skipIf(!realDisk)('a real full disk (a tmpfs as DATA_DIR; needs permission to mount)', () => {
  it('[F5] LevelDB: writes after a failed one are still there after a crash (the torn log record does not swallow them)', async () => {
    const disk = smallDisk(2);
    const location = path.join(disk.folder, 'db');
    const db = new LevelDatabase(location);
    await db.open();
    await db.batch([{ type: 'put', key: 'before', value: 'x' }], true);
    disk.fill();
    await expect(db.batch([{ type: 'put', key: 'torn', value: 'y'.repeat(20_000) }], true)).rejects.toThrow(/No space left/);
    disk.free();
    const written: string[] = [];
    for (let i = 0; i < 20; i++) {
      await db.batch([{ type: 'put', key: `after-${i}`, value: 'z'.repeat(1000) }], true);
      written.push(`after-${i}`);
    }
    // No close: the process "crashes" here. A second handle can only open once the first lets go,
    // so copy the folder as a crash would leave it and recover the copy.
    const copy = path.join(disk.folder, 'crashed');
    execFileSync('cp', ['-r', location, copy]);
    execFileSync('rm', ['-f', path.join(copy, 'LOCK')]);
    await db.close();
    const recovered = new LevelDatabase(copy);
    await recovered.open();
    const missing = [];
    for (const key of ['before', ...written]) if ((await recovered.get(key)) === undefined) missing.push(key);
    await recovered.close();
    expect(missing).toEqual([]);
  });

  it('[F6] a full DATA_DIR under a running server: no acknowledgement, /readyz 503, edits kept in memory; all stored once space is back, and kept through kill -9', async () => {
    const disk = smallDisk(4);
    const env = { DATA_DIR: path.join(disk.folder, 'data'), PORT: '0', AUTH_SECRET: TEST_SECRET };
    let server = await ServerProcess.start('collab-server/main.ts', env);
    cleanup.push(() => server.stop('SIGKILL').then(() => undefined));
    const url = server.httpUrl.replace('http', 'ws');
    const name = 'full-disk';
    const token = await mintToken(TEST_SECRET, { sub: 'writer', name: 'Writer', doc: name, role: 'editor' });
    const writer = hocuspocusClient(`${url}/collab`, name, token);
    const reader = yWebsocketClient(`${url}/y`, name, token);
    cleanup.push(() => {
      writer.destroy();
      reader.destroy();
    });
    await Promise.all([writer.synced(), reader.synced()]);
    const typing = typist(writer);
    const big = (label: string) => `${label}:${'y'.repeat(2000)}`;
    for (let i = 0; i < 10; i++) typing.type(`before-${i}`);
    await writer.saved();

    disk.fill();
    for (let i = 0; i < 20; i++) typing.type(big(`during-${i}`));
    await waitFor(async () => (await readyz(server.httpUrl)).status === 503, { message: '/readyz to report the full disk' });
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(writer.provider.unsyncedChanges, 'an edit was acknowledged while the disk was full').toBeGreaterThan(0);
    expect(typing.acknowledged.size).toBe(10);
    await waitFor(() => reader.doc.getArray(TYPED_FIELD).length === 30, { message: 'the edits to reach the other client from memory' });

    disk.free();
    await writer.saved().catch((error) => {
      throw new Error(`${error.message}\n${server.output.slice(-4000)}`);
    });
    await waitFor(async () => (await readyz(server.httpUrl)).status === 200, { message: '/readyz to recover' });
    for (let i = 0; i < 20; i++) typing.type(big(`after-${i}`));
    await writer.saved();
    expect(typing.acknowledged.size).toBe(50);
    writer.destroy();
    reader.destroy();

    await server.stop('SIGKILL');
    const stored = new Set((await loadStored(env.DATA_DIR, [name])).get(name)?.doc.getArray<string>(TYPED_FIELD).toArray());
    expect([...typing.acknowledged].filter((item) => !stored.has(item)).map((item) => item.slice(0, 12))).toEqual([]);
    server = await ServerProcess.start('collab-server/main.ts', env);
    const again = hocuspocusClient(`${server.httpUrl.replace('http', 'ws')}/collab`, name, token);
    await again.synced();
    expect(again.doc.getArray(TYPED_FIELD).length).toBe(50);
    again.destroy();
  }, 60_000);
});
