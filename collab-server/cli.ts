import { type Config, ConfigError, helpText, parseConfig } from './config';
import type { Logger } from './logger';
import { onStopSignals } from './signals';

/**
 * Shared by the two entry points (`collab-server/main.ts`, `start.ts`): configuration from flags
 * and environment with `--help`, and a graceful stop on SIGTERM/SIGINT.
 */

/** Parses `argv` and the environment, or prints help or the problem and exits. */
export function configFromProcess(command: string, argv: string[], defaults: Readonly<Record<string, string>> = {}): Config {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText(command, defaults));
    process.exit(0);
  }
  try {
    return parseConfig(argv, { ...defaults, ...definedOnly(process.env) });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(`${command}: ${error.message}`);
    process.exit(2);
  }
}

/**
 * Runs `stop` on the first SIGTERM or SIGINT, then exits 0 (or 1 if `stop` fails). Copies of that
 * signal arriving within DUPLICATE_SIGNAL_WINDOW_MS (a terminal's Ctrl+C plus npm's forwarded
 * copy, a supervisor signalling every process) change nothing; a stop signal after that exits at
 * once with 1. `exit` is `process.exit` outside tests.
 */
export function stopOnSignals(stop: () => Promise<void>, logger: Logger, exit: (code: number) => void = (code) => process.exit(code)): void {
  onStopSignals({
    first: (signal) => {
      logger.info({ signal }, `${signal} received: stopping (no new connections; writing pending updates)`);
      stop().then(
        () => exit(0),
        (error) => {
          logger.fatal({ err: error }, 'stopped with an error');
          exit(1);
        },
      );
    },
    duplicate: (signal, afterMs) =>
      logger.info({ signal }, `${signal} again ${Math.round(afterMs)} ms after the first: the same request, still stopping gracefully`),
    again: (signal) => {
      logger.warn({ signal }, `${signal} received again while stopping; exiting without waiting`);
      exit(1);
    },
  });
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
