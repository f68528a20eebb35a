import { afterEach, describe, expect, it } from 'vitest';
import { CONTENT_BOMBS } from '../../testing/contentBombs';
import { EventLoopWatchdog } from '../../testing/eventLoopWatchdog';
import { ConversionError } from '../conversion/ConversionError';
import { ConversionPool, type ConversionPoolOptions } from '../conversion/ConversionPool';
import type { CreateJob } from '../conversion/jobs';
import { createLogger } from '../logger';

const pools: ConversionPool[] = [];
let watchdog: EventLoopWatchdog | null = null;

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.close()));
  watchdog?.stop();
  watchdog = null;
});

function pool(options: Partial<ConversionPoolOptions> = {}): ConversionPool {
  const created = new ConversionPool({
    workers: 1,
    queueLength: 4,
    timeoutMs: 5000,
    memoryMb: 256,
    limits: { maxDepth: 100, maxNodes: 50_000 },
    logger: createLogger('silent'),
    ...options,
  });
  pools.push(created);
  return created;
}

/** A create job for `content`, as the content API sends it. */
function create(content: string, format = 'markdown'): CreateJob {
  return {
    kind: 'create',
    body: Buffer.from(JSON.stringify({ content, format })),
    rules: { dialect: 'api', fields: ['content', 'format'], contentRequired: true },
  };
}

/** How `promise` was refused (reason and message), or 'ok'. */
async function refusal(promise: Promise<unknown>): Promise<{ reason: string; message: string; retryAfterSeconds?: number } | 'ok'> {
  try {
    await promise;
    return 'ok';
  } catch (error) {
    if (!(error instanceof ConversionError)) throw error;
    return { reason: error.reason, message: error.message, retryAfterSeconds: error.retryAfterSeconds };
  }
}

/** Unclosed emphasis: seconds of processor time in marked for 24 KB. */
const SLOW = CONTENT_BOMBS.find((bomb) => bomb.id === 'md-open-emphasis')?.make(24 * 1024) as string;

describe('conversion pool', () => {
  it('[C6] a job past its time budget has its worker stopped and fails as too-slow, naming CONVERSION_TIMEOUT_MS; the next job runs on a fresh worker', async () => {
    const conversions = pool({ timeoutMs: 300 });
    watchdog = new EventLoopWatchdog(1000);
    expect(await refusal(conversions.run(create(SLOW)))).toMatchObject({
      reason: 'too-slow',
      message: expect.stringMatching(/300 ms of processor time.*CONVERSION_TIMEOUT_MS/),
    });
    const next = await conversions.run(create('# Still *converting*'));
    expect(next.update?.byteLength).toBeGreaterThan(0);
    watchdog.assertNoStall('the event loop while a worker ran out of time');
  }, 120_000);

  it('[C5] a job that exhausts its worker’s heap fails as too-large, naming CONVERSION_MEMORY_MB; only the worker dies, and the next job converts', async () => {
    const conversions = pool({ memoryMb: 64 });
    watchdog = new EventLoopWatchdog(1000);
    expect(await refusal(conversions.run(create('<p>a</p>'.repeat(40000), 'html')))).toMatchObject({
      reason: 'too-large',
      message: expect.stringMatching(/more than 64 MB of memory.*CONVERSION_MEMORY_MB/),
    });
    expect((await conversions.run(create('# After the crash'))).update?.byteLength).toBeGreaterThan(0);
    watchdog.assertNoStall('the event loop while a worker ran out of memory');
  }, 120_000);

  it('[C4] beyond the running jobs and the queue, a job is refused at once as busy, with when to try again; queued jobs still run', async () => {
    const conversions = pool({ queueLength: 1, timeoutMs: 1000 });
    await conversions.run(create('warm'));
    const running = refusal(conversions.run(create(SLOW)));
    const queued = refusal(conversions.run(create('# Queued')));
    expect(conversions.queued).toBe(1);
    expect(await refusal(conversions.run(create('# One too many')))).toMatchObject({ reason: 'busy', retryAfterSeconds: 1 });
    expect(await running).toMatchObject({ reason: 'too-slow' });
    expect(await queued).toBe('ok');
  }, 120_000);

  it('closing fails the running and the waiting jobs as busy (the server is stopping), and refuses new ones', async () => {
    const conversions = pool();
    await conversions.run(create('warm'));
    const running = refusal(conversions.run(create(SLOW)));
    const waiting = refusal(conversions.run(create('# Waiting')));
    await conversions.close();
    expect(await running).toMatchObject({ reason: 'busy', message: expect.stringMatching(/stopping/) });
    expect(await waiting).toMatchObject({ reason: 'busy' });
    expect(await refusal(conversions.run(create('# Late')))).toMatchObject({ reason: 'busy' });
  }, 120_000);

  it('a worker that cannot start fails the waiting jobs instead of leaving them waiting', async () => {
    const conversions = pool({ worker: { filename: new URL('./no-such-worker.js', import.meta.url), options: {} } });
    expect(await refusal(conversions.run(create('# Never')))).toMatchObject({
      reason: 'failed',
      message: expect.stringMatching(/no conversion worker could start/),
    });
  }, 60_000);
});
