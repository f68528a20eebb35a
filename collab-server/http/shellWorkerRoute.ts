import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import path from 'node:path';
import { build } from 'esbuild';
import { SHELL_CACHE_PREFIX, SHELL_WORKER_PATH } from '../../shared/appShell';
import { setWorkerHeaders } from './securityHeaders';

/** Where the service worker's source is, under the project's root. */
const WORKER_SOURCE = 'offline/worker.ts';

/**
 * The worker served by `npm run dev`: it deletes the app shell's caches and unregisters itself, so
 * a browser that ran the production app on the same address is not served stale code. (Browsers
 * keep an installed worker when its script answers 404; a new script is what replaces it.)
 */
export const REMOVING_WORKER = `// Development: no app shell is kept; remove any left by a production run.
self.addEventListener('install', () => self.skipWaiting());
self.addEventListener('activate', (event) => event.waitUntil((async () => {
  for (const name of await caches.keys()) if (name.startsWith(${JSON.stringify(SHELL_CACHE_PREFIX)})) await caches.delete(name);
  await self.registration.unregister();
})()));
`;

export interface ShellWorkerOptions {
  /** The project's root (the worker's source and its libraries are found from here). */
  root: string;
  /** The Next.js build folder being served: the shell is its `static/` files. */
  distDir: string;
  /** Next.js development mode: serve `REMOVING_WORKER` instead. */
  dev: boolean;
}

/** What the worker keeps: a version (its caches' names) and the build's files. */
export interface ShellManifest {
  version: string;
  files: string[];
}

/** Every file of the build's `static/` folder, as the address Next.js serves it at (`/_next/static/…`). */
export async function buildFiles(distDir: string): Promise<string[]> {
  const staticDir = path.join(distDir, 'static');
  if (!existsSync(staticDir)) throw new Error(`the app build in ${distDir} has no static/ folder; run next build first`);
  const entries = await readdir(staticDir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && !entry.name.endsWith('.map'))
    .map((entry) => `/_next/static/${path.relative(staticDir, path.join(entry.parentPath, entry.name)).split(path.sep).join('/')}`)
    .sort();
}

/**
 * Bundles the service worker (Workbox included) and puts in this build's manifest. The version
 * changes with the build and with the worker's code, and browsers install a worker whose bytes
 * changed: a new deployment reaches them at their next visit.
 */
export async function bundleShellWorker({ root, distDir }: Omit<ShellWorkerOptions, 'dev'>): Promise<{ script: string; manifest: ShellManifest }> {
  const bundled = await build({
    entryPoints: [path.join(root, WORKER_SOURCE)],
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    legalComments: 'none',
    logLevel: 'silent',
    // Workbox leaves out its development logging in production builds.
    define: { 'process.env.NODE_ENV': '"production"' },
  });
  const code = bundled.outputFiles[0].text;
  const files = await buildFiles(distDir);
  const buildId = (await readFile(path.join(distDir, 'BUILD_ID'), 'utf8')).trim();
  const version = createHash('sha256').update(buildId).update('\0').update(files.join('\n')).update('\0').update(code).digest('hex').slice(0, 16);
  const manifest = { version, files };
  return { script: `var QUIRE_SHELL=${JSON.stringify(manifest)};\n${code}`, manifest };
}

/**
 * Serves the app's service worker at `SHELL_WORKER_PATH` (`/sw.js`): bundled on the first request
 * and kept for the life of the process, which serves one build. `Cache-Control: no-cache` makes
 * every update check reach the server. No `Service-Worker-Allowed` header: the script sits at the
 * root, so its default scope is already the whole app.
 */
export class ShellWorkerRoute {
  private script: Promise<string> | null = null;

  constructor(private readonly options: ShellWorkerOptions) {}

  /** Answers a request for the worker script; false for any other request. `https`: see `reachedOverHttps`. */
  async handle(request: IncomingMessage, response: ServerResponse, https: boolean): Promise<boolean> {
    const pathname = (request.url ?? '/').split('?', 1)[0];
    if (pathname !== SHELL_WORKER_PATH) return false;
    setWorkerHeaders(response, https);
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response
        .writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' })
        .end(`${request.method} is not allowed on ${SHELL_WORKER_PATH}`);
      return true;
    }
    const body = await this.scriptText();
    response.writeHead(200, {
      'content-type': 'text/javascript; charset=utf-8',
      'cache-control': 'no-cache',
      'content-length': Buffer.byteLength(body),
    });
    response.end(request.method === 'HEAD' ? undefined : body);
    return true;
  }

  private scriptText(): Promise<string> {
    if (this.options.dev) return Promise.resolve(REMOVING_WORKER);
    this.script ??= bundleShellWorker(this.options).then(({ script }) => script);
    // A failed bundle is tried again at the next request rather than kept.
    this.script.catch(() => {
      this.script = null;
    });
    return this.script;
  }
}
