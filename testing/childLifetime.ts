import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import { onStopSignals } from '../collab-server/signals';

/**
 * Ties `child` to this process: when this process exits (a test file ends, the soak or a
 * benchmark is stopped), the child is killed with it instead of running on as an orphan.
 */
export function killWithThisProcess(child: ChildProcess): void {
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
}

/**
 * For the entry point of a long run (the soak, the benchmark): SIGTERM or SIGINT ends it at once,
 * with the usual status for the signal, and the servers it started end with it (see
 * killWithThisProcess); nothing such a run holds is worth waiting for.
 */
export function exitOnStopSignals(log: (message: string) => void): void {
  const stop = (signal: NodeJS.Signals) => {
    log(`${signal} received: stopping, with the servers this run started`);
    process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  onStopSignals({ first: stop, again: stop });
}
