import { createHook } from 'node:async_hooks';
import { describe, expect, it } from 'vitest';
import { fuzzSeed, SeededRandom } from '../../testing/seededRandom';
import { waitFor } from '../../testing/waitFor';
import { type Deadline, ExpiryQueue, MAX_TIMER_DELAY_MS } from '../extensions/ExpiryQueue';

/** The one timer behind every connection's token expiry: deadlines in order, never early, nothing left behind. */

interface Item extends Deadline {
  id: number;
}

const item = (id: number): Item => ({ id, dueAt: Number.POSITIVE_INFINITY, slot: -1 });

/** A queue that records each item it hands over, with the time it did. */
function recordingQueue() {
  const due: Array<{ item: Item; at: number }> = [];
  const queue = new ExpiryQueue<Item>((handed) => due.push({ item: handed, at: Date.now() }));
  return { queue, due };
}

/** Counts the timers created while `run` runs, and those of them still alive at its end. */
async function countTimers(run: () => Promise<void>): Promise<{ created: number; alive: number }> {
  const alive = new Set<number>();
  let created = 0;
  const hook = createHook({
    init: (id, type) => {
      if (type !== 'Timeout') return;
      created += 1;
      alive.add(id);
    },
    destroy: (id) => void alive.delete(id),
  }).enable();
  try {
    await run();
    // Node reports destroyed timers asynchronously.
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
  } finally {
    hook.disable();
  }
  return { created, alive: alive.size };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('ExpiryQueue', () => {
  it('hands over every item at or after its deadline, earliest first, and takes moves and removals into account', async () => {
    const random = new SeededRandom(fuzzSeed());
    console.log(`expiry queue seed ${random.seed} (replay: FUZZ_SEED=${random.seed} npx vitest run collab-server/test/expiryQueue.test.ts)`);
    const { queue, due } = recordingQueue();
    const items = Array.from({ length: 500 }, (_, id) => item(id));
    const start = Date.now();
    for (const entry of items) queue.schedule(entry, start + 20 + random.int(0, 200));
    // Move a fifth (earlier or later) and remove another fifth.
    for (const entry of items.slice(0, 100)) queue.schedule(entry, start + 20 + random.int(0, 200));
    const removed = new Set(items.slice(100, 200));
    for (const entry of removed) queue.remove(entry);
    expect(queue.size).toBe(400);

    await waitFor(() => due.length === 400 && !queue.armed, { message: 'every item to be handed over', timeoutMs: 5000 });
    expect(due.some(({ item: handed }) => removed.has(handed))).toBe(false);
    for (const { item: handed, at } of due) expect(at).toBeGreaterThanOrEqual(handed.dueAt);
    const order = due.map(({ item: handed }) => handed.dueAt);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    for (const { item: handed } of due) expect(handed.slot).toBe(-1);
    expect(queue.size).toBe(0);
  });

  it('an item may be queued again from the hand-over, and a deadline already passed is handed over on the next turn, not at once', async () => {
    const seen: number[] = [];
    const queue: ExpiryQueue<Item> = new ExpiryQueue<Item>((handed) => {
      seen.push(handed.id);
      if (seen.length < 3) queue.schedule(handed, Date.now() + 5);
    });
    const again = item(7);
    queue.schedule(again, Date.now() - 1000);
    expect(seen).toEqual([]);
    await waitFor(() => seen.length === 3 && !queue.armed, { message: 'three hand-overs' });
    expect(seen).toEqual([7, 7, 7]);
  });

  it('a deadline past the longest timer (2^31 - 1 ms) arms one timer that neither fires early nor spins; one that is not finite is never queued', async () => {
    const { queue, due } = recordingQueue();
    const far = item(1);
    const never = item(2);
    const { created } = await countTimers(async () => {
      queue.schedule(far, Date.now() + 30 * 24 * 3600 * 1000);
      queue.schedule(never, Number.POSITIVE_INFINITY);
      await sleep(100);
    });
    expect(Date.now() + MAX_TIMER_DELAY_MS).toBeLessThan(far.dueAt);
    // The queue's timer and the sleep's.
    expect(created).toBe(2);
    expect(due).toEqual([]);
    expect(queue.size).toBe(1);
    expect(never.slot).toBe(-1);
    queue.remove(far);
    expect(queue.armed).toBe(false);
  });

  it('keeps no timer once empty: removing the last item releases it', async () => {
    const { queue } = recordingQueue();
    const items = Array.from({ length: 1000 }, (_, id) => item(id));
    const { alive } = await countTimers(async () => {
      for (const entry of items) queue.schedule(entry, Date.now() + 60_000 + entry.id);
      expect(queue.armed).toBe(true);
      for (const entry of items) queue.remove(entry);
    });
    expect(queue.size).toBe(0);
    expect(queue.armed).toBe(false);
    expect(alive).toBe(0);
  });
});
