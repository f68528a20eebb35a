import type { ConversionErrorData } from './ConversionError';
import type { ConversionJob, JobResults } from './jobs';

/** A job sent to a conversion worker. */
export interface ToWorker {
  id: number;
  job: ConversionJob;
}

/** What a conversion worker posts: it is ready for jobs, or a job's result or error. */
export type FromWorker =
  /** `thread`: the worker thread's Linux thread id, where it has one, so its processor time can be read. */
  | { type: 'ready'; thread: number | null }
  | { type: 'done'; id: number; result: JobResults[keyof JobResults] }
  | { type: 'failed'; id: number; error: ConversionErrorData };
