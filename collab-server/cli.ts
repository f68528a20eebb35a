import { type Config, ConfigError, helpText, parseConfig } from './config';

/**
 * Shared by the two entry points (`collab-server/main.ts`, `start.ts`): configuration from flags
 * and environment with `--help`, and a graceful stop on SIGTERM/SIGINT.
 */

/** Parses `argv` and the environment, or prints help or the problem and exits. */
export function configFromProcess(command: string, argv: string[], defaults: Partial<Record<string, string>> = {}): Config {
  if (argv.includes('--help') || argv.includes('-h')) {
    console.log(helpText(command));
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
 * Runs `stop` on the first SIGTERM or SIGINT, then exits 0 (or 1 if `stop` fails).
 * A second signal exits at once with 1.
 */
export function stopOnSignals(stop: () => Promise<void>, onError: (error: unknown) => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      console.error(`${signal} received again while stopping; exiting without waiting`);
      process.exit(1);
    }
    stopping = true;
    stop().then(
      () => process.exit(0),
      (error) => {
        onError(error);
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
}

function definedOnly(env: NodeJS.ProcessEnv): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined));
}
