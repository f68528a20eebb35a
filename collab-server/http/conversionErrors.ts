import { ConversionError } from '../conversion/ConversionError';
import { HttpError } from './Router';

/**
 * A ConversionError as the HTTP error a client can act on: 413 when the conversion needed more
 * memory than a worker has, 422 for content too deep, too large in nodes or too slow to convert,
 * 503 with `Retry-After` when every worker is busy, and the route's own status for content that is
 * malformed. Any other error is returned as it is.
 */
export function conversionHttpError(error: unknown): unknown {
  if (!(error instanceof ConversionError)) return error;
  switch (error.reason) {
    case 'invalid':
      return new HttpError(error.status ?? 400, error.message);
    case 'too-deep':
    case 'too-many-nodes':
    case 'too-slow':
      return new HttpError(422, error.message);
    case 'too-large':
      return new HttpError(413, error.message);
    case 'busy':
      return new HttpError(503, error.message, undefined, { 'retry-after': String(error.retryAfterSeconds ?? 1) });
    case 'failed':
      return new HttpError(500, error.message);
  }
}
