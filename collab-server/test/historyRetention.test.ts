import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import type { VersionInfo } from '../../persistence/VersionStore';
import { HistoryExtension } from '../history/HistoryExtension';
import { type RetentionPolicy, versionsToRemove } from '../history/retention';
import { captureDelta, captureVersion, rebuildVersion } from '../history/versionDelta';
import { createLogger } from '../logger';

/**
 * The retention policy removes exactly what it says, and removing versions never changes what the
 * remaining ones hold: first the policy as a function, then the sweep over a real LevelDB store.
 */

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;
const NOW = Date.UTC(2026, 0, 31, 12, 0);
const policy: RetentionPolicy = { keepDays: 30, maxAutoVersions: 100 };

/** A version description: `at` is its time, `label` makes it named. */
const v = (id: number, at: number, label: string | null = null): VersionInfo => ({ id, createdAt: at, label, authors: [], bytes: 1, restoredFrom: null });

describe('versionsToRemove', () => {
  it('keeps named versions and the latest whatever their age', () => {
    const versions = [v(1, NOW - 400 * DAY, 'launch'), v(2, NOW - 300 * DAY)];
    expect(versionsToRemove(versions, NOW, policy)).toEqual([]);
  });

  it('keeps every automatic version of the last day', () => {
    const versions = [v(1, NOW - 23 * HOUR), v(2, NOW - 23 * HOUR + 1), v(3, NOW - HOUR), v(4, NOW - 1)];
    expect(versionsToRemove(versions, NOW, policy)).toEqual([]);
  });

  it('keeps the last automatic version of each hour up to a week, of each day after that, none older than keepDays', () => {
    const threeDaysAgo = Date.UTC(2026, 0, 28, 9, 0);
    const tenDaysAgo = Date.UTC(2026, 0, 21, 0, 0);
    const versions = [
      v(1, NOW - 40 * DAY), // older than 30 days: removed
      v(2, NOW - 40 * DAY, 'kept by name'),
      v(3, tenDaysAgo + 10 * HOUR), // same day as 4, earlier: removed
      v(4, tenDaysAgo + 18 * HOUR), // last of its day: kept
      v(5, tenDaysAgo + DAY + HOUR), // alone on its day: kept
      v(6, threeDaysAgo + 10 * 60_000), // same hour as 7, earlier: removed
      v(7, threeDaysAgo + 50 * 60_000), // last of its hour: kept
      v(8, threeDaysAgo + 65 * 60_000), // next hour: kept
      v(9, NOW - 2 * HOUR), // last day: kept
      v(10, NOW - HOUR, 'named'),
      v(11, NOW), // latest: kept
    ];
    expect(versionsToRemove(versions, NOW, policy)).toEqual([1, 3, 6]);
  });

  it('removes the oldest automatic versions beyond maxAutoVersions; named ones do not count', () => {
    const versions = [v(1, NOW - 6 * HOUR), v(2, NOW - 5 * HOUR, 'named'), v(3, NOW - 4 * HOUR), v(4, NOW - 3 * HOUR), v(5, NOW - 2 * HOUR), v(6, NOW - HOUR)];
    expect(versionsToRemove(versions, NOW, { keepDays: 30, maxAutoVersions: 3 })).toEqual([1, 3]);
    expect(versionsToRemove(versions, NOW, { keepDays: 30, maxAutoVersions: 1 })).toEqual([1, 3, 4, 5]);
  });
});

describe('the retention sweep on a real store', () => {
  let folder: string;
  let store: LevelDocumentStore;
  let history: HistoryExtension;
  let now = 0;
  const docs = new Map<string, Y.Doc>();
  const retention: RetentionPolicy = { keepDays: 30, maxAutoVersions: 6 };

  beforeEach(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'history-retention-'));
    store = new LevelDocumentStore({ location: folder });
    await store.open();
    history = new HistoryExtension({
      store,
      listDocuments: async () => (await store.list()).map((meta) => meta.name),
      // The documents live here instead of in Hocuspocus: the sweep reads only the store.
      storedState: async (name) => [Y.encodeStateAsUpdate(docs.get(name) as Y.Doc)],
      delta: async (state, previous) => captureVersion(state, previous),
      whenSaved: () => null,
      logger: createLogger('silent'),
      idleMs: 60_000,
      maxIntervalMs: 60_000,
      retention,
      sweepIntervalMs: 0,
      now: () => now,
    });
  });

  afterEach(async () => {
    await history.close(1000);
    await store.close();
    await rm(folder, { recursive: true, force: true });
  });

  /** Writes `text` into the document and captures it at time `at` (named when `label` is given). */
  const captureAt = async (name: string, text: string, at: number, label?: string) => {
    const doc = docs.get(name) as Y.Doc;
    const body = doc.getText('body');
    doc.transact(() => {
      body.delete(0, body.length);
      body.insert(0, text);
    });
    now = at;
    return history.capture(name, label === undefined ? {} : { label });
  };

  it('removes exactly the versions the policy names, and every other version rebuilds as it was captured', async () => {
    await store.create('doc');
    const doc = new Y.Doc();
    const texts = new Map<number, string>();
    const plan: Array<[number, string?]> = [
      [NOW - 45 * DAY], // 1: too old
      [NOW - 45 * DAY + HOUR, 'Kickoff'], // 2: named
      [NOW - 10 * DAY], // 3: same day as 4
      [NOW - 10 * DAY + 2 * HOUR], // 4
      [NOW - 3 * DAY], // 5: same hour as 6
      [NOW - 3 * DAY + 60_000], // 6
      [NOW - 5 * HOUR], // 7
      [NOW - 4 * HOUR], // 8
      [NOW - 3 * HOUR], // 9
      [NOW - 2 * HOUR], // 10
      [NOW - HOUR], // 11: latest
    ];
    // Stored directly (a capture would already thin them by its own time); the sweep is under test.
    for (const [index, [at, label]] of plan.entries()) {
      doc.getText('body').insert(0, `${index + 1} `);
      const head = await store.historyHead('doc');
      const version = await store.addVersion('doc', {
        ...captureDelta(doc, head?.state ?? null),
        createdAt: at,
        label: label ?? null,
        authors: [],
        restoredFrom: null,
      });
      texts.set(version.id, doc.getText('body').toString());
    }
    const stored = (await store.listVersions('doc')) ?? [];
    expect(stored).toHaveLength(11);
    const expected = versionsToRemove(stored, NOW, retention);
    now = NOW;
    await history.sweep();
    const left = ((await store.listVersions('doc')) ?? []).map((version) => version.id);
    expect(left).toEqual(stored.map((version) => version.id).filter((id) => !expected.includes(id)));
    // By the rules: 1 is too old, 3 and 5 are thinned (4 and 6 end their day and hour), then 4 is
    // the oldest of seven automatic versions where six are allowed.
    expect(left).toEqual([2, 6, 7, 8, 9, 10, 11]);
    for (const id of left) {
      const rebuilt = rebuildVersion((await store.loadVersion('doc', id)) ?? []);
      expect(rebuilt.getText('body').toString()).toBe(texts.get(id));
      rebuilt.destroy();
    }
    // A second sweep finds nothing more to remove.
    await history.sweep();
    expect(((await store.listVersions('doc')) ?? []).map((version) => version.id)).toEqual(left);
  });

  it('each capture thins its own document by the policy', async () => {
    await store.create('busy');
    docs.set('busy', new Y.Doc());
    for (let i = 0; i < 9; i++) await captureAt('busy', `v${i}`, NOW + i * 60_000);
    const left = (await store.listVersions('busy')) ?? [];
    expect(left.map((version) => version.id)).toEqual([4, 5, 6, 7, 8, 9]);
    const doc = rebuildVersion((await store.loadVersion('busy', 4)) ?? []);
    expect(doc.getText('body').toString()).toBe('v3');
  });
});
