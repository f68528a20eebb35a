/**
 * Why a conversion was refused or stopped:
 * - `invalid`: the content, or the request body carrying it, is malformed (`status` says how the
 *   route answers: 400 for the content API, 413 or 422 for the app's import);
 * - `too-deep`, `too-many-nodes`: the content breaks CONVERSION_MAX_DEPTH or CONVERSION_MAX_NODES;
 * - `too-slow`: the conversion ran past CONVERSION_TIMEOUT_MS and its worker was stopped;
 * - `too-large`: the conversion needed more than CONVERSION_MEMORY_MB and its worker was stopped;
 * - `busy`: every worker is busy and the queue is full;
 * - `failed`: anything else (a bug, a worker that could not start); the message says no more.
 */
export type ConversionFailure = 'invalid' | 'too-deep' | 'too-many-nodes' | 'too-slow' | 'too-large' | 'busy' | 'failed';

/** A conversion that was refused or stopped. The message is safe to show to the client. */
export class ConversionError extends Error {
  constructor(
    readonly reason: ConversionFailure,
    message: string,
    /** For `invalid`: the HTTP status the route answers with. */
    readonly status?: number,
    /** For `busy`: when to try again, in seconds. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'ConversionError';
  }
}

/** A ConversionError as it crosses from a worker to the main thread. */
export interface ConversionErrorData {
  reason: ConversionFailure;
  message: string;
  status?: number;
}

/** The data of `error`, to post to the main thread. */
export function conversionErrorData(error: ConversionError): ConversionErrorData {
  return { reason: error.reason, message: error.message, ...(error.status === undefined ? {} : { status: error.status }) };
}

/** The error `data` describes. */
export function conversionErrorFrom(data: ConversionErrorData): ConversionError {
  return new ConversionError(data.reason, data.message, data.status);
}
