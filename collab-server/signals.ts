/**
 * Stop signals as a person or a supervisor means them. One request to stop often arrives as
 * several signals a few milliseconds apart: Ctrl+C signals every process in the terminal's
 * foreground group (npm, the server) and npm then forwards its own copy; systemd signals every
 * process of the unit, and wrappers relay what they receive. Those copies must not turn a
 * graceful stop into an immediate exit, so a stop signal within DUPLICATE_SIGNAL_WINDOW_MS of the
 * first counts as the same request. A person who presses Ctrl+C again after that means it.
 *
 * Imports nothing, so `scripts/dev.ts` can use it under Node's type stripping.
 */

/** How long after the first stop signal another one counts as a copy of it, in milliseconds. */
export const DUPLICATE_SIGNAL_WINDOW_MS = 1000;

/** The signals that ask a process to stop. */
export const STOP_SIGNALS: readonly NodeJS.Signals[] = ['SIGTERM', 'SIGINT'];

/** What to do on the first stop signal, on copies of it, and on a later one. */
export interface StopSignalHandlers {
  /** The first SIGTERM or SIGINT: stop gracefully. */
  first(signal: NodeJS.Signals): void;
  /** A stop signal within the window after the first (`afterMs` later): the same request again. */
  duplicate?(signal: NodeJS.Signals, afterMs: number): void;
  /** A stop signal after the window: someone asks again, and means it. */
  again(signal: NodeJS.Signals): void;
}

/** Where signals come from (the process, in production). */
export interface SignalSource {
  on(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
  off(event: NodeJS.Signals, listener: (signal: NodeJS.Signals) => void): unknown;
}

/**
 * Listens for SIGTERM and SIGINT on `source` and sorts them into first, duplicate and again.
 * Returns a function that stops listening.
 */
export function onStopSignals(handlers: StopSignalHandlers, source: SignalSource = process, now: () => number = () => performance.now()): () => void {
  let firstAt: number | null = null;
  const listener = (signal: NodeJS.Signals) => {
    const at = now();
    if (firstAt === null) {
      firstAt = at;
      handlers.first(signal);
    } else if (at - firstAt < DUPLICATE_SIGNAL_WINDOW_MS) {
      handlers.duplicate?.(signal, at - firstAt);
    } else {
      handlers.again(signal);
    }
  };
  for (const signal of STOP_SIGNALS) source.on(signal, listener);
  return () => {
    for (const signal of STOP_SIGNALS) source.off(signal, listener);
  };
}
