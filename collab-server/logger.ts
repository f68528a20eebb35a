import { format } from 'node:util';
import pino, { type Logger } from 'pino';

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
 * Sends what libraries write with `console.error` and `console.warn` through `logger`, as JSON
 * lines with `source: "console"`, so a process writes one log format. Hocuspocus writes there,
 * for example when a hook refuses a message and it closes the connection. For a process's entry
 * point only (it changes the global console); returns a function that restores it.
 */
export function routeConsoleTo(logger: Logger): () => void {
  const original = { error: console.error, warn: console.warn };
  console.error = (...args: unknown[]) => logger.error({ source: 'console' }, format(...args));
  console.warn = (...args: unknown[]) => logger.warn({ source: 'console' }, format(...args));
  return () => {
    console.error = original.error;
    console.warn = original.warn;
  };
}

/** A request URL with its query string removed, safe to log. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}
