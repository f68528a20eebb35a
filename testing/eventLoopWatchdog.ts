/**
 * Watches this process's event loop: a timer that should fire every `intervalMs` measures how
 * late it actually fires. Any lateness above the limit is a stall: for an in-process server it
 * means every client waited that long. `stop()` returns what was seen.
 */
export interface WatchdogReport {
  /** The longest delay beyond the expected tick, in milliseconds. */
  maxStallMs: number;
  /** Stalls above the limit, with when they ended (ms since the watchdog started). */
  stalls: Array<{ atMs: number; stallMs: number }>;
  ticks: number;
}

export class EventLoopWatchdog {
  private readonly timer: NodeJS.Timeout;
  private readonly started = performance.now();
  private last = this.started;
  private report: WatchdogReport = { maxStallMs: 0, stalls: [], ticks: 0 };

  constructor(
    readonly limitMs = 1000,
    private readonly intervalMs = 20,
  ) {
    this.timer = setInterval(() => this.tick(), intervalMs);
  }

  private tick(): void {
    const now = performance.now();
    const stall = now - this.last - this.intervalMs;
    this.last = now;
    this.report.ticks += 1;
    if (stall > this.report.maxStallMs) this.report.maxStallMs = stall;
    if (stall > this.limitMs) this.report.stalls.push({ atMs: Math.round(now - this.started), stallMs: Math.round(stall) });
  }

  /** What was seen so far (the watchdog keeps running). */
  get current(): WatchdogReport {
    return { ...this.report, stalls: [...this.report.stalls] };
  }

  /** Stops watching and returns the report (including the time since the last tick). */
  stop(): WatchdogReport {
    clearInterval(this.timer);
    this.tick();
    return this.current;
  }

  /** Throws, naming the stalls, if the loop ever stalled beyond the limit. */
  assertNoStall(what = 'the event loop'): void {
    const { stalls, maxStallMs } = this.current;
    if (stalls.length > 0) {
      throw new Error(`${what} stalled ${stalls.length} time(s) beyond ${this.limitMs} ms (longest ${Math.round(maxStallMs)} ms): ${JSON.stringify(stalls)}`);
    }
  }
}
