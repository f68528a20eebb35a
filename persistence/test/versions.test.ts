import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { BatchOperation } from 'leveldown';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import type { DocumentStore, ExportItem } from '../DocumentStore';
import { deltaKey, historyHeadKey, metaKey, tombstoneKey, versionKey } from '../keys';
import { LevelDatabase } from '../LevelDatabase';
import { LevelDocumentStore } from '../LevelDocumentStore';
import type { VersionAuthor, VersionStore } from '../VersionStore';
import { outcome, type StoreImplementation, steppingClock, storeImplementations } from './storeFixtures';

/**
 * Version history in the store (persistence/SPEC.md [L18]–[L24]): the contract on both stores,
 * then what only LevelDB can show (batches, keys on disk, damaged records). Deltas are real Yjs
 * updates, so merging and rebuilding are checked against real documents.
 */

const ada: VersionAuthor = { id: 'ada', name: 'Ada', color: '#e5484d' };
const bob: VersionAuthor = { id: 'bob', name: 'Bob', color: '#0090ff' };

/** A document typed into step by step; `capture` returns the delta since the previous capture. */
function typist() {
  const doc = new Y.Doc();
  const text = doc.getText('body');
  let previous: Uint8Array = new Uint8Array([0]);
  return {
    text,
    write(content: string) {
      text.delete(0, text.length);
      text.insert(0, content);
    },
    capture() {
      const delta = Y.encodeStateAsUpdate(doc, previous);
      previous = Y.encodeStateVector(doc);
      return { delta, state: Y.encodeSnapshot(Y.snapshot(doc)) };
    },
  };
}

/** The text a list of deltas rebuilds. */
function rebuild(deltas: Uint8Array[] | null): string | null {
  if (!deltas) return null;
  const doc = new Y.Doc();
  for (const delta of deltas) Y.applyUpdate(doc, delta);
  return doc.getText('body').toString();
}

const version = (captured: { delta: Uint8Array; state: Uint8Array }, authors: VersionAuthor[] = [ada], label: string | null = null, createdAt = 1000) => ({
  ...captured,
  authors,
  label,
  createdAt,
  restoredFrom: null,
});

describe.each(storeImplementations())('$name', (implementation: StoreImplementation) => {
  let store: DocumentStore & VersionStore;

  beforeEach(async () => {
    store = (await implementation.make(steppingClock())) as DocumentStore & VersionStore;
    await store.open();
  });

  afterEach(async () => {
    await store.close();
    await implementation.cleanup();
  });

  /** Adds versions with the texts given, by Ada; returns the typist. */
  const history = async (name: string, texts: string[]) => {
    const typing = typist();
    for (const [index, content] of texts.entries()) {
      typing.write(content);
      await store.addVersion(name, version(typing.capture(), [ada], null, 1000 + index));
    }
    return typing;
  };

  it('[L18] history of a document that does not exist: reads answer null, writes fail with NOT_FOUND', async () => {
    const captured = typist().capture();
    expect(await store.historyHead('nothing')).toBeNull();
    expect(await store.listVersions('nothing')).toBeNull();
    expect(await store.loadVersion('nothing', 1)).toBeNull();
    expect(await outcome(() => store.addVersion('nothing', version(captured)))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.addContributors('nothing', [ada]))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.labelVersion('nothing', 1, 'x'))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.removeVersions('nothing', [1]))).toEqual({ error: 'NOT_FOUND' });
  });

  it('[L19] versions get ids 1, 2, 3 in call order, and each rebuilds the state it was captured at', async () => {
    await store.create('doc');
    expect(await store.historyHead('doc')).toEqual({ nextId: 1, state: null, contributors: [] });
    const typing = typist();
    typing.write('one');
    const first = typing.capture();
    typing.write('two');
    const second = typing.capture();
    typing.write('three');
    const third = typing.capture();
    // Called in one turn without waiting: ids still follow the calls.
    const added = await Promise.all([
      store.addVersion('doc', version(first, [ada], 'draft', 10)),
      store.addVersion('doc', version(second, [bob], null, 20)),
      store.addVersion('doc', version(third, [ada, bob, ada], null, 30)),
    ]);
    expect(added.map((info) => info.id)).toEqual([1, 2, 3]);
    expect(await store.listVersions('doc')).toEqual([
      { id: 1, createdAt: 10, label: 'draft', authors: [ada], bytes: first.delta.byteLength, restoredFrom: null },
      { id: 2, createdAt: 20, label: null, authors: [bob], bytes: second.delta.byteLength, restoredFrom: null },
      { id: 3, createdAt: 30, label: null, authors: [ada, bob], bytes: third.delta.byteLength, restoredFrom: null },
    ]);
    expect(rebuild(await store.loadVersion('doc', 1))).toBe('one');
    expect(rebuild(await store.loadVersion('doc', 2))).toBe('two');
    expect(rebuild(await store.loadVersion('doc', 3))).toBe('three');
    expect(await store.loadVersion('doc', 4)).toBeNull();
    const head = await store.historyHead('doc');
    expect(head?.nextId).toBe(4);
    expect([...(head?.state ?? [])]).toEqual([...third.state]);
  });

  it('[L19] a restored-from reference is kept as given', async () => {
    await store.create('doc');
    const typing = await history('doc', ['a']);
    typing.write('b');
    const restoredFrom = { id: 1, createdAt: 1000, label: 'first' };
    const info = await store.addVersion('doc', { ...version(typing.capture()), restoredFrom });
    expect(info.restoredFrom).toEqual(restoredFrom);
    expect((await store.listVersions('doc'))?.[1].restoredFrom).toEqual(restoredFrom);
  });

  it('[L20] contributors gather in the head without duplicates and are emptied by the next version', async () => {
    await store.create('doc');
    await store.addContributors('doc', [ada]);
    await store.addContributors('doc', [bob, ada]);
    expect((await store.historyHead('doc'))?.contributors).toEqual([ada, bob]);
    await history('doc', ['text']);
    expect((await store.historyHead('doc'))?.contributors).toEqual([]);
  });

  it('[L21] removing versions merges each into the next one kept: every remaining version rebuilds as before', async () => {
    await store.create('doc');
    const texts = ['a', 'ab', 'abc', 'abcd', 'abcde', 'abcdef'];
    const typing = typist();
    for (const [index, content] of texts.entries()) {
      typing.write(content);
      await store.addVersion('doc', version(typing.capture(), [index % 2 ? bob : ada], index === 2 ? 'named' : null, index));
    }
    await store.removeVersions('doc', [1, 2, 4]);
    const remaining = await store.listVersions('doc');
    expect(remaining?.map((info) => [info.id, info.label, info.authors.map((author) => author.id)])).toEqual([
      [3, 'named', ['ada', 'bob']],
      [5, null, ['bob', 'ada']],
      [6, null, ['bob']],
    ]);
    for (const info of remaining ?? []) expect(rebuild(await store.loadVersion('doc', info.id))).toBe(texts[info.id - 1]);
    expect(await store.loadVersion('doc', 2)).toBeNull();
    // Ids are never reused.
    typing.write('abcdefg');
    expect((await store.addVersion('doc', version(typing.capture()))).id).toBe(7);
  });

  it('[L21] an unknown id fails with NOT_FOUND and the latest version with INVALID_ARGUMENT; nothing is removed', async () => {
    await store.create('doc');
    await history('doc', ['a', 'b', 'c']);
    expect(await outcome(() => store.removeVersions('doc', [1, 9]))).toEqual({ error: 'NOT_FOUND' });
    expect(await outcome(() => store.removeVersions('doc', [1, 3]))).toEqual({ error: 'INVALID_ARGUMENT' });
    expect((await store.listVersions('doc'))?.map((info) => info.id)).toEqual([1, 2, 3]);
  });

  it('[L21] labelVersion names a version and makes it automatic again; an unknown version is NOT_FOUND', async () => {
    await store.create('doc');
    await history('doc', ['a', 'b']);
    expect((await store.labelVersion('doc', 1, 'First draft')).label).toBe('First draft');
    expect((await store.listVersions('doc'))?.map((info) => info.label)).toEqual(['First draft', null]);
    expect((await store.labelVersion('doc', 1, null)).label).toBeNull();
    expect(rebuild(await store.loadVersion('doc', 1))).toBe('a');
    expect(await outcome(() => store.labelVersion('doc', 5, 'x'))).toEqual({ error: 'NOT_FOUND' });
  });

  it('[L18] deleting a document deletes its history; created again, the name starts an empty history', async () => {
    await store.create('doc');
    await history('doc', ['a', 'b']);
    await store.addContributors('doc', [bob]);
    expect(await store.delete('doc')).toBe(true);
    expect(await store.listVersions('doc')).toBeNull();
    expect(await store.loadVersion('doc', 1)).toBeNull();
    await store.create('doc');
    expect(await store.historyHead('doc')).toEqual({ nextId: 1, state: null, contributors: [] });
    expect(await store.listVersions('doc')).toEqual([]);
  });

  /** Every item of an export. */
  const exportOf = async (from: DocumentStore) => {
    const items: ExportItem[] = [];
    for await (const item of from.exportAll()) items.push(item);
    return items;
  };

  it('[L24] export carries each history; import restores it with its document: versions, head, deltas, and the ids go on', async () => {
    await store.create('doc', { update: Uint8Array.of(0, 0) });
    const texts = ['one', 'one two', 'one two three', 'one two three four'];
    const typing = typist();
    for (const [index, content] of texts.entries()) {
      typing.write(content);
      await store.addVersion('doc', version(typing.capture(), [index % 2 ? bob : ada], index === 1 ? 'Named' : null, 100 + index));
    }
    typing.write('one');
    await store.addVersion('doc', { ...version(typing.capture(), [bob], null, 200), restoredFrom: { id: 1, createdAt: 100, label: null } });
    await store.removeVersions('doc', [3]);
    await store.addContributors('doc', [ada]);
    await store.create('plain');

    const exported = await exportOf(store);
    const documents = exported.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    expect(documents.map((document) => [document.meta.name, document.history.versions.map(({ info }) => info.id)])).toEqual([
      ['doc', [1, 2, 4, 5]],
      ['plain', []],
    ]);
    expect(documents[0].history.head.contributors).toEqual([ada]);

    const target = (await implementation.make(steppingClock(0))) as DocumentStore & VersionStore;
    await target.open();
    try {
      for (const document of documents) await target.importDocument(document);
      expect(await target.listVersions('doc')).toEqual(await store.listVersions('doc'));
      expect(await target.historyHead('doc')).toEqual(await store.historyHead('doc'));
      for (const id of [1, 2, 4, 5]) expect(rebuild(await target.loadVersion('doc', id)), `version ${id}`).toBe(rebuild(await store.loadVersion('doc', id)));
      expect(rebuild(await target.loadVersion('doc', 4))).toBe('one two three four');
      expect(await target.historyHead('plain')).toEqual({ nextId: 1, state: null, contributors: [] });
      // An export of the copy is the same, byte for byte.
      expect(JSON.stringify(await exportOf(target))).toBe(JSON.stringify(exported));
      // The next version continues from the imported head: ids go on, deltas start from its state.
      typing.write('one five');
      const next = await target.addVersion('doc', version(typing.capture(), [ada], null, 300));
      expect(next).toMatchObject({ id: 6, authors: [ada] });
      expect(rebuild(await target.loadVersion('doc', 6))).toBe('one five');
    } finally {
      await target.close();
    }
  });

  it('[L24] an export reads each history from its point in time: versions added meanwhile are not in it', async () => {
    await store.create('doc');
    const typing = await history('doc', ['before']);
    const seen: ExportItem[] = [];
    for await (const item of store.exportAll()) {
      seen.push(item);
      if (item.kind === 'summary') {
        typing.write('after');
        await store.addVersion('doc', version(typing.capture()));
        await store.labelVersion('doc', 1, 'Renamed later');
      }
    }
    const [document] = seen.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    expect(document.history.versions.map(({ info }) => [info.id, info.label])).toEqual([[1, null]]);
    expect(document.history.head.nextId).toBe(2);
  });

  it('[L24] a history that could not be read back is refused with INVALID_ARGUMENT, and nothing is stored', async () => {
    await store.create('doc');
    await history('doc', ['a', 'b']);
    const [document] = (await exportOf(store)).flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    const { head, versions } = document.history;
    const [first, second] = versions;
    const damaged = {
      'ids out of order': { head, versions: [second, first] },
      'an id the head has not given out': { head: { ...head, nextId: 2 }, versions },
      'a delta of another size than recorded': { head, versions: [first, { ...second, delta: second.delta.slice(1) }] },
      'versions without a head state': { head: { ...head, state: null }, versions },
      'an author without a name': { head, versions: [first, { ...second, info: { ...second.info, authors: [{ id: 'x' } as VersionAuthor] } }] },
    };
    const target = (await implementation.make(steppingClock(0))) as DocumentStore & VersionStore;
    await target.open();
    try {
      for (const [problem, damagedHistory] of Object.entries(damaged)) {
        expect(await outcome(() => target.importDocument({ ...document, history: damagedHistory })), problem).toEqual({ error: 'INVALID_ARGUMENT' });
        expect(await target.getMeta('doc'), problem).toBeNull();
      }
      await target.importDocument(document);
      expect((await target.listVersions('doc'))?.map((info) => info.id)).toEqual([1, 2]);
    } finally {
      await target.close();
    }
  });

  it('[L22] reads see the version writes called before them', async () => {
    await store.create('doc');
    const typing = typist();
    typing.write('seen');
    void store.addVersion('doc', version(typing.capture()));
    expect((await store.listVersions('doc'))?.length).toBe(1);
    expect(rebuild(await store.loadVersion('doc', 1))).toBe('seen');
  });
});

/** A real LevelDB that records every batch. */
class RecordingDatabase extends LevelDatabase {
  readonly batches: BatchOperation[][] = [];

  override batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    this.batches.push(operations);
    return super.batch(operations, sync);
  }
}

describe('LevelDocumentStore history on disk', () => {
  let folder: string;
  let database: RecordingDatabase;
  let store: LevelDocumentStore;

  /** A new store on the folder (so nothing cached from before a raw change is kept). */
  const openStore = async () => {
    store = new LevelDocumentStore({
      location: folder,
      openDatabase: (location) => {
        database = new RecordingDatabase(location);
        return database;
      },
    });
    await store.open();
  };

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'level-versions-'));
    await openStore();
  });

  afterEach(async () => {
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  const keysOnDisk = async () => {
    const keys: string[] = [];
    await store.close();
    const raw = new LevelDatabase(folder);
    await raw.open();
    for await (const [key] of raw.entries({})) keys.push(key);
    await raw.close();
    await openStore();
    return keys;
  };

  /** Writes a raw value while the store is closed. */
  const poke = async (operations: BatchOperation[]) => {
    await store.close();
    const raw = new LevelDatabase(folder);
    await raw.open();
    await raw.batch(operations, true);
    await raw.close();
    await openStore();
  };

  const addTwo = async () => {
    const typing = typist();
    typing.write('first');
    await store.addVersion('doc', version(typing.capture()));
    typing.write('second');
    await store.addVersion('doc', version(typing.capture()));
  };

  it('[L19] a version, its delta and the new head are written in one batch', async () => {
    await store.create('doc');
    const before = database.batches.length;
    const typing = typist();
    typing.write('x');
    await store.addVersion('doc', version(typing.capture()));
    expect(database.batches.length).toBe(before + 1);
    expect(database.batches[before].map((operation) => `${operation.type} ${operation.key}`).sort()).toEqual(
      [`put ${versionKey('doc', 1)}`, `put ${deltaKey('doc', 1)}`, `put ${historyHeadKey('doc')}`].sort(),
    );
  });

  it('[L24] an imported document and its history are written in one batch', async () => {
    await store.create('doc');
    await addTwo();
    await store.addContributors('doc', [bob]);
    const items: ExportItem[] = [];
    for await (const item of store.exportAll()) items.push(item);
    const [document] = items.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
    await store.delete('doc');
    const before = database.batches.length;
    await store.importDocument(document);
    expect(database.batches.length).toBe(before + 1);
    expect(database.batches[before].map((operation) => `${operation.type} ${operation.key}`)).toEqual(
      expect.arrayContaining([
        `put ${metaKey('doc')}`,
        `put ${historyHeadKey('doc')}`,
        `put ${versionKey('doc', 1)}`,
        `put ${deltaKey('doc', 1)}`,
        `put ${versionKey('doc', 2)}`,
        `put ${deltaKey('doc', 2)}`,
      ]),
    );
    expect((await store.historyHead('doc'))?.contributors).toEqual([bob]);
  });

  it('[L18] delete removes the history in the batch that removes the document, also a version still on its way to disk', async () => {
    await store.create('doc');
    await addTwo();
    const typing = typist();
    typing.write('late');
    const late = store.addVersion('doc', version(typing.capture()));
    const deleted = store.delete('doc');
    await late;
    expect(await deleted).toBe(true);
    const deleteBatch = database.batches[database.batches.length - 1];
    expect(deleteBatch.filter((operation) => operation.type === 'del').map((operation) => String(operation.key))).toEqual(
      expect.arrayContaining([historyHeadKey('doc'), versionKey('doc', 1), deltaKey('doc', 3), metaKey('doc')]),
    );
    expect((await keysOnDisk()).filter((key) => key.includes('doc'))).toEqual([tombstoneKey('doc')]);
  });

  it('[L18] history stored without its document makes create refuse with CORRUPT', async () => {
    await store.create('doc');
    await addTwo();
    await poke([{ type: 'del', key: metaKey('doc') }]);
    expect(await outcome(() => store.create('doc'))).toEqual({ error: 'CORRUPT' });
  });

  /** The raw value stored at `key`, read while the store is closed. */
  const rawValue = async (key: string) => {
    await store.close();
    const raw = new LevelDatabase(folder);
    await raw.open();
    const value = await raw.get(key);
    await raw.close();
    await openStore();
    return value;
  };

  /** Prose of about `bytes` bytes: compressible as a real document's text is. */
  const prose = (bytes: number, seed = 0) => {
    const words = ['the', 'document', 'editor', 'keeps', 'every', 'change', 'people', 'make', 'together', 'in', 'real', 'time'];
    const out: string[] = [];
    for (let i = 0, length = 0; length < bytes; i++) {
      const word = words[(i * 7 + seed + Math.floor(i / 13)) % words.length];
      out.push(word);
      length += word.length + 1;
    }
    return out.join(' ');
  };

  describe('[L26] large deltas are stored deflated, and read back as given', () => {
    it('[L26] a large delta is stored deflated and loads byte for byte; a small one is stored raw', async () => {
      await store.create('doc');
      const typing = typist();
      typing.write(prose(20_000));
      const large = typing.capture();
      await store.addVersion('doc', version(large));
      typing.text.insert(0, 'x');
      const small = typing.capture();
      await store.addVersion('doc', version(small));
      const [first, second] = (await store.listVersions('doc')) ?? [];
      expect(first.bytes).toBe(large.delta.byteLength);
      expect(second.bytes).toBe(small.delta.byteLength);
      expect(Object.keys(first).sort()).toEqual(['authors', 'bytes', 'createdAt', 'id', 'label', 'restoredFrom']);
      const deltas = await store.loadVersion('doc', 2);
      expect(Buffer.from(deltas?.[0] ?? []).equals(Buffer.from(large.delta))).toBe(true);
      expect(Buffer.from(deltas?.[1] ?? []).equals(Buffer.from(small.delta))).toBe(true);
      const storedLarge = await rawValue(deltaKey('doc', 1));
      const description = JSON.parse(String(await rawValue(versionKey('doc', 1))));
      expect(storedLarge?.byteLength).toBeLessThan(large.delta.byteLength / 3);
      expect(description.deflated).toBe(storedLarge?.byteLength);
      expect((await rawValue(deltaKey('doc', 2)))?.equals(Buffer.from(small.delta))).toBe(true);
      expect(JSON.parse(String(await rawValue(versionKey('doc', 2)))).deflated).toBeUndefined();
    });

    it('[L26] a raw large delta, as stored before deltas were compressed, still reads back', async () => {
      await store.create('doc');
      const typing = typist();
      typing.write(prose(20_000));
      const captured = typing.capture();
      await store.addVersion('doc', version(captured));
      const info = (await store.listVersions('doc'))?.[0];
      await poke([
        { type: 'put', key: versionKey('doc', 1), value: JSON.stringify(info) },
        { type: 'put', key: deltaKey('doc', 1), value: Buffer.from(captured.delta) },
      ]);
      expect(rebuild(await store.loadVersion('doc', 1))).toBe(typing.text.toString());
    });

    it('[L26] naming a deflated version keeps its delta readable; merging deflated versions rebuilds every kept one', async () => {
      await store.create('doc');
      const typing = typist();
      const texts = [prose(8000, 1), prose(9000, 2), prose(10_000, 3)];
      for (const text of texts) {
        typing.write(text);
        await store.addVersion('doc', version(typing.capture()));
      }
      await store.labelVersion('doc', 1, 'draft');
      expect(rebuild(await store.loadVersion('doc', 1))).toBe(texts[0]);
      await store.removeVersions('doc', [2]);
      expect(JSON.parse(String(await rawValue(versionKey('doc', 3)))).deflated).toBeGreaterThan(0);
      expect(rebuild(await store.loadVersion('doc', 1))).toBe(texts[0]);
      expect(rebuild(await store.loadVersion('doc', 3))).toBe(texts[2]);
      expect((await store.listVersions('doc'))?.map((info) => info.label)).toEqual(['draft', null]);
    });

    it('[L26] export gives the delta as added; import stores it deflated again', async () => {
      await store.create('doc');
      const typing = typist();
      typing.write(prose(20_000));
      const captured = typing.capture();
      await store.addVersion('doc', version(captured));
      const items: ExportItem[] = [];
      for await (const item of store.exportAll()) items.push(item);
      const [document] = items.flatMap((item) => (item.kind === 'document' ? [item.document] : []));
      expect(Buffer.from(document.history.versions[0].delta).equals(Buffer.from(captured.delta))).toBe(true);
      await store.delete('doc');
      await store.importDocument(document);
      expect(JSON.parse(String(await rawValue(versionKey('doc', 1)))).deflated).toBeGreaterThan(0);
      expect(rebuild(await store.loadVersion('doc', 1))).toBe(typing.text.toString());
    });

    it('[L23] a deflated delta that does not inflate to its recorded size is CORRUPT', async () => {
      await store.create('doc');
      const typing = typist();
      typing.write(prose(20_000));
      await store.addVersion('doc', version(typing.capture()));
      const description = JSON.parse(String(await rawValue(versionKey('doc', 1))));
      const stored = (await rawValue(deltaKey('doc', 1))) as Buffer;
      // Same length, damaged bytes: it must not inflate to the recorded size.
      const damaged = Buffer.from(stored);
      damaged.fill(0xff, 0, 16);
      await poke([{ type: 'put', key: deltaKey('doc', 1), value: damaged }]);
      expect(await outcome(() => store.loadVersion('doc', 1))).toEqual({ error: 'CORRUPT' });
      // Intact bytes, a description promising another size.
      await poke([
        { type: 'put', key: deltaKey('doc', 1), value: stored },
        { type: 'put', key: versionKey('doc', 1), value: JSON.stringify({ ...description, bytes: description.bytes - 1 }) },
      ]);
      expect(await outcome(() => store.loadVersion('doc', 1))).toEqual({ error: 'CORRUPT' });
      await poke([{ type: 'put', key: versionKey('doc', 1), value: JSON.stringify({ ...description, deflated: 'many' }) }]);
      expect(await outcome(() => store.listVersions('doc'))).toEqual({ error: 'CORRUPT' });
    });
  });

  describe('[L23] malformed history is CORRUPT, never a shorter history', () => {
    beforeEach(async () => {
      await store.create('doc');
      await addTwo();
    });

    it('[L23] a head that is not JSON', async () => {
      await poke([{ type: 'put', key: historyHeadKey('doc'), value: 'not json' }]);
      expect(await outcome(() => store.listVersions('doc'))).toEqual({ error: 'CORRUPT' });
    });

    it('[L23] a version record that does not match its key', async () => {
      const record = { id: 7, createdAt: 1, label: null, authors: [], bytes: 1, restoredFrom: null };
      await poke([{ type: 'put', key: versionKey('doc', 1), value: JSON.stringify(record) }]);
      expect(await outcome(() => store.listVersions('doc'))).toEqual({ error: 'CORRUPT' });
    });

    it('[L23] a missing delta, and a delta of another size than recorded', async () => {
      await poke([{ type: 'del', key: deltaKey('doc', 1) }]);
      expect(await outcome(() => store.loadVersion('doc', 2))).toEqual({ error: 'CORRUPT' });
      await poke([{ type: 'put', key: deltaKey('doc', 1), value: Buffer.from([0, 0]) }]);
      expect(await outcome(() => store.loadVersion('doc', 1))).toEqual({ error: 'CORRUPT' });
    });

    it('[L23] versions beyond what the head counts', async () => {
      await poke([{ type: 'put', key: historyHeadKey('doc'), value: JSON.stringify({ nextId: 2, state: null, contributors: [] }) }]);
      expect(await outcome(() => store.listVersions('doc'))).toEqual({ error: 'CORRUPT' });
    });
  });
});
