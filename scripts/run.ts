/**
 * `node scripts/run.ts <entry> [arguments]`: how `npm start`, `npm run collab-server` and the
 * operator commands run the server. It rebuilds `dist/` when a source is newer than the build
 * (`scripts/buildServer.ts`; a fraction of a second, and silent, so `npm run -s token` still prints
 * only the token), then loads `dist/<entry>.js` into this very process: there is no wrapper
 * between the signal a supervisor sends to this pid and the server's own handler.
 *
 * Runs under Node's type stripping (Node 22.18 or newer), since nothing is built yet when it starts.
 */
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureServerBuild } from './buildServer.ts';
import { BUILD_FOLDER, isServerEntry, SERVER_ENTRIES } from './serverEntries.ts';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
stopEarlyUntilHandedOver();
const name = process.argv[2] ?? '';
if (!isServerEntry(name)) {
  console.error(`usage: node scripts/run.ts <entry> [arguments], where <entry> is one of ${Object.keys(SERVER_ENTRIES).join(', ')} (got "${name}")`);
  process.exit(2);
}
try {
  await ensureServerBuild(root);
} catch {
  // esbuild has printed what is wrong.
  console.error('the server could not be built; fix the errors above and start again');
  process.exit(1);
}

const built = path.join(root, BUILD_FOLDER, `${name}.js`);
// The entry reads its arguments from process.argv.slice(2), as when it is started as `node dist/<entry>.js`.
process.argv.splice(1, 2, built);
// Stack traces in logs name the TypeScript sources (the build's source maps).
process.setSourceMapsEnabled(true);
await import(pathToFileURL(built).href);

/**
 * Until the entry listens for SIGTERM and SIGINT itself (the servers do so as they start), such a
 * signal ends this process at once, with the usual status for it (128 + its number): nothing has
 * started that could lose work. Once the entry has a listener of its own, this one does nothing.
 * (It stays registered: removing the last listener of a signal while the entry adds its own
 * would leave Node no longer watching that signal.)
 */
function stopEarlyUntilHandedOver(): void {
  const stop = (signal: NodeJS.Signals) => {
    if (process.listenerCount(signal) === 1) process.exit(128 + (os.constants.signals[signal] ?? 0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
