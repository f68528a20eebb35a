/** Something an `ExpiryQueue` holds: a deadline, and the place the queue keeps it at. */
export interface Deadline {
  /** When it is due, in milliseconds since the epoch (the clock of `Date.now()`). */
  dueAt: number;
  /** Its index in the queue's heap, or -1 when it is not queued. Written by the queue only. */
  slot: number;
}

/**
 * The longest delay a Node timer takes: anything longer is cut to 1 ms (with a warning), which
 * would fire a far deadline at once. Longer waits are made of several timers of at most this.
 */
export const MAX_TIMER_DELAY_MS = 2 ** 31 - 1;

/**
 * Deadlines for many items with one timer between them, armed for the earliest. A timer per
 * item would cost every open connection about half a kilobyte (a Node timer per distinct delay
 * brings its own timer list); this costs an array slot. Adding, moving and removing an item take
 * O(log n) (a binary min-heap that records each item's index in the item itself).
 *
 * `onDue` is called with each item whose deadline has passed (by `Date.now()`), already taken
 * out of the queue; it may queue the item again. The timer may fire early or late (it runs on
 * the monotonic clock, deadlines on the wall clock): an item is never handed over before its
 * deadline, and a late timer hands over everything due. The timer does not keep the process
 * alive, and none is left once the queue is empty.
 */
export class ExpiryQueue<T extends Deadline> {
  private readonly heap: T[] = [];
  private timer: NodeJS.Timeout | null = null;
  /** When the armed timer fires (ms since the epoch); Infinity when none is armed. */
  private timerAt = Number.POSITIVE_INFINITY;

  constructor(private readonly onDue: (item: T) => void) {}

  /** Items queued. */
  get size(): number {
    return this.heap.length;
  }

  /** True while a timer is armed (there is a deadline to wait for). */
  get armed(): boolean {
    return this.timer !== null;
  }

  /**
   * Queues `item` to be due at `dueAt`, or moves it there when it is queued already. A deadline
   * that is not a finite number (a token whose `exp` is too far to count in milliseconds) is
   * never due: the item is taken out instead.
   */
  schedule(item: T, dueAt: number): void {
    if (!Number.isFinite(dueAt)) {
      this.remove(item);
      item.dueAt = dueAt;
      return;
    }
    const earlier = dueAt < item.dueAt;
    item.dueAt = dueAt;
    if (item.slot === -1) {
      item.slot = this.heap.length;
      this.heap.push(item);
      this.up(item.slot);
    } else if (earlier) this.up(item.slot);
    else this.down(item.slot);
    this.arm();
  }

  /** Takes `item` out of the queue; nothing when it is not queued. */
  remove(item: T): void {
    const slot = item.slot;
    if (slot === -1 || this.heap[slot] !== item) return;
    const last = this.heap.pop() as T;
    item.slot = -1;
    if (last !== item) {
      this.heap[slot] = last;
      last.slot = slot;
      this.up(slot);
      this.down(last.slot);
    }
    // A timer armed for a later item would only fire for nothing; an empty queue keeps none.
    if (this.heap.length === 0) this.disarm();
  }

  private readonly fire = (): void => {
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
    try {
      const now = Date.now();
      while (this.heap.length > 0 && this.heap[0].dueAt <= now) {
        const item = this.heap[0];
        this.remove(item);
        this.onDue(item);
      }
    } finally {
      this.arm();
    }
  };

  /** Arms the timer for the earliest deadline, unless one is armed for it (or before it) already. */
  private arm(): void {
    const first = this.heap[0];
    if (!first) {
      this.disarm();
      return;
    }
    if (this.timer !== null && this.timerAt <= first.dueAt) return;
    this.disarm();
    const now = Date.now();
    // Whole milliseconds, rounded up: never early by the rounding. A deadline already passed
    // waits for the next turn of the event loop, so `schedule` never calls `onDue` itself.
    const delay = Math.min(MAX_TIMER_DELAY_MS, Math.max(0, Math.ceil(first.dueAt - now)));
    this.timerAt = now + delay;
    this.timer = setTimeout(this.fire, delay);
    this.timer.unref();
  }

  private disarm(): void {
    if (this.timer === null) return;
    clearTimeout(this.timer);
    this.timer = null;
    this.timerAt = Number.POSITIVE_INFINITY;
  }

  private up(slot: number): void {
    const { heap } = this;
    const item = heap[slot];
    while (slot > 0) {
      const parentSlot = (slot - 1) >> 1;
      const parent = heap[parentSlot];
      if (parent.dueAt <= item.dueAt) break;
      heap[slot] = parent;
      parent.slot = slot;
      slot = parentSlot;
    }
    heap[slot] = item;
    item.slot = slot;
  }

  private down(slot: number): void {
    const { heap } = this;
    const item = heap[slot];
    const length = heap.length;
    for (;;) {
      let child = 2 * slot + 1;
      if (child >= length) break;
      if (child + 1 < length && heap[child + 1].dueAt < heap[child].dueAt) child += 1;
      if (heap[child].dueAt >= item.dueAt) break;
      heap[slot] = heap[child];
      heap[slot].slot = slot;
      slot = child;
    }
    heap[slot] = item;
    item.slot = slot;
  }
}
