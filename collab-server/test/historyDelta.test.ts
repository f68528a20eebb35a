import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { MemoryDocumentStore } from '../../persistence/MemoryDocumentStore';
import { BODY_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import { randomYEdit } from '../../testing/randomEdits';
import { fuzzSeed, SeededRandom } from '../../testing/seededRandom';
import { captureDelta, isUnchanged, rebuildVersion } from '../history/versionDelta';

/**
 * Versions as deltas of a garbage-collected document (collab-server/history/versionDelta.ts):
 * every version rebuilds exactly, before and after other versions are removed, while the live
 * document keeps collecting its garbage. Seeded; replay one seed with
 * FUZZ_SEED=<seed> npx vitest run collab-server/test/historyDelta.test.ts
 */

/** What a version must rebuild to: the body and the title. */
const stateOf = (doc: Y.Doc) => `${doc.getText(TITLE_FIELD).toString()}\n${doc.getXmlFragment(BODY_FIELD).toString()}`;

/** Two peers editing at random and syncing now and then; captures on the first peer. */
async function fuzz(seed: number): Promise<void> {
  const random = new SeededRandom(seed);
  const live = new Y.Doc();
  const peer = new Y.Doc();
  const sync = () => {
    Y.applyUpdate(peer, Y.encodeStateAsUpdate(live, Y.encodeStateVector(peer)));
    Y.applyUpdate(live, Y.encodeStateAsUpdate(peer, Y.encodeStateVector(live)));
  };
  const store = new MemoryDocumentStore();
  await store.open();
  await store.create('doc');
  const expected = new Map<number, string>();
  let state: Uint8Array | null = null;
  for (let step = 0; step < 60; step++) {
    const edits = random.int(1, 25);
    for (let i = 0; i < edits; i++) randomYEdit(random.chance(0.7) ? live : peer, random);
    if (random.chance(0.5)) sync();
    if (random.chance(0.1)) live.getText(TITLE_FIELD).insert(0, random.pick(['A', 'B', 'C']));
    const captured = captureDelta(live, state);
    // Only the deletions made since the previous version are stored, never the whole delete set again.
    const plain = Y.encodeStateAsUpdate(live, state ? Y.encodeStateVector(Y.decodeSnapshot(state).sv) : undefined);
    expect(captured.delta.byteLength).toBeLessThanOrEqual(plain.byteLength);
    const info = await store.addVersion('doc', { ...captured, createdAt: step, label: null, authors: [], restoredFrom: null });
    expected.set(info.id, stateOf(live));
    state = captured.state;
    expect(isUnchanged(live, state)).toBe(true);
  }
  const check = async () => {
    for (const version of (await store.listVersions('doc')) ?? []) {
      const rebuilt = rebuildVersion((await store.loadVersion('doc', version.id)) ?? []);
      expect(stateOf(rebuilt), `version ${version.id} (seed ${seed})`).toBe(expected.get(version.id));
      rebuilt.destroy();
    }
  };
  await check();
  // Remove random versions (never the latest): the others still rebuild exactly.
  const ids = [...expected.keys()].slice(0, -1).filter(() => random.chance(0.5));
  await store.removeVersions('doc', ids);
  await check();
}

describe('version deltas', () => {
  it('every version rebuilds the state it was captured at, also after others are removed (seeded)', async () => {
    const seed = fuzzSeed();
    console.log(`history delta fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run collab-server/test/historyDelta.test.ts)`);
    await fuzz(seed);
  });

  it('versions do not keep deleted content alive in the live document, which still collects it', () => {
    const live = new Y.Doc();
    expect(live.gc).toBe(true);
    const text = live.getText('body');
    const long = 'A long paragraph that will be deleted entirely. '.repeat(200);
    text.insert(0, long);
    const first = captureDelta(live, null);
    text.delete(0, text.length);
    text.insert(0, 'Short.');
    const second = captureDelta(live, first.state);
    // The live document dropped the deleted text: its state is small again…
    expect(Y.encodeStateAsUpdate(live).byteLength).toBeLessThan(200);
    let deletedWithContent = 0;
    for (const structs of live.store.clients.values()) {
      for (const struct of structs) if (struct.deleted && struct instanceof Y.Item && !(struct.content instanceof Y.ContentDeleted)) deletedWithContent += 1;
    }
    expect(deletedWithContent).toBe(0);
    // …and the first version still has it, from its own delta.
    expect(rebuildVersion([first.delta]).getText('body').toString()).toBe(long);
    expect(rebuildVersion([first.delta, second.delta]).getText('body').toString()).toBe('Short.');
  });

  it('a capture of an unchanged document is recognised; a deletion alone is a change, stored in a few bytes', () => {
    const live = new Y.Doc();
    live.getText('body').insert(0, 'abc');
    const first = captureDelta(live, null);
    expect(isUnchanged(live, first.state)).toBe(true);
    live.getText('body').delete(1, 1);
    expect(isUnchanged(live, first.state)).toBe(false);
    const second = captureDelta(live, first.state);
    // No structs and one deleted range.
    expect(second.delta.byteLength).toBeLessThanOrEqual(12);
    expect(rebuildVersion([first.delta]).getText('body').toString()).toBe('abc');
    expect(rebuildVersion([first.delta, second.delta]).getText('body').toString()).toBe('ac');
  });
});
