/**
 * The rules of the app shell that the service worker keeps for offline use, shared by the worker
 * (`offline/worker.ts`), the server that serves it and the pages that register it.
 */

/** Where the service worker script is served; its scope is the whole app (`/`). */
export const SHELL_WORKER_PATH = '/sw.js';

/** The page shown, without a network, for a document this browser has no copy of. */
export const OFFLINE_PAGE_PATH = '/offline';

/**
 * The message a page sends the worker (`{ type, path }`) to have its own page kept: pages reached
 * by the app's client-side navigation never pass through the worker as a page load.
 */
export const KEEP_PAGE_MESSAGE = 'quire-keep-page';

/** Every cache the worker creates starts with this; nothing else of the origin's is touched. */
export const SHELL_CACHE_PREFIX = 'quire-';

/**
 * The pages kept for offline use: the home page and document pages (`/d/<name>`). Not the embed
 * page (it lives in other sites' frames), the API or anything else.
 */
export function isShellPage(pathname: string): boolean {
  return pathname === '/' || /^\/d\/[^/]+$/.test(pathname);
}

/**
 * The cache key of a page: its address without the fragment (where a link's secret is) and
 * without the query. One copy per page, and no secret in Cache Storage.
 */
export function pageCacheKey(url: string): string {
  const parsed = new URL(url);
  return `${parsed.origin}${parsed.pathname}`;
}

const STATIC_FILE = /\/_next\/static\/[^"'\\\s<>()]+/g;

/** The build's files (`/_next/static/…`) a page's HTML refers to, each once. */
export function referencedFiles(html: string): string[] {
  return [...new Set(html.match(STATIC_FILE) ?? [])];
}
