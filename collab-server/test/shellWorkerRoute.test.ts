import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { portOf } from '../CollabServer';
import { WORKER_POLICY } from '../http/securityHeaders';
import { REMOVING_WORKER, ShellWorkerRoute } from '../http/shellWorkerRoute';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** A build folder as `next build` leaves it: BUILD_ID and static files (and a source map). */
async function fakeBuild(buildId: string): Promise<string> {
  const distDir = await mkdtemp(path.join(os.tmpdir(), 'shell-build-'));
  cleanups.push(() => rm(distDir, { recursive: true, force: true }));
  await writeFile(path.join(distDir, 'BUILD_ID'), buildId);
  await mkdir(path.join(distDir, 'static', 'chunks'), { recursive: true });
  await mkdir(path.join(distDir, 'static', buildId), { recursive: true });
  await writeFile(path.join(distDir, 'static', 'chunks', 'main-1a2b.js'), 'console.log(1)');
  await writeFile(path.join(distDir, 'static', 'chunks', 'main-1a2b.js.map'), '{}');
  await writeFile(path.join(distDir, 'static', 'chunks', 'app-3c4d.css'), 'body{}');
  await writeFile(path.join(distDir, 'static', buildId, '_buildManifest.js'), 'self.__BUILD_MANIFEST={}');
  return distDir;
}

/** A real HTTP server answering with the route, and 404 for whatever the route leaves. */
async function serve(route: ShellWorkerRoute): Promise<string> {
  const server: Server = createServer(async (request, response) => {
    if (!(await route.handle(request, response, false))) response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise((resolve) => server.close(resolve)));
  return `http://127.0.0.1:${portOf(server)}`;
}

/** The manifest a served worker script starts with. */
function manifestOf(script: string): { version: string; files: string[] } {
  const match = /^var QUIRE_SHELL=(.*);\n/.exec(script);
  if (!match) throw new Error(`the script does not start with its manifest: ${script.slice(0, 80)}`);
  return JSON.parse(match[1]);
}

describe('the service worker script', () => {
  it('[B12] is served with its own policy and no-cache, and lists every file of the build (no source maps)', async () => {
    const url = await serve(new ShellWorkerRoute({ root, distDir: await fakeBuild('build-one'), dev: false }));
    const answer = await apiRequest(url, 'GET', '/sw.js');
    expect(answer.status).toBe(200);
    expect(answer.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
    expect(answer.headers.get('content-security-policy')).toBe(WORKER_POLICY);
    expect(answer.headers.get('x-content-type-options')).toBe('nosniff');
    // At the root, the script's scope is the whole app without widening it.
    expect(answer.headers.get('service-worker-allowed')).toBeNull();
    expect(manifestOf(answer.text).files).toEqual([
      '/_next/static/build-one/_buildManifest.js',
      '/_next/static/chunks/app-3c4d.css',
      '/_next/static/chunks/main-1a2b.js',
    ]);
    // The bundle (Workbox included) is a script a browser can run: no module syntax, no Node globals.
    expect(() => new Function(answer.text)).not.toThrow();
    expect(answer.text).not.toMatch(/\bprocess\.env\b|\brequire\(|^import /m);
    // The same bytes every time, so browsers do not reinstall an unchanged worker.
    expect((await apiRequest(url, 'GET', '/sw.js')).text).toBe(answer.text);
  });

  it('[B12] changes version with the build, so a new deployment installs a new worker', async () => {
    const first = await apiRequest(await serve(new ShellWorkerRoute({ root, distDir: await fakeBuild('build-one'), dev: false })), 'GET', '/sw.js');
    const second = await apiRequest(await serve(new ShellWorkerRoute({ root, distDir: await fakeBuild('build-two'), dev: false })), 'GET', '/sw.js');
    expect(manifestOf(first.text).version).toMatch(/^[0-9a-f]{16}$/);
    expect(manifestOf(second.text).version).not.toBe(manifestOf(first.text).version);
  });

  it('[B12] in development is a worker that deletes the shell caches and unregisters itself', async () => {
    const url = await serve(new ShellWorkerRoute({ root, distDir: path.join(os.tmpdir(), 'no-build-here'), dev: true }));
    const answer = await apiRequest(url, 'GET', '/sw.js');
    expect(answer.status).toBe(200);
    expect(answer.text).toBe(REMOVING_WORKER);
    expect(answer.text).toContain('self.registration.unregister()');
    expect(answer.headers.get('cache-control')).toBe('no-cache');
  });

  it('[B12] answers only its own path, and only GET and HEAD', async () => {
    const url = await serve(new ShellWorkerRoute({ root, distDir: await fakeBuild('build-one'), dev: false }));
    expect((await apiRequest(url, 'GET', '/sw.js.map')).status).toBe(404);
    expect((await apiRequest(url, 'GET', '/other/sw.js')).status).toBe(404);
    const post = await apiRequest(url, 'POST', '/sw.js', { body: {} });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    const head = await fetch(`${url}/sw.js?v=1`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(Number(head.headers.get('content-length'))).toBeGreaterThan(1000);
  });
});
