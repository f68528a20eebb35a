import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { BlobStore } from '../BlobStore';
import { type DocumentStore, type ExportItem, StoreError } from '../DocumentStore';
import { bytes, entries, outcome, type StoreImplementation, steppingClock, storeImplementations, updatesOf } from './storeFixtures';

/**
 * The store contract (persistence/SPEC.md): every rule that does not depend on LevelDB, run
 * against every implementation. Test names start with the rule they check. Version history
 * ([L18]–[L26]) is in `versions.test.ts` and blobs ([L27]–[L32]) in `blobs.test.ts`, against
 * every implementation too.
 */
describe.each(storeImplementations())('$name', (implementation: StoreImplementation) => {
  let store: DocumentStore;
  let now: () => number;

  beforeEach(async () => {
    now = steppingClock();
    store = await implementation.make(now);
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await implementation.cleanup();
  });

  const collect = async (items: AsyncIterable<ExportItem>) => {
    const result: ExportItem[] = [];
    for await (const item of items) result.push(item);
    return result;
  };

  it('[L16] every operation on a closed store fails with NOT_OPEN', async () => {
    await store.create('doc');
    await store.close();
    const calls: Array<() => Promise<unknown>> = [
      () => store.load('doc'),
      () => store.create('other'),
      () => store.append('doc', Uint8Array.of(1)),
      () => store.compact('doc', Uint8Array.of(1)),
      () => store.getMeta('doc'),
      () => store.updateMeta('doc', { title: 't' }),
      () => store.list(),
      () => store.delete('doc'),
      () => store.wasDeleted('doc'),
      () => store.probe(),
      () => collect(store.exportAll()),
      () => store.importTombstone({ name: 'x', deletedAt: 1 }),
    ];
    for (const call of calls) expect(await outcome(call)).toEqual({ error: 'NOT_OPEN' });
    await store.open();
    expect(await store.getMeta('doc')).not.toBeNull();
  });

  it('[L16] blob operations on a closed store fail with NOT_OPEN', async () => {
    const blobs = store as DocumentStore & BlobStore;
    await store.create('doc');
    const { hash } = await blobs.putBlob('doc', { type: 'image/png' }, [Uint8Array.of(1, 2, 3)]);
    await store.close();
    const calls: Array<() => Promise<unknown>> = [
      () => blobs.putBlob('doc', { type: 'image/png' }, [Uint8Array.of(1)]),
      () => blobs.getBlob('doc', hash),
      () => blobs.listBlobs('doc'),
      () => blobs.deleteBlobs('doc', [hash]),
    ];
    for (const call of calls) expect(await outcome(call)).toEqual({ error: 'NOT_OPEN' });
    await store.open();
    expect(await blobs.listBlobs('doc')).toHaveLength(1);
  });

  it('[L16] close waits for every write called before it, also those not queued yet', async () => {
    await store.create('doc');
    // Fired without waiting, as a server's documents do while it shuts down: each append first
    // reads the metadata, so most are not in the write queue yet when close is called.
    const appends = Array.from({ length: 30 }, (_, i) => store.append('doc', Uint8Array.of(i)));
    await store.close();
    expect(await Promise.allSettled(appends)).toEqual(appends.map(() => ({ status: 'fulfilled', value: undefined })));
    await store.open();
    expect((await store.load('doc'))?.updates.map((update) => [...update])).toEqual(Array.from({ length: 30 }, (_, i) => [i]));
  });

  it('[L12] create sets the metadata; a second create of the name fails with EXISTS', async () => {
    const meta = await store.create('doc', { title: 'Plan', properties: { owner: 'ada' }, update: Uint8Array.of(1, 2, 3) });
    expect(meta).toEqual({
      name: 'doc',
      createdAt: meta.createdAt,
      updatedAt: meta.createdAt,
      title: 'Plan',
      size: 3,
      logCount: 0,
      logBytes: 0,
      properties: { owner: 'ada' },
    });
    expect(await store.getMeta('doc')).toEqual(meta);
    expect(updatesOf(await store.load('doc'))).toEqual([[1, 2, 3]]);
    expect(await outcome(() => store.create('doc'))).toEqual({ error: 'EXISTS' });
    expect(updatesOf(await store.load('doc'))).toEqual([[1, 2, 3]]);
  });

  it('[L12] append counts the log, moves updatedAt and applies its patch; updateMeta does not move updatedAt', async () => {
    const created = await store.create('doc', { properties: { keep: 'yes', drop: 'no' } });
    await store.append('doc', Uint8Array.of(1, 2));
    await store.append('doc', Uint8Array.of(3, 4, 5), { title: 'Renamed', properties: { drop: null, added: 'x' } });
    const appended = await store.getMeta('doc');
    expect(appended).toMatchObject({ title: 'Renamed', size: 5, logCount: 2, logBytes: 5, properties: { keep: 'yes', added: 'x' } });
    expect(appended?.updatedAt).toBeGreaterThan(created.updatedAt);
    expect(appended?.createdAt).toBe(created.createdAt);

    const patched = await store.updateMeta('doc', { title: 'Final', properties: { keep: null } });
    expect(patched).toEqual({ ...appended, title: 'Final', properties: { added: 'x' } });
    expect(await store.getMeta('doc')).toEqual(patched);
  });

  it('[L12] operations on a document that does not exist: NOT_FOUND for writes, null or false for reads', async () => {
    expect(await store.load('missing')).toBeNull();
    expect(await store.getMeta('missing')).toBeNull();
    expect(await store.delete('missing')).toBe(false);
    expect(await store.wasDeleted('missing')).toBe(false);
    expect(await outcome(() => store.append('missing', Uint8Array.of(1)))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.compact('missing', Uint8Array.of(1)))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.updateMeta('missing', { title: 'x' }))).toEqual({ error: 'NOT_FOUND' });
    expect(await store.list()).toEqual([]);
  });

  it('[L4] appends load in the order they were called, also when nobody waited in between', async () => {
    await store.create('a');
    await store.create('b');
    const updates = entries(7, 60);
    await Promise.all(updates.map((update, i) => store.append(i % 3 === 0 ? 'b' : 'a', update)));
    expect(updatesOf(await store.load('a'))).toEqual(updates.filter((_, i) => i % 3 !== 0).map(bytes));
    expect(updatesOf(await store.load('b'))).toEqual(updates.filter((_, i) => i % 3 === 0).map(bytes));
    expect(await store.getMeta('a')).toMatchObject({ logCount: 40, logBytes: 80, size: 80 });
  });

  it('[L4] of two creates of one name called together, exactly one succeeds', async () => {
    const results = await Promise.all([outcome(() => store.create('race', { title: 'first' })), outcome(() => store.create('race', { title: 'second' }))]);
    expect(results.filter((result) => 'error' in result)).toEqual([{ error: 'EXISTS' }]);
    expect((await store.getMeta('race'))?.title).toBe('first');
  });

  it('[L5] compact replaces the snapshot and the log before it; entries appended after the call stay', async () => {
    await store.create('doc', { update: Uint8Array.of(0) });
    for (const update of entries(1, 5)) await store.append('doc', update);
    const compacting = store.compact('doc', Uint8Array.of(9, 9));
    const later = entries(2, 3).map((update) => store.append('doc', update));
    await Promise.all([compacting, ...later]);
    expect(updatesOf(await store.load('doc'))).toEqual([[9, 9], ...entries(2, 3).map(bytes)]);
    expect(await store.getMeta('doc')).toMatchObject({ size: 8, logCount: 3, logBytes: 6 });

    await store.compact('doc', Uint8Array.of(8));
    expect(updatesOf(await store.load('doc'))).toEqual([[8]]);
    expect(await store.getMeta('doc')).toMatchObject({ size: 1, logCount: 0, logBytes: 0 });
  });

  it('[L10] delete removes everything and leaves a tombstone until the name is created again', async () => {
    await store.create('doc', { update: Uint8Array.of(1) });
    await store.append('doc', Uint8Array.of(2));
    expect(await store.wasDeleted('doc')).toBe(false);
    expect(await store.delete('doc')).toBe(true);
    expect(await store.load('doc')).toBeNull();
    expect(await store.getMeta('doc')).toBeNull();
    expect(await store.wasDeleted('doc')).toBe(true);
    expect(await store.list()).toEqual([]);
    expect(await store.delete('doc')).toBe(false);

    await store.create('doc');
    expect(await store.wasDeleted('doc')).toBe(false);
    expect(updatesOf(await store.load('doc'))).toEqual([]);
    expect(await store.getMeta('doc')).toMatchObject({ size: 0, logCount: 0 });
  });

  it('[L11] list gives every document in code point order', async () => {
    const names = ['b', 'a', 'Zed', 'a b', 'ä', '\uFFFD', '😀', 'ab', '日本'];
    for (const name of names) await store.create(name);
    const expected = [...names].sort((x, y) => Buffer.compare(Buffer.from(x), Buffer.from(y)));
    // The code point order differs from JavaScript's default sort for these two.
    expect(expected.indexOf('\uFFFD')).toBeLessThan(expected.indexOf('😀'));
    expect((await store.list()).map((meta) => meta.name)).toEqual(expected);
  });

  it('[L13] names that are empty, contain U+0000 or a lone surrogate fail with INVALID_NAME', async () => {
    for (const name of ['', 'a\u0000b', 'x\uD800', '\uDC00']) {
      expect(await outcome(() => store.create(name)), JSON.stringify(name)).toEqual({ error: 'INVALID_NAME' });
      expect(await outcome(() => store.load(name)), JSON.stringify(name)).toEqual({ error: 'INVALID_NAME' });
    }
    await store.create('a');
    // A name with NUL would otherwise reach into the log range of "a".
    expect(await outcome(() => store.append('a\u0000000000000000', Uint8Array.of(1)))).toEqual({ error: 'INVALID_NAME' });
    expect(updatesOf(await store.load('a'))).toEqual([]);
  });

  it('[L14] reads see writes called before them, even when those were not awaited', async () => {
    const created = store.create('doc');
    expect(await store.list()).toHaveLength(1);
    const appended = store.append('doc', Uint8Array.of(5));
    expect(updatesOf(await store.load('doc'))).toEqual([[5]]);
    const deleted = store.delete('doc');
    expect(await store.wasDeleted('doc')).toBe(true);
    expect(await store.getMeta('doc')).toBeNull();
    await Promise.all([created, appended, deleted]);
  });

  it('[L15] export gives a summary, the documents in list order, then the tombstones; import reproduces them', async () => {
    await store.create('b', { title: 'B', properties: { k: 'v' }, update: Uint8Array.of(1) });
    await store.append('b', Uint8Array.of(2, 2));
    await store.create('a', { title: 'A' });
    await store.append('a', Uint8Array.of(3));
    await store.compact('a', Uint8Array.of(4, 4, 4));
    await store.append('a', Uint8Array.of(5));
    await store.create('gone');
    await store.delete('gone');

    const exported = await collect(store.exportAll());
    expect(exported.map((item) => item.kind)).toEqual(['summary', 'document', 'document', 'tombstone']);
    expect(exported[0]).toEqual({ kind: 'summary', documents: 2, tombstones: 1 });
    const documents = exported.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    expect(documents.map((document) => document.meta.name)).toEqual(['a', 'b']);
    expect(documents.map((document) => [bytes(document.snapshot), document.log.map(bytes)])).toEqual([
      [[4, 4, 4], [[5]]],
      [[1], [[2, 2]]],
    ]);
    const tombstone = exported[3].kind === 'tombstone' ? exported[3].tombstone : null;
    expect(tombstone?.name).toBe('gone');

    const target = await implementation.make(steppingClock(0));
    await target.open();
    try {
      for (const item of exported) {
        if (item.kind === 'document') await target.importDocument(item.document);
        if (item.kind === 'tombstone') await target.importTombstone(item.tombstone);
      }
      for (const name of ['a', 'b']) {
        expect(await target.getMeta(name)).toEqual(await store.getMeta(name));
        expect(updatesOf(await target.load(name))).toEqual(updatesOf(await store.load(name)));
      }
      expect(await target.wasDeleted('gone')).toBe(true);
      const again = await collect(target.exportAll());
      expect(JSON.stringify(again)).toBe(JSON.stringify(exported));
      // Appends continue the imported log.
      await target.append('a', Uint8Array.of(6));
      expect(updatesOf(await target.load('a'))).toEqual([[4, 4, 4], [5], [6]]);

      expect(await outcome(() => target.importDocument(documents[0]))).toEqual({ error: 'EXISTS' });
      expect(await outcome(() => target.importTombstone({ name: 'a', deletedAt: 1 }))).toEqual({ error: 'EXISTS' });
    } finally {
      await target.close();
    }
  });

  it('[L15] an export is one point in time: writes made while it runs are not in it', async () => {
    for (const name of ['a', 'b', 'c']) {
      await store.create(name);
      await store.append(name, Uint8Array.of(1));
    }
    const items = store.exportAll();
    const seen: ExportItem[] = [];
    for await (const item of items) {
      seen.push(item);
      if (item.kind === 'summary') {
        // Everything below lands while the export is under way.
        await store.append('c', Uint8Array.of(2));
        await store.compact('b', Uint8Array.of(7));
        await store.delete('a');
        await store.create('d');
      }
    }
    const documents = seen.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    expect(documents.map((document) => [document.meta.name, bytes(document.snapshot), document.log.map(bytes)])).toEqual([
      ['a', null, [[1]]],
      ['b', null, [[1]]],
      ['c', null, [[1]]],
    ]);
    expect(seen.some((item) => item.kind === 'tombstone')).toBe(false);
  });

  it('[L17] failures are StoreErrors with a code and a message naming the document', async () => {
    const error = await store.append('nowhere', Uint8Array.of(1)).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'NOT_FOUND', message: expect.stringContaining('"nowhere"') });
  });
});
