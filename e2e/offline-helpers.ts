import { randomBytes } from 'node:crypto';
import { cp, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BrowserContext, Page } from '@playwright/test';
import { expect } from './fixtures';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * Waits until the app's service worker controls `page` and keeps a copy of it: from then on the
 * page opens without a network.
 */
export async function keptForOffline(page: Page): Promise<void> {
  await expect
    .poll(
      () =>
        page.evaluate(async () => {
          if (!navigator.serviceWorker.controller) return false;
          return Boolean(await caches.match(`${location.origin}${location.pathname}`, { ignoreVary: true }));
        }),
      { timeout: 30_000 },
    )
    .toBe(true);
}

/** What a browser context reported: CSP violations seen in its pages, and uncaught page errors. */
export interface PageProblems {
  violations: string[];
  errors: string[];
}

/**
 * Records every Content-Security-Policy violation in the pages of `context` (an offline browser
 * cannot send its reports to the server, where the fixtures look for them) and every uncaught error.
 */
export async function recordPageProblems(context: BrowserContext): Promise<PageProblems> {
  const problems: PageProblems = { violations: [], errors: [] };
  await context.exposeBinding('quireReportViolation', ({ page }, text: string) => {
    problems.violations.push(`${new URL(page.url()).pathname}: ${text}`);
  });
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (event) => {
      (window as unknown as { quireReportViolation(text: string): void }).quireReportViolation(`${event.effectiveDirective} blocked ${event.blockedURI}`);
    });
  });
  context.on('weberror', (error) => problems.errors.push(error.error().message));
  return problems;
}

/** Every entry of the app's caches in `page`'s origin: cache name, key URL, and the body's text. */
export function cachedEntries(page: Page): Promise<Array<{ cache: string; url: string; body: string; csp: string | null }>> {
  return page.evaluate(async () => {
    const entries = [];
    for (const cache of await caches.keys()) {
      const opened = await caches.open(cache);
      for (const request of await opened.keys()) {
        const response = await opened.match(request, { ignoreVary: true });
        entries.push({ cache, url: request.url, body: (await response?.text()) ?? '', csp: response?.headers.get('content-security-policy') ?? null });
      }
    }
    return entries;
  });
}

/** The names of the app's caches in `page`'s origin. */
export const cacheNames = (page: Page) => page.evaluate(() => caches.keys());

/**
 * A copy of the app build under a new build id, as a new deployment of the same sources would
 * be: every mention of the id (BUILD_ID, manifests, prerendered pages) and its `static/<id>/`
 * folder change, so the pages and the service worker's file list differ from the original's.
 * `distDir` is for NEXT_DIST_DIR (relative to the project, as Next.js needs its modules).
 */
export async function copyBuildWithNewId(): Promise<{ distDir: string; buildId: string; remove(): Promise<void> }> {
  const source = path.join(root, process.env.NEXT_DIST_DIR || '.next');
  const oldId = (await readFile(path.join(source, 'BUILD_ID'), 'utf8')).trim();
  const buildId = `e2e${randomBytes(9).toString('hex')}`;
  const distDir = `.next-e2e-${buildId}`;
  const target = path.join(root, distDir);
  await cp(source, target, { recursive: true, filter: (file) => !path.relative(source, file).startsWith('cache') });
  for (const entry of await readdir(target, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const bytes = await readFile(file);
    if (!bytes.includes(oldId)) continue;
    // latin1 keeps every byte as it is, text or not.
    await writeFile(file, Buffer.from(bytes.toString('latin1').replaceAll(oldId, buildId), 'latin1'));
  }
  await rename(path.join(target, 'static', oldId), path.join(target, 'static', buildId));
  return { distDir, buildId, remove: () => rm(target, { recursive: true, force: true }) };
}
