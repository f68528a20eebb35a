import type { WorkerOptions } from 'node:worker_threads';

/** How to start a conversion worker: what `new Worker(filename, options)` is given. */
export interface WorkerSpec {
  filename: string | URL;
  options: WorkerOptions;
}

/**
 * Where the conversion worker's code is: the one place that knows.
 *
 * - Run from source (`tsx`, Vitest), this module is a `.ts` file, and so is the worker,
 *   `conversionWorker.ts` beside it. Node 20 does not run `--import` hooks in worker threads, so
 *   the worker starts from a two-line script that registers tsx in the thread, then imports it.
 * - Run from a bundle, this module is inside a `.js` file, and the worker must be the bundle of
 *   `collab-server/conversion/conversionWorker.ts` (built as its own entry point, ESM) named
 *   `conversionWorker.js`, in the same folder as the bundle holding this module.
 */
export function conversionWorkerSpec(): WorkerSpec {
  if (!import.meta.url.endsWith('.ts')) return { filename: new URL('./conversionWorker.js', import.meta.url), options: {} };
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./conversionWorker.ts', import.meta.url).href;
  return {
    filename: `import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); });`,
    options: { eval: true },
  };
}
