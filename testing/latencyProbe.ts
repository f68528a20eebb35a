import type * as Y from 'yjs';

/** One probe: when it was sent (wall clock, ms since the epoch) and how long it took. */
export interface LatencySample {
  at: number;
  ms: number;
}

/**
 * Measures how long an edit takes to travel from one client to another through the server: every
 * `intervalMs` one of the senders (in turn) writes a new key into a Y.Map, and the receiver's
 * observer records when it arrived.
 */
export class LatencyProbe {
  private readonly samples: LatencySample[] = [];
  private readonly sentAt = new Map<number, { at: number; clock: number }>();
  private timer: NodeJS.Timeout | null = null;
  private seq = 0;

  constructor(
    private readonly pairs: Array<{ from: Y.Doc; to: Y.Doc }>,
    private readonly intervalMs = 20,
  ) {
    for (const { to } of pairs) {
      to.getMap<number>('latency-probe').observe((event) => {
        if (event.transaction.local) return;
        // One key per probe: probes crossing in opposite directions must not overwrite each other.
        for (const key of event.keysChanged) {
          const seq = Number(key);
          const sent = this.sentAt.get(seq);
          if (sent === undefined) continue;
          this.sentAt.delete(seq);
          this.samples.push({ at: sent.clock, ms: performance.now() - sent.at });
        }
      });
    }
  }

  /** Starts probing; `take()` returns and clears the samples gathered since. */
  start(): void {
    this.timer = setInterval(() => {
      const { from } = this.pairs[this.seq % this.pairs.length];
      const seq = ++this.seq;
      this.sentAt.set(seq, { at: performance.now(), clock: Date.now() });
      from.getMap<number>('latency-probe').set(String(seq), seq);
    }, this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** The samples gathered so far, and clears them (probes still in flight are kept). */
  take(): LatencySample[] {
    return this.samples.splice(0);
  }

  /** Probes still unanswered (lost or very late edits). */
  get outstanding(): number {
    return this.sentAt.size;
  }
}

/** The `p`-th percentile (0–100) of `values`. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
