import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../logger';
import { ConversionError, type ConversionFailure, conversionErrorFrom } from './ConversionError';
import type { ContentLimits } from './contentLimits';
import { type ConversionJob, type JobResults, transferablesOf } from './jobs';
import type { FromWorker, ToWorker } from './messages';
import { conversionWorkerSpec, type WorkerSpec } from './workerEntry';

export interface ConversionPoolOptions {
  /** Worker threads at most (started when jobs come, and kept). */
  workers: number;
  /** Jobs that may wait for a worker; one more is refused as `busy`. */
  queueLength: number;
  /**
   * Processor time a job may use (and `WALL_CLOCK_FACTOR` times as long in all); then its worker
   * is stopped and the job fails as `too-slow`.
   */
  timeoutMs: number;
  /** Heap of each worker (V8's old generation), MB; a job needing more fails as `too-large`. */
  memoryMb: number;
  limits: ContentLimits;
  logger: Logger;
  /** Told of each job that ran: its kind, how it ended, and how long it ran. */
  onJob?(report: { kind: ConversionJob['kind']; outcome: 'ok' | ConversionFailure; seconds: number }): void;
  /** How to start a worker (default: `conversionWorkerSpec()`). */
  worker?: WorkerSpec;
}

/** Stack of each worker, MB: enough for every nesting the depth limit lets through. */
const STACK_MB = 4;

/**
 * How many times its processor-time budget a job may take in all. The budget counts the worker
 * thread's own processor time, so a busy machine (other processes, other workers) does not fail
 * honest conversions; this bounds how long a starved one may hold its worker.
 */
export const WALL_CLOCK_FACTOR = 10;

/** Clock ticks per second in `/proc/…/stat` (USER_HZ, 100 on every Linux). */
const TICKS_PER_SECOND = 100;

interface Pending {
  job: ConversionJob;
  resolve(result: unknown): void;
  reject(error: ConversionError): void;
}

interface PoolWorker {
  thread: Worker;
  ready: boolean;
  /** Where the worker thread's processor time is (`/proc/self/task/<tid>/stat`), or null where there is no such file. */
  cpuFile: string | null;
  current: { id: number; pending: Pending; timer: NodeJS.Timeout; startedAt: number; cpuAtStart: number | null } | null;
}

/**
 * Runs conversions (`jobs.ts`) on a few worker threads, so no content, however it is shaped, holds
 * up the event loop. Each worker has a capped heap and stack; a job that runs past the time budget
 * or exhausts the heap ends its worker (a fresh one takes the next job) and fails with a typed
 * error; jobs wait in a bounded queue and are refused as `busy` beyond it, so waiting work never
 * grows without bound.
 */
export class ConversionPool {
  private readonly workers = new Set<PoolWorker>();
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(private readonly options: ConversionPoolOptions) {}

  /** Jobs waiting for a worker. */
  get queued(): number {
    return this.queue.length;
  }

  /**
   * Runs `job` on a worker. The buffers of the job's Uint8Arrays that span a whole ArrayBuffer are
   * moved to the worker, not copied: pass arrays nothing else uses. Rejects with ConversionError.
   */
  run<J extends ConversionJob>(job: J): Promise<JobResults[J['kind']]> {
    return new Promise((resolve, reject) => {
      const pending: Pending = { job, resolve: resolve as (result: unknown) => void, reject };
      if (this.closed) return reject(stopping());
      const idle = [...this.workers].find((worker) => worker.ready && !worker.current);
      if (idle) return this.dispatch(idle, pending);
      if (this.queue.length >= this.options.queueLength) {
        this.options.onJob?.({ kind: job.kind, outcome: 'busy', seconds: 0 });
        return reject(this.busy());
      }
      this.queue.push(pending);
      this.grow();
    });
  }

  /** Stops every worker; jobs waiting or running fail as `busy` (the server is stopping). */
  async close(): Promise<void> {
    this.closed = true;
    for (const pending of this.queue.splice(0)) pending.reject(stopping());
    const workers = [...this.workers];
    this.workers.clear();
    for (const worker of workers) {
      if (worker.current) {
        clearTimeout(worker.current.timer);
        worker.current.pending.reject(stopping());
        worker.current = null;
      }
    }
    await Promise.all(workers.map((worker) => worker.thread.terminate()));
  }

  private busy(): ConversionError {
    const seconds = Math.max(1, Math.ceil(this.options.timeoutMs / 1000));
    return new ConversionError(
      'busy',
      `the server is busy converting other content (${this.options.workers} conversions running, ${this.queue.length} waiting); try again in ${seconds} s`,
      undefined,
      seconds,
    );
  }

  /** Starts workers while there are fewer starting than jobs waiting, up to the pool's size. */
  private grow(): void {
    const starting = [...this.workers].filter((worker) => !worker.ready).length;
    if (this.closed || starting >= this.queue.length || this.workers.size >= this.options.workers) return;
    const spec = this.options.worker ?? conversionWorkerSpec();
    const { memoryMb, limits } = this.options;
    const thread = new Worker(spec.filename, {
      ...spec.options,
      workerData: { limits },
      resourceLimits: {
        maxOldGenerationSizeMb: memoryMb,
        maxYoungGenerationSizeMb: Math.min(64, Math.max(8, Math.round(memoryMb / 8))),
        stackSizeMb: STACK_MB,
      },
    });
    // A worker never keeps the process alive: the server's sockets do that.
    thread.unref();
    const worker: PoolWorker = { thread, ready: false, cpuFile: null, current: null };
    this.workers.add(worker);
    thread.on('message', (message: FromWorker) => this.received(worker, message));
    thread.on('error', (error) => this.failed(worker, error));
    thread.on('exit', () => this.exited(worker));
    this.grow();
  }

  private dispatch(worker: PoolWorker, pending: Pending): void {
    const id = this.nextId++;
    const timer = setTimeout(() => this.checkTime(worker), this.options.timeoutMs);
    worker.current = { id, pending, timer, startedAt: performance.now(), cpuAtStart: cpuMs(worker.cpuFile) };
    try {
      worker.thread.postMessage({ id, job: pending.job } satisfies ToWorker, transferablesOf(pending.job));
    } catch (error) {
      this.settle(worker, new ConversionError('failed', `the job could not be sent to a worker: ${error instanceof Error ? error.message : String(error)}`));
    }
  }

  private received(worker: PoolWorker, message: FromWorker): void {
    if (message.type === 'ready') {
      worker.ready = true;
      worker.cpuFile = message.thread === null ? null : `/proc/self/task/${message.thread}/stat`;
      this.next(worker);
      return;
    }
    if (worker.current?.id !== message.id) return;
    this.settle(worker, message.type === 'done' ? { result: message.result } : conversionErrorFrom(message.error));
  }

  /** Ends the worker's current job with `outcome`, and gives the worker the next one. */
  private settle(worker: PoolWorker, outcome: { result: unknown } | ConversionError): void {
    const current = worker.current;
    if (!current) return;
    clearTimeout(current.timer);
    worker.current = null;
    const seconds = (performance.now() - current.startedAt) / 1000;
    const { kind } = current.pending.job;
    if (outcome instanceof ConversionError) {
      this.options.onJob?.({ kind, outcome: outcome.reason, seconds });
      if (outcome.reason === 'failed') {
        this.options.logger.error({ event: 'conversion-failed', kind, error: outcome.message }, 'a conversion failed');
        current.pending.reject(new ConversionError('failed', 'the conversion failed because of an error in the server (it is logged)'));
      } else {
        if (outcome.reason !== 'invalid') {
          this.options.logger.warn({ event: 'conversion-refused', kind, reason: outcome.reason, seconds }, `conversion refused: ${outcome.message}`);
        }
        current.pending.reject(outcome);
      }
    } else {
      this.options.onJob?.({ kind, outcome: 'ok', seconds });
      current.pending.resolve(outcome.result);
    }
    this.next(worker);
  }

  private next(worker: PoolWorker): void {
    if (this.closed || !worker.ready || worker.current || !this.workers.has(worker)) return;
    const pending = this.queue.shift();
    if (pending) this.dispatch(worker, pending);
  }

  /** At the job's deadline: stops it if it used its processor time or its time in all, else waits for what is left. */
  private checkTime(worker: PoolWorker): void {
    const current = worker.current;
    if (!current) return;
    const { timeoutMs } = this.options;
    const elapsed = performance.now() - current.startedAt;
    const now = cpuMs(worker.cpuFile);
    const used = now === null || current.cpuAtStart === null ? elapsed : now - current.cpuAtStart;
    if (used < timeoutMs && elapsed < timeoutMs * WALL_CLOCK_FACTOR) {
      current.timer = setTimeout(() => this.checkTime(worker), Math.max(10, Math.min(timeoutMs - used, timeoutMs * WALL_CLOCK_FACTOR - elapsed)));
      return;
    }
    this.retire(
      worker,
      new ConversionError(
        'too-slow',
        `converting took more than ${timeoutMs} ms of processor time (or ${timeoutMs * WALL_CLOCK_FACTOR} ms in all) and was stopped; that is the most allowed (CONVERSION_TIMEOUT_MS)`,
      ),
    );
  }

  private failed(worker: PoolWorker, error: Error & { code?: string }): void {
    if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
      const { memoryMb } = this.options;
      this.retire(
        worker,
        new ConversionError(
          'too-large',
          `converting needed more than ${memoryMb} MB of memory and was stopped; at most ${memoryMb} MB are allowed (CONVERSION_MEMORY_MB)`,
        ),
      );
      return;
    }
    if (!worker.ready && !worker.current) {
      // It could not start: the jobs waiting for it would wait for ever.
      this.options.logger.error({ event: 'conversion-worker-failed', err: error }, 'a conversion worker could not start');
      for (const pending of this.queue.splice(0)) pending.reject(new ConversionError('failed', `no conversion worker could start: ${error.message}`));
    }
    this.retire(worker, new ConversionError('failed', `the worker stopped: ${error.message}`));
  }

  private exited(worker: PoolWorker): void {
    this.retire(worker, new ConversionError('failed', 'the worker exited'));
  }

  /**
   * Removes the worker from the pool (before its job is failed with `error`, so it takes no other),
   * stops it, and starts a new one if jobs are waiting.
   */
  private retire(worker: PoolWorker, error: ConversionError): void {
    const member = this.workers.delete(worker);
    this.settle(worker, error);
    if (!member) return;
    void worker.thread.terminate();
    this.grow();
  }
}

/** Processor time (user and system) the thread has used, in ms, read from its `/proc` stat file; null when unreadable. */
function cpuMs(file: string | null): number | null {
  if (file === null) return null;
  try {
    const stat = readFileSync(file, 'utf8');
    // The fields after the command name (which may hold spaces), from field 3 on: utime and stime are fields 14 and 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND;
  } catch {
    return null;
  }
}

function stopping(): ConversionError {
  return new ConversionError('busy', 'the server is stopping; try again in a moment', undefined, 1);
}
