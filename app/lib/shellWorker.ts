import { KEEP_PAGE_MESSAGE, SHELL_WORKER_PATH } from '../../shared/appShell';

/** Whether this page may use the app shell's worker: a production build, in a browser that has service workers. */
function shellWorkerAvailable(): boolean {
  // Not a secure context (plain http off localhost), or no support: the app works online as before.
  return process.env.NODE_ENV === 'production' && 'serviceWorker' in navigator;
}

/**
 * Registers the service worker that keeps the app shell, so that the home page and documents
 * opened before open without a network (`offline/worker.ts`). Only the app's own pages call this,
 * never the embed page, which lives in other sites' frames. In development (`npm run dev`) it
 * removes the worker instead: hot-reloaded code must never be served from a cache.
 */
export function registerShellWorker(): void {
  if (!('serviceWorker' in navigator)) return;
  if (!shellWorkerAvailable()) {
    void navigator.serviceWorker.getRegistrations().then((registrations) => {
      for (const registration of registrations) {
        if (registration.active?.scriptURL.endsWith(SHELL_WORKER_PATH)) void registration.unregister();
      }
    });
    return;
  }
  const register = () => {
    // Without it the app still works online; only reopening offline is lost.
    navigator.serviceWorker.register(SHELL_WORKER_PATH, { scope: '/', updateViaCache: 'none' }).catch(() => undefined);
  };
  // After the page's own loading, which the worker's first install would otherwise compete with.
  if (document.readyState === 'complete') register();
  else window.addEventListener('load', register, { once: true });
}

/**
 * Asks the worker, once it runs, to keep the page at `pathname` for offline use. Needed for pages
 * reached by the app's client-side navigation, which the worker never sees load.
 */
export function keepPageOffline(pathname: string): void {
  if (!shellWorkerAvailable()) return;
  void navigator.serviceWorker.ready.then((registration) => registration.active?.postMessage({ type: KEEP_PAGE_MESSAGE, path: pathname }));
}
