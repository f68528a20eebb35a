import type { WorkerOptions } from 'node:worker_threads';
import { entryUrl } from '../../scripts/serverEntries';

/** How to start a conversion worker: what `new Worker(filename, options)` is given. */
export interface WorkerSpec {
  filename: string | URL;
  options: WorkerOptions;
}

/**
 * Where the conversion worker's code is: entry `conversionWorker` of `scripts/serverEntries.ts`.
 *
 * - Run from the build (`npm start`, `node dist/<entry>.js`), it is `dist/conversionWorker.js`,
 *   beside the bundle holding this module, and plain Node runs it.
 * - Run from source (Vitest, `tsx`), it is `conversionWorker.ts`. Node does not run the parent's
 *   `--import` hooks in worker threads, so the worker starts from a two-line script that
 *   registers tsx in the thread, then imports it.
 */
export function conversionWorkerSpec(): WorkerSpec {
  const entry = entryUrl('conversionWorker');
  if (!entry.pathname.endsWith('.ts')) return { filename: entry, options: {} };
  const tsx = import.meta.resolve('tsx/esm/api');
  return {
    filename: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry.href)}); });`,
    options: { eval: true },
  };
}
