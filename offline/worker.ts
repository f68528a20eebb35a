/// <reference lib="webworker" />
/**
 * The app's service worker, served as `/sw.js` (bundled with Workbox and this build's file list by
 * `collab-server/http/shellWorkerRoute.ts`). It keeps the app shell — the build's scripts and
 * styles, the home page, and the document pages this browser opened — so that those pages open
 * without a network; the documents themselves come from IndexedDB (`y-indexeddb`).
 *
 * - Build files (`/_next/static/…`, content-hashed): all of this build's are cached at install,
 *   served from the cache.
 * - Pages (`/`, `/d/<name>`): from the network first; each good answer is kept (key without the
 *   fragment or query, so no link secret is stored), and the kept copy is served when the
 *   network fails. A page is kept and served only if every build file it refers to is in this
 *   version's cache, so no page ever loads a script that is gone. Its Content-Security-Policy
 *   header is kept with it: the nonce in the HTML and in the policy stay a pair.
 * - A document page never opened here: the offline page (`/offline`), which says so.
 * - Everything else (the API, Next.js' data requests, the embed page, WebSockets) is never
 *   cached or answered by the worker.
 *
 * Updates: each version (this build's files and this worker's code) has its own caches. A new
 * version installs completely (every build file, the home and offline pages, and a fresh copy of
 * each page the previous version kept), and only then takes over. Older pages' caches go at once;
 * older build files stay while a page loaded before the take-over is still open (it may still
 * load code it had not needed yet), and go once those pages are closed.
 */
import { PrecacheController, PrecacheRoute } from 'workbox-precaching';
import { registerRoute } from 'workbox-routing';
import { NetworkFirst } from 'workbox-strategies';
import { isShellPage, KEEP_PAGE_MESSAGE, OFFLINE_PAGE_PATH, pageCacheKey, referencedFiles, SHELL_CACHE_PREFIX } from '../shared/appShell';

declare const self: ServiceWorkerGlobalScope;

/** This version's build files and identity, put in by the server when it bundles the worker. */
declare const QUIRE_SHELL: { version: string; files: string[] };

/** The most pages kept; beyond it the least recently fetched go first. */
const MAX_PAGES = 200;
/** How long a page may take from the network before the kept copy is shown instead. */
const NETWORK_TIMEOUT_SECONDS = 5;

const STATIC_PREFIX = `${SHELL_CACHE_PREFIX}static-`;
const PAGES_PREFIX = `${SHELL_CACHE_PREFIX}pages-`;
const staticCacheName = `${STATIC_PREFIX}${QUIRE_SHELL.version}`;
const pagesCacheName = `${PAGES_PREFIX}${QUIRE_SHELL.version}`;
/** Where this version records the pages that were open when it took over (not a page address). */
const PREVIOUS_CLIENTS_KEY = new URL('/__shell/clients-before-update', self.location.origin).href;

const precache = new PrecacheController({ cacheName: staticCacheName });
precache.addToCacheList(QUIRE_SHELL.files.map((url) => ({ url, revision: null })));

/** True when every build file the page refers to is in this version's cache. */
async function isCompleteShell(page: Response): Promise<boolean> {
  const html = await page.clone().text();
  return referencedFiles(html).every((url) => precache.getCacheKeyForURL(url) !== undefined);
}

/** The network's answer for a page if it may be kept: a whole page of this very build. */
async function keepable(response: Response | undefined): Promise<Response | null> {
  if (response?.status !== 200 || response.redirected || response.type !== 'basic') return null;
  if (!response.headers.get('content-type')?.startsWith('text/html')) return null;
  return (await isCompleteShell(response)) ? response : null;
}

const absolute = (path: string) => new URL(path, self.location.origin).href;

/** Keeps the most recently fetched `MAX_PAGES` pages. */
async function trimPages(): Promise<void> {
  const cache = await caches.open(pagesCacheName);
  const pages = (await cache.keys()).filter((request) => isShellPage(new URL(request.url).pathname));
  // Cache Storage lists entries in the order they were (last) written.
  for (const request of pages.slice(0, Math.max(0, pages.length - MAX_PAGES))) await cache.delete(request, { ignoreVary: true });
}

const pages = new NetworkFirst({
  cacheName: pagesCacheName,
  networkTimeoutSeconds: NETWORK_TIMEOUT_SECONDS,
  // Next.js varies pages on its own request headers, which navigations never send.
  matchOptions: { ignoreVary: true },
  plugins: [
    {
      cacheKeyWillBeUsed: async ({ request }) => pageCacheKey(request.url),
      cacheWillUpdate: async ({ response }) => keepable(response),
      cachedResponseWillBeUsed: async ({ cachedResponse }) => (cachedResponse && (await isCompleteShell(cachedResponse)) ? cachedResponse : null),
      cacheDidUpdate: trimPages,
      // No network and no copy of this page: say so rather than show the browser's error page.
      handlerDidError: async () => (await caches.open(pagesCacheName).then((cache) => cache.match(absolute(OFFLINE_PAGE_PATH)))) ?? Response.error(),
    },
  ],
});

registerRoute(new PrecacheRoute(precache));
registerRoute(({ request, url, sameOrigin }) => sameOrigin && request.mode === 'navigate' && isShellPage(url.pathname), pages);
// A build file this version does not have: an older version's copy (for a page loaded before the
// update), else the network.
registerRoute(
  ({ url, sameOrigin }) => sameOrigin && url.pathname.startsWith('/_next/static/'),
  async ({ request }) => (await caches.match(request, { ignoreVary: true })) ?? fetch(request),
);

/** The pages to fetch again for a new version: those older versions kept, oldest first. */
async function pagesToCarryOver(): Promise<string[]> {
  const paths: string[] = [];
  for (const name of await caches.keys()) {
    if (!name.startsWith(PAGES_PREFIX) || name === pagesCacheName) continue;
    for (const request of await (await caches.open(name)).keys()) paths.push(new URL(request.url).pathname);
  }
  return paths.filter((path) => isShellPage(path) && path !== '/').slice(-MAX_PAGES);
}

async function fetchPage(path: string): Promise<Response | null> {
  return keepable(await fetch(absolute(path), { cache: 'no-store', credentials: 'same-origin', redirect: 'manual' }));
}

/**
 * Installs this version: every build file, the home and offline pages (without them the version
 * is refused and the running one stays), then a fresh copy of each page worth keeping. Takes over
 * only once all of that is in place.
 */
async function install(event: ExtendableEvent): Promise<void> {
  await precache.install(event);
  const cache = await caches.open(pagesCacheName);
  for (const path of ['/', OFFLINE_PAGE_PATH]) {
    const page = await fetchPage(path);
    if (!page) throw new Error(`the page ${path} did not come back whole from this build; this version is not installed`);
    await cache.put(absolute(path), page);
  }
  for (const path of await pagesToCarryOver()) {
    // A page that does not come back now is kept again at its next visit.
    const page = await fetchPage(path).catch(() => null);
    if (page) await cache.put(absolute(path), page);
  }
  await self.skipWaiting();
}

/** Deletes older versions' build files once no page that was open at the take-over remains. */
async function deletePreviousFilesWhenUnused(): Promise<void> {
  const cache = await caches.open(pagesCacheName);
  const record = await cache.match(PREVIOUS_CLIENTS_KEY);
  const before = new Set<string>(record ? await record.json() : []);
  const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  if (open.some((client) => before.has(client.id))) return;
  for (const name of await caches.keys()) {
    if (name.startsWith(STATIC_PREFIX) && name !== staticCacheName) await caches.delete(name);
  }
  if (record) await cache.delete(PREVIOUS_CLIENTS_KEY);
}

/**
 * Keeps a page its own tab asked for (`KEEP_PAGE_MESSAGE`): reached by client-side navigation, it
 * was never loaded through the worker. Fetched here from the network, never taken from the message.
 */
async function keepPage(path: string): Promise<void> {
  const cache = await caches.open(pagesCacheName);
  if (await cache.match(absolute(path), { ignoreVary: true })) return;
  const page = await fetchPage(path).catch(() => null);
  if (!page) return;
  await cache.put(absolute(path), page);
  await trimPages();
}

async function activate(): Promise<void> {
  const open = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
  const cache = await caches.open(pagesCacheName);
  await cache.put(PREVIOUS_CLIENTS_KEY, new Response(JSON.stringify(open.map((client) => client.id))));
  for (const name of await caches.keys()) {
    if (name.startsWith(PAGES_PREFIX) && name !== pagesCacheName) await caches.delete(name);
  }
  await deletePreviousFilesWhenUnused();
  await self.clients.claim();
}

self.addEventListener('install', (event) => event.waitUntil(install(event)));
self.addEventListener('activate', (event) => event.waitUntil(activate()));
self.addEventListener('message', (event) => {
  const { type, path } = (event.data ?? {}) as { type?: unknown; path?: unknown };
  if (type !== KEEP_PAGE_MESSAGE || typeof path !== 'string' || !isShellPage(path) || new URL(path, self.location.origin).origin !== self.location.origin)
    return;
  // Each page says so as it starts: a moment when the pages it replaced are gone.
  event.waitUntil(Promise.all([keepPage(path), deletePreviousFilesWhenUnused()]));
});
