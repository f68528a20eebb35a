import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../LevelDatabase';

let folder: string | null = null;

afterEach(async () => {
  if (folder) await rm(folder, { recursive: true, force: true });
  folder = null;
});

/** The key of the `i`-th of the 50 entries every test database starts with (its value is `value-<i>`). */
const keyOf = (i: number) => `key-${String(i).padStart(3, '0')}`;

/** Twenty reads through `view`, in flight: each settles with its value or with the error it failed with. */
function readsInFlight(view: { get(key: string): Promise<Buffer | undefined> }): Promise<Array<Buffer | Error | undefined>> {
  return Promise.all(Array.from({ length: 20 }, (_, i) => view.get(keyOf(i)).catch((error: Error) => error)));
}

async function openDatabase(): Promise<LevelDatabase> {
  folder = await mkdtemp(path.join(os.tmpdir(), 'level-database-'));
  const database = new LevelDatabase(folder);
  await database.open();
  await database.batch(
    Array.from({ length: 50 }, (_, i) => ({ type: 'put' as const, key: keyOf(i), value: Buffer.from(`value-${i}`) })),
    true,
  );
  return database;
}

// leveldown crashes the whole process (no error, no stack) when its database closes under a read
// in flight, or when an iterator is read or ended after its database closed. These run in the test
// process itself: a regression kills the test worker.
describe('LevelDatabase close', () => {
  it('waits for reads in flight, and ends views left open: their later reads fail with an error', async () => {
    const database = await openDatabase();
    const view = await database.view();
    const idle = await database.view();
    const reads = readsInFlight(view);
    const gets = Array.from({ length: 20 }, (_, i) => database.get(keyOf(i)));
    await database.close();
    expect((await Promise.all(gets)).map((value) => value?.toString())).toEqual(Array.from({ length: 20 }, (_, i) => `value-${i}`));
    for (const read of await reads) expect(read instanceof Error || read?.toString().startsWith('value-')).toBe(true);
    await expect(idle.get('key-001')).rejects.toThrow(/closed/);
    await expect(database.get('key-001')).rejects.toThrow(/clos/);
    await expect(database.batch([{ type: 'put', key: 'late', value: Buffer.from('x') }], true)).rejects.toThrow(/clos/);
  });

  it('opens again after a close, and reads what was written', async () => {
    const database = await openDatabase();
    await database.close();
    await database.open();
    expect((await database.get('key-049'))?.toString()).toBe('value-49');
    await database.close();
  });
});

describe('LevelDatabase after a failed batch', () => {
  it('reopens once the reads in flight have returned, ending the views open on the old handle', async () => {
    const database = await openDatabase();
    const view = await database.view();
    const idle = await database.view();
    const reads = readsInFlight(view);
    // leveldown refuses an empty key: the batch fails, and the database is reopened before its next use.
    await expect(database.batch([{ type: 'put', key: '', value: Buffer.from('x') }], true)).rejects.toThrow();
    expect((await database.get('key-001'))?.toString()).toBe('value-1');
    for (const read of await reads) expect(read instanceof Error || read?.toString().startsWith('value-')).toBe(true);
    await expect(idle.get('key-001')).rejects.toThrow(/closed/);
    await expect(view.get('key-002')).rejects.toThrow(/closed/);
    await database.batch([{ type: 'put', key: 'after', value: Buffer.from('y') }], true);
    const fresh = await database.view();
    expect((await fresh.get('after'))?.toString()).toBe('y');
    await fresh.close();
    await database.close();
  });
});
