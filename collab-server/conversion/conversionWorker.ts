/**
 * A conversion worker thread (started by `ConversionPool`): runs one job at a time and posts its
 * result back. Its heap and stack are capped by the pool's `resourceLimits`, and the pool stops it
 * when a job runs too long, so whatever content does to the parsers, only this thread pays.
 */
import { readlinkSync } from 'node:fs';
import { parentPort, workerData } from 'node:worker_threads';
import { ContentError, initialUpdate, parseContent } from '../../shared/conversion';
import { ConversionError, conversionErrorData } from './ConversionError';
import type { ContentLimits } from './contentLimits';
import { type ConversionJob, runJob, transferablesOf } from './jobs';
import type { FromWorker, ToWorker } from './messages';

const port = parentPort;
if (!port) throw new Error('conversionWorker.ts runs as a worker thread of ConversionPool');
const { limits } = workerData as { limits: ContentLimits };

// The first conversion builds the schema, the Markdown parser and the HTML machinery: do it now,
// before the pool counts this worker as ready, so no job's time budget pays for it.
initialUpdate(parseContent('# *a*', 'markdown'));
parseContent('<p>a</p>', 'html');

port.on('message', async ({ id, job }: ToWorker) => {
  let reply: FromWorker;
  try {
    const result = await runJob(job as ConversionJob, limits);
    reply = { type: 'done', id, result };
  } catch (error) {
    reply = { type: 'failed', id, error: conversionErrorData(asConversionError(error)) };
  }
  port.postMessage(reply, reply.type === 'done' ? transferablesOf(reply.result) : []);
});

port.postMessage({ type: 'ready', thread: linuxThreadId() } satisfies FromWorker);

/** This thread's id on Linux (`/proc/thread-self` names it), so the pool can read its processor time; null elsewhere. */
function linuxThreadId(): number | null {
  try {
    const id = Number(readlinkSync('/proc/thread-self').split('/').pop());
    return Number.isSafeInteger(id) ? id : null;
  } catch {
    return null;
  }
}

/** Any error of a job as a ConversionError; an unexpected one keeps its message for the server's log only. */
function asConversionError(error: unknown): ConversionError {
  if (error instanceof ConversionError) return error;
  if (error instanceof ContentError) return new ConversionError('invalid', error.message, 400);
  const detail = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  return new ConversionError('failed', detail);
}
