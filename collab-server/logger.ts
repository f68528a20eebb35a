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

/** A request URL with its query string removed, safe to log. */
export function safeUrl(url: string | undefined): string {
  if (!url) return '';
  const query = url.indexOf('?');
  return query === -1 ? url : `${url.slice(0, query)}?…`;
}
