import { afterEach, describe, expect, it } from 'vitest';
import type { DocumentStore, ExportItem } from '../DocumentStore';
import { outcome, storeImplementations } from './storeFixtures';

/**
 * Differential fuzz: the same seeded random operations, issued in concurrent rounds (nobody waits
 * inside a round: writes together, then reads together), against every store implementation. Every result must be the same in all of
 * them ([L4], [L5], [L10]–[L15] together). A failure prints the seed; replay it with
 * `STORE_FUZZ_SEED=<seed> npx vitest run persistence/test/storeFuzz.test.ts`.
 */

/** Seeds that once failed, kept as regressions. */
const REGRESSION_SEEDS: number[] = [];

const NAMES = ['a', 'b', 'ä', '😀', 'a b'];

function random(seed: number): () => number {
  // mulberry32
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Operation = (store: DocumentStore) => Promise<unknown>;

/** A random write. Every random choice is made here, never inside the returned function: each store must get the same operation. */
function randomWrite(next: () => number): Operation {
  const name = pick(next, NAMES);
  const payload = Uint8Array.from({ length: 1 + Math.floor(next() * 6) }, () => Math.floor(next() * 256));
  const patch = next() < 0.3 ? { title: `t${Math.floor(next() * 5)}`, properties: { p: next() < 0.5 ? 'x' : null } } : {};
  const init = next() < 0.5 ? { update: payload, ...patch } : patch;
  const roll = next();
  if (roll < 0.2) return (store) => store.create(name, init);
  if (roll < 0.7) return (store) => store.append(name, payload, patch);
  if (roll < 0.82) return (store) => store.compact(name, payload);
  if (roll < 0.9) return (store) => store.updateMeta(name, patch);
  return (store) => store.delete(name);
}

/** A random read. */
function randomRead(next: () => number): Operation {
  const name = pick(next, NAMES);
  const roll = next();
  if (roll < 0.35) return (store) => store.load(name);
  if (roll < 0.6) return (store) => store.getMeta(name);
  if (roll < 0.75) return (store) => store.wasDeleted(name);
  if (roll < 0.9) return (store) => store.list();
  return async (store) => {
    const items: ExportItem[] = [];
    for await (const item of store.exportAll()) items.push(item);
    return items;
  };
}

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)];
}

/** Results as comparable JSON (byte arrays, Buffers included, become plain arrays). */
const normalize = (value: unknown) =>
  JSON.stringify(value, (_key, item) => {
    if (item instanceof Uint8Array) return [...item];
    if (item?.type === 'Buffer' && Array.isArray(item.data)) return item.data;
    return item;
  });

// Made once for the file: its PostgreSQL server is stopped after the file (each run cleans up its own stores).
const implementations = storeImplementations();

async function run(seed: number): Promise<void> {
  // The clock moves per round, not per reading: within a round the stores may prepare writes to
  // different documents in different orders, and that is allowed.
  let time = 1_700_000_000_000;
  const stores = await Promise.all(implementations.map((implementation) => implementation.make(() => time)));
  await Promise.all(stores.map((store) => store.open()));
  try {
    const next = random(seed);
    for (let round = 0; round < 60; round++) {
      time += 1000;
      // Writes race each other; reads run once they have settled (a read racing a later write
      // may or may not see it, [L14], so only settled state is compared).
      for (const phase of ['writes', 'reads'] as const) {
        const make = phase === 'writes' ? randomWrite : randomRead;
        const operations = Array.from({ length: 1 + Math.floor(next() * 8) }, () => make(next));
        const results = await Promise.all(stores.map((store) => Promise.all(operations.map((operation) => outcome(() => operation(store))))));
        const [first, ...others] = results.map(normalize);
        for (const [index, other] of others.entries()) {
          expect(other, `seed ${seed}, round ${round}, ${phase}: ${implementations[index + 1].name} differs from ${implementations[0].name}`).toBe(first);
        }
      }
    }
  } finally {
    await Promise.all(stores.map((store) => store.close()));
    await Promise.all(implementations.map((implementation) => implementation.cleanup()));
  }
}

describe('store fuzz', () => {
  const seeds = process.env.STORE_FUZZ_SEED
    ? [Number(process.env.STORE_FUZZ_SEED)]
    : [...REGRESSION_SEEDS, ...Array.from({ length: 4 }, () => Math.floor(Math.random() * 2 ** 31))];
  let current = 0;

  afterEach((context) => {
    if (context.task.result?.state === 'fail') console.error(`store fuzz failed with seed ${current}`);
  });

  for (const [index, seed] of seeds.entries()) {
    it(`[L4][L5][L10][L15] every store gives the same results for random concurrent operations (run ${index + 1}, seed ${seed})`, async () => {
      current = seed;
      console.log(`store fuzz seed ${seed}`);
      await run(seed);
    });
  }
});
