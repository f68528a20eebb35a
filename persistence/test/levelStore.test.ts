import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BatchOperation } from 'leveldown';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { waitFor } from '../../testing/waitFor';
import type { ExportItem } from '../DocumentStore';
import { cursorKey, formatKey, logKey, metaKey, snapshotKey, tombstoneKey } from '../keys';
import { LevelDatabase } from '../LevelDatabase';
import { LevelDocumentStore } from '../LevelDocumentStore';
import { emptyHistory } from '../VersionStore';
import { bytes, entries, outcome, updatesOf } from './storeFixtures';

/** The LevelDB-specific rules of persistence/SPEC.md, on a real LevelDB in a temporary folder. */

/** A real LevelDB that records every batch, and can hold batches back or fail them on demand. */
class InstrumentedDatabase extends LevelDatabase {
  readonly batches: Array<{ operations: BatchOperation[]; sync: boolean; startedAt: number }> = [];
  /** Batches wait for this before writing. */
  hold: Promise<void> | null = null;
  /** How many of the next batches fail (without writing anything). */
  failNext = 0;

  override async batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    this.batches.push({ operations, sync, startedAt: performance.now() });
    if (this.hold) await this.hold;
    if (this.failNext > 0) {
      this.failNext -= 1;
      throw new Error('injected I/O error: the disk refused the write');
    }
    return super.batch(operations, sync);
  }
}

let folder: string;
let database: InstrumentedDatabase;
let store: LevelDocumentStore;

const openStore = async (options: { commitIntervalMs?: number } = {}) => {
  store = new LevelDocumentStore({
    ...options,
    location: folder,
    openDatabase: (location) => {
      database = new InstrumentedDatabase(location);
      return database;
    },
  });
  await store.open();
  return store;
};

/** Raw access to the folder while no store has it open. */
async function withRaw<T>(use: (raw: LevelDatabase) => Promise<T>): Promise<T> {
  const raw = new LevelDatabase(folder);
  await raw.open();
  try {
    return await use(raw);
  } finally {
    await raw.close();
  }
}

const rawKeys = () =>
  withRaw(async (raw) => {
    const keys: string[] = [];
    for await (const [key] of raw.entries({})) keys.push(key);
    return keys;
  });

/** The raw keys on disk, reading through a closed store (then reopened). */
async function rawKeysOpen(): Promise<string[]> {
  await store.close();
  const keys = await rawKeys();
  await openStore();
  return keys;
}

/** Releases a hold set with `holdBatches`. */
function holdBatches(): () => void {
  let release = () => {};
  database.hold = new Promise((resolve) => {
    release = () => {
      database.hold = null;
      resolve();
    };
  });
  return release;
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

beforeEach(async () => {
  folder = await mkdtemp(path.join(os.tmpdir(), 'level-store-'));
});

afterEach(async () => {
  await store?.close();
  await rm(folder, { recursive: true, force: true });
});

describe('LevelDocumentStore', () => {
  it('[L1] every batch is written with sync, and what resolved survives SIGKILL of the writer', async () => {
    await openStore();
    await store.create('doc');
    await store.append('doc', Uint8Array.of(1));
    await store.compact('doc', Uint8Array.of(2));
    expect(database.batches.length).toBeGreaterThan(0);
    expect(database.batches.every((batch) => batch.sync)).toBe(true);
    await store.close();

    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./appendUntilKilled.ts', import.meta.url)), path.join(folder, 'killed')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let printed = '';
    let errors = '';
    child.stdout.on('data', (chunk) => {
      printed += chunk;
    });
    child.stderr.on('data', (chunk) => {
      errors += chunk;
    });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    await waitFor(() => printed.split('\n').length > 300 || errors, { message: 'the child to report 300 durable appends', timeoutMs: 20_000 });
    child.kill('SIGKILL');
    await exited;
    expect(errors).toBe('');
    const acknowledged = printed.split('\n').slice(0, -1).map(Number);

    const survivor = new LevelDocumentStore({ location: path.join(folder, 'killed') });
    await survivor.open();
    try {
      const loaded = updatesOf(await survivor.load('doc')) ?? [];
      // Appends land in call order, so the stored log starts with 0, 1, 2, … and holds every acknowledged one.
      expect(loaded.length).toBeGreaterThanOrEqual(Math.max(...acknowledged) + 1);
      expect(loaded).toEqual(loaded.map((_, i) => [i % 256, i >> 8]));
    } finally {
      await survivor.close();
    }
  });

  it('[L2] a LevelDB database without the layout marker is refused with FORMAT and left as it was', async () => {
    await withRaw((raw) => raw.batch([{ type: 'put', key: 'someone-else', value: 'data' }], true));
    const error = await openStore().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'FORMAT', message: expect.stringContaining('without a Quire layout marker') });
    expect(await rawKeys()).toEqual(['someone-else']);
  });

  it('[L2] an empty folder is claimed with the layout marker', async () => {
    await openStore();
    await store.close();
    expect(await withRaw((raw) => raw.get(formatKey).then((value) => value?.toString()))).toBe('1');
  });

  it('[L3] a database of another layout version is refused with FORMAT naming both versions', async () => {
    await withRaw((raw) => raw.batch([{ type: 'put', key: formatKey, value: '2' }], true));
    const error = await openStore().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'FORMAT', message: expect.stringMatching(/layout "2".*reads layout 1/) });
    expect(await rawKeys()).toEqual([formatKey]);
  });

  it('[L5] compaction writes the snapshot, the deletions and the metadata in one batch', async () => {
    await openStore();
    await store.create('doc');
    for (const update of entries(1, 4)) await store.append('doc', update);
    const before = database.batches.length;
    await store.compact('doc', Uint8Array.of(9));
    expect(database.batches.length).toBe(before + 1);
    const { operations } = database.batches[before];
    expect(operations.map((operation) => `${operation.type} ${String(operation.key)}`).sort()).toEqual(
      [`put ${snapshotKey('doc')}`, `put ${metaKey('doc')}`, `del ${cursorKey('doc')}`, ...[0, 1, 2, 3].map((seq) => `del ${logKey('doc', seq)}`)].sort(),
    );
  });

  it('[L6] writes called in one event-loop turn share one synced batch', async () => {
    await openStore();
    const names = Array.from({ length: 10 }, (_, i) => `doc-${i}`);
    for (const name of names) await store.create(name);
    const before = database.batches.length;
    await Promise.all(entries(3, 50).map((update, i) => store.append(names[i % names.length], update)));
    expect(database.batches.length).toBe(before + 1);
    expect(database.batches[before].operations).toHaveLength(100); // a log entry and the log cursor per append
    for (const name of names) expect(updatesOf(await store.load(name))).toHaveLength(5);
  });

  it('[L6] writes called while a batch is being written go together in the next batch', async () => {
    await openStore();
    await store.create('doc');
    const before = database.batches.length;
    const release = holdBatches();
    const first = store.append('doc', Uint8Array.of(0));
    await waitFor(() => database.batches.length === before + 1, { message: 'the first batch to start' });
    const later: Array<Promise<void>> = [];
    for (const update of entries(4, 30)) {
      later.push(store.append('doc', update));
      await nextTurn();
    }
    expect(database.batches.length).toBe(before + 1);
    release();
    await Promise.all([first, ...later]);
    expect(database.batches.length).toBe(before + 2);
    expect(updatesOf(await store.load('doc'))).toEqual([[0], ...entries(4, 30).map(bytes)]);
  });

  it('[L6] with a commit interval, batches start at least that far apart; writes meanwhile share one; an idle write and close do not wait', async () => {
    const interval = 1000;
    await openStore({ commitIntervalMs: interval });
    await store.create('doc');
    const starts = () => database.batches.map((batch) => batch.startedAt);

    // Writes arriving one per turn right after a batch started wait for the interval and share one batch.
    const before = database.batches.length;
    const writes: Array<Promise<void>> = [];
    for (const update of entries(1, 20)) {
      writes.push(store.append('doc', update));
      await nextTurn();
    }
    await Promise.all(writes);
    expect(database.batches.length).toBe(before + 1);
    const gaps = starts()
      .slice(1)
      .map((start, i) => start - starts()[i]);
    expect(Math.min(...gaps)).toBeGreaterThanOrEqual(interval - 1);

    // After a quiet interval, a write goes out without waiting.
    await waitFor(() => performance.now() - (starts().at(-1) ?? 0) > interval, { message: 'a quiet interval', timeoutMs: 5 * interval });
    const called = performance.now();
    await store.append('doc', Uint8Array.of(7));
    expect((starts().at(-1) ?? 0) - called).toBeLessThan(interval / 2);

    // Closing writes what is queued at once instead of waiting for the interval.
    const queued = store.append('doc', Uint8Array.of(8));
    await nextTurn();
    await store.close();
    await queued;
    expect((starts().at(-1) ?? 0) - (starts().at(-2) ?? 0)).toBeLessThan(interval);
    await openStore();
    expect(updatesOf(await store.load('doc'))).toEqual([...entries(1, 20).map(bytes), [7], [8]]);
  });

  it('[L7] a failed batch rejects its writes and those queued behind it; none is on disk; the next write starts from disk', async () => {
    await openStore();
    await store.create('x');
    await store.create('y');
    await store.append('x', Uint8Array.of(1));
    const release = holdBatches();
    const inBatch = [outcome(() => store.append('x', Uint8Array.of(2))), outcome(() => store.append('y', Uint8Array.of(2)))];
    await waitFor(() => database.hold && database.batches.length > 0 && database.batches.at(-1)?.operations.length === 4, { message: 'the batch to start' });
    const behind = [outcome(() => store.append('x', Uint8Array.of(3))), outcome(() => store.updateMeta('y', { title: 'lost' }))];
    await nextTurn();
    database.failNext = 1;
    release();
    expect(await Promise.all([...inBatch, ...behind])).toEqual(Array(4).fill({ error: 'WRITE_FAILED' }));

    expect(updatesOf(await store.load('x'))).toEqual([[1]]);
    expect(await store.getMeta('y')).toMatchObject({ title: '', logCount: 0 });
    await store.append('x', Uint8Array.of(4));
    expect(updatesOf(await store.load('x'))).toEqual([[1], [4]]);
    expect(await store.getMeta('x')).toMatchObject({ logCount: 2, size: 2 });

    await store.close();
    const reopened = await openStore();
    expect(updatesOf(await reopened.load('x'))).toEqual([[1], [4]]);
    expect(updatesOf(await reopened.load('y'))).toEqual([]);
    expect(await reopened.getMeta('y')).toMatchObject({ title: '', logCount: 0 });
  });

  it('[L7] the error says the write failed and keeps the cause', async () => {
    await openStore();
    await store.create('doc');
    database.failNext = 1;
    const error = await store.append('doc', Uint8Array.of(1)).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'WRITE_FAILED', message: expect.stringContaining('document "doc"') });
    expect((error as Error).cause).toBeInstanceOf(Error);
  });

  it('[L25] a plain append writes its log entry and a small cursor, not the metadata; reads apply the cursor', async () => {
    const clock = { now: 1_000 };
    store = new LevelDocumentStore({
      location: folder,
      now: () => clock.now,
      openDatabase: (location) => {
        database = new InstrumentedDatabase(location);
        return database;
      },
    });
    await store.open();
    await store.create('doc', { update: Uint8Array.of(1, 1, 1), title: 'Plan', properties: { secret: 'x'.repeat(200) } });
    const before = database.batches.length;
    clock.now = 2_000;
    for (const update of entries(2, 3)) await store.append('doc', update);
    const appends = database.batches.slice(before).map((batch) => batch.operations);
    for (const [seq, operations] of appends.entries()) {
      expect(operations.map((operation) => `${operation.type} ${String(operation.key)}`)).toEqual([`put ${logKey('doc', seq)}`, `put ${cursorKey('doc')}`]);
      expect((operations[1].value as Buffer).byteLength).toBeLessThanOrEqual(16);
    }
    const expected = { title: 'Plan', logCount: 3, logBytes: 6, size: 9, updatedAt: 2_000, properties: { secret: 'x'.repeat(200) } };
    expect(await store.getMeta('doc')).toMatchObject(expected);

    // Read back from disk, not from the cache: the metadata, the list and the load agree.
    await store.close();
    await openStore();
    expect(await store.getMeta('doc')).toMatchObject(expected);
    expect(await store.list()).toEqual([expect.objectContaining(expected)]);
    expect((await store.load('doc'))?.meta).toMatchObject(expected);
    expect(await rawKeysOpen()).toContain(cursorKey('doc'));

    // A metadata change writes the whole metadata and retires the cursor; so does compaction.
    await store.append('doc', Uint8Array.of(5), { title: 'Plan B' });
    expect(database.batches.at(-1)?.operations.map((operation) => `${operation.type} ${String(operation.key)}`)).toEqual([
      `put ${logKey('doc', 3)}`,
      `put ${metaKey('doc')}`,
      `del ${cursorKey('doc')}`,
    ]);
    await store.append('doc', Uint8Array.of(6));
    await store.compact('doc', Uint8Array.of(9));
    await store.append('doc', Uint8Array.of(7));
    await store.close();
    await openStore();
    expect(await store.getMeta('doc')).toMatchObject({ title: 'Plan B', logCount: 1, logBytes: 1, size: 2 });
    expect(updatesOf(await store.load('doc'))).toEqual([[9], [7]]);

    // Deleting the document deletes its cursor too.
    await store.delete('doc');
    expect(await rawKeysOpen()).not.toContain(cursorKey('doc'));
  });

  it('[L25] a cursor in the JSON form of earlier builds is read, and the next append writes the binary one', async () => {
    await openStore();
    await store.create('doc', { update: Uint8Array.of(1, 1), title: 'Plan' });
    for (const update of entries(2, 3)) await store.append('doc', update);
    const expected = { title: 'Plan', logCount: 3, logBytes: 6, size: 8, updatedAt: 4_321 };
    await store.close();
    await withRaw((raw) => raw.batch([{ type: 'put', key: cursorKey('doc'), value: JSON.stringify({ n: 3, b: 6, u: 4_321 }) }], true));
    await openStore();
    expect(await store.getMeta('doc')).toMatchObject(expected);
    expect(await store.list()).toEqual([expect.objectContaining(expected)]);
    expect((await store.load('doc'))?.meta).toMatchObject(expected);
    await store.append('doc', Uint8Array.of(8));
    await store.close();
    const stored = await withRaw((raw) => raw.get(cursorKey('doc')));
    expect(stored?.[0]).toBe(0x01);
    await openStore();
    expect(await store.getMeta('doc')).toMatchObject({ logCount: 4, logBytes: 7, size: 9 });
    expect(updatesOf(await store.load('doc'))).toEqual([[1, 1], ...entries(2, 3).map(bytes), [8]]);
  });

  describe('[L8] malformed data is CORRUPT, never an empty document', () => {
    const damage = async (operations: BatchOperation[]) => {
      await openStore();
      await store.create('doc', { update: Uint8Array.of(1, 1) });
      for (const update of entries(2, 3)) await store.append('doc', update);
      await store.close();
      await withRaw((raw) => raw.batch(operations, true));
      return openStore();
    };

    it('[L8] metadata that is not JSON', async () => {
      await damage([{ type: 'put', key: metaKey('doc'), value: '{"name": "doc", ' }]);
      for (const read of [
        (): Promise<unknown> => store.load('doc'),
        () => store.getMeta('doc'),
        () => store.list(),
        () => store.append('doc', Uint8Array.of(1)),
      ]) {
        expect(await outcome(read)).toEqual({ error: 'CORRUPT' });
      }
    });

    it('[L8] a log cursor that cannot be decoded (JSON or binary), or points before the log', async () => {
      const binary = [
        Buffer.from([0x01, 0x80]),
        Buffer.from([0x01, 1, 2, 3, 4]),
        Buffer.from([0x01, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0, 0]),
      ];
      for (const value of ['{"n": 4', JSON.stringify({ n: -1, b: 0, u: 0 }), ...binary]) {
        await rm(folder, { recursive: true, force: true });
        await damage([{ type: 'put', key: cursorKey('doc'), value }]);
        for (const read of [(): Promise<unknown> => store.load('doc'), () => store.getMeta('doc'), () => store.list()]) {
          expect(await outcome(read), String(value)).toEqual({ error: 'CORRUPT' });
        }
        await store.close();
      }
    });

    it('[L8] metadata missing a field', async () => {
      await damage([{ type: 'put', key: metaKey('doc'), value: JSON.stringify({ name: 'doc', title: '' }) }]);
      const error = await store.load('doc').catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('"nextSeq" is not a whole number') });
    });

    it('[L8] a missing log entry, an extra one, a missing snapshot', async () => {
      for (const operation of [
        { type: 'del', key: logKey('doc', 1) },
        { type: 'put', key: logKey('doc', 7), value: Buffer.of(7) },
        { type: 'del', key: snapshotKey('doc') },
      ] satisfies BatchOperation[]) {
        await rm(folder, { recursive: true, force: true });
        await damage([operation]);
        const error = await store.load('doc').catch((caught: unknown) => caught);
        expect(error, `${operation.type} ${operation.key}`).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('document "doc"') });
        await store.close();
      }
    });

    it('[L8] content without metadata: load, create and import refuse instead of starting empty', async () => {
      await damage([{ type: 'del', key: metaKey('doc') }]);
      expect(await outcome(() => store.load('doc'))).toEqual({ error: 'CORRUPT' });
      expect(await outcome(() => store.create('doc'))).toEqual({ error: 'CORRUPT' });
      const meta = { ...(await store.create('other')), name: 'doc' };
      expect(await outcome(() => store.importDocument({ meta, snapshot: null, log: [], history: emptyHistory() }))).toEqual({ error: 'CORRUPT' });
    });

    it('[L8] a tombstone that is not a time fails the export', async () => {
      await damage([{ type: 'put', key: tombstoneKey('old'), value: 'yesterday' }]);
      const exported = async () => {
        const items: ExportItem[] = [];
        for await (const item of store.exportAll()) items.push(item);
        return items;
      };
      expect(await outcome(exported)).toEqual({ error: 'CORRUPT' });
    });

    it('[L8] LevelDB files that LevelDB reports as corrupt', async () => {
      await openStore();
      await store.close();
      await writeFile(path.join(folder, 'CURRENT'), 'not a manifest name');
      const error = await openStore().catch((caught: unknown) => caught);
      expect(error).toMatchObject({ code: 'CORRUPT', message: expect.stringContaining('corrupted') });
    });
  });

  it('[L9] a second store on the same folder fails with LOCKED and says the folder is in use', async () => {
    await openStore();
    const second = new LevelDocumentStore({ location: folder });
    const error = await second.open().catch((caught: unknown) => caught);
    expect(error).toMatchObject({ code: 'LOCKED', message: expect.stringContaining('is in use by another process') });
  });

  it('[L10] delete leaves only the tombstone on disk, in one batch', async () => {
    await openStore();
    await store.create('doc', { update: Uint8Array.of(1) });
    for (const update of entries(5, 3)) await store.append('doc', update);
    const before = database.batches.length;
    await store.delete('doc');
    expect(database.batches.length).toBe(before + 1);
    await store.close();
    expect((await rawKeys()).filter((key) => key.includes('doc'))).toEqual([tombstoneKey('doc')]);
  });

  it('[L14] a load racing a compaction sees the whole document, before or after it', async () => {
    await openStore();
    await store.create('doc', { update: Uint8Array.of(0) });
    const before = [[0], ...entries(6, 20).map(bytes)];
    for (let round = 0; round < 40; round++) {
      for (const update of entries(6, 20)) await store.append('doc', update);
      const loading = store.load('doc');
      const compacting = store.compact('doc', Uint8Array.of(0));
      const loaded = updatesOf(await loading);
      await compacting;
      expect([JSON.stringify(before), JSON.stringify([[0]])]).toContain(JSON.stringify(loaded));
    }
  });
});
