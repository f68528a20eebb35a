import { createRequire } from 'node:module';
import { format } from 'node:util';
import pino, { type Logger } from 'pino';
import type PinoPretty from 'pino-pretty';

export type { Logger } from 'pino';

/**
 * Structured JSON logs. Anything that could carry a credential is redacted by path, and no code
 * logs a request URL that could hold `?token=` (see `safeUrl`).
 */
export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'collab-server' },
      redact: {
        paths: ['token', '*.token', 'authorization', '*.authorization', 'headers.authorization', 'headers.cookie', 'secret', '*.secret'],
        censor: '[redacted]',
      },
    },
    destination,
  );
}

/**
 * Where an entry point's logger writes: when `output` is a terminal, readable lines for the person
 * watching it (`pino-pretty`: time, level, message, then the fields on the same line, errors
 * with their stack); otherwise `undefined`, which is pino's JSON lines on stdout, for log
 * collectors and tests. Both get the same records, redacted the same way.
 */
export function logDestination(output: { isTTY?: boolean; fd: number } = process.stdout): pino.DestinationStream | undefined {
  if (!output.isTTY) return undefined;
  // Loaded only here: a server whose output is collected does not carry it (about 9 MB).
  const pretty = createRequire(import.meta.url)('pino-pretty') as typeof PinoPretty;
  // Synchronous, so lines keep their order with what else the process prints (the app build's
  // output) and nothing is lost when it exits.
  return pretty({ destination: output.fd, sync: true, translateTime: 'SYS:HH:MM:ss', ignore: 'pid,hostname,service', singleLine: true });
}

/**
 * Sends what libraries print with `console` through `logger`, with `source: "console"`, so a
 * process writes one log format (JSON lines stay JSON): Hocuspocus writes to `console.error`
 * when a hook refuses a message and it closes the connection, Next.js prints its start-up notes
 * with `console.log`. For a process's entry point only (it changes the global console); returns a
 * function that restores it.
 */
export function routeConsoleTo(logger: Logger): () => void {
  const original = { error: console.error, warn: console.warn, info: console.info, log: console.log };
  console.error = (...args: unknown[]) => logger.error({ source: 'console' }, format(...args));
  console.warn = (...args: unknown[]) => logger.warn({ source: 'console' }, format(...args));
  console.info = (...args: unknown[]) => logger.info({ source: 'console' }, format(...args));
  console.log = (...args: unknown[]) => logger.info({ source: 'console' }, format(...args));
  return () => Object.assign(console, original);
}

/** A request URL with its query string removed, safe to log. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}
