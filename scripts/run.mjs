/**
 * `node scripts/run.mjs <entry> [arguments]`: how `npm start`, `npm run collab-server` and the
 * operator commands run the server. When a source is newer than the build in `dist/`, it rebuilds
 * it first (`scripts/buildServer.ts`, in a short-lived child: about a second, silent, so
 * `npm run -s token` still prints only the token). Then it loads `dist/<entry>.js` into this very
 * process: there is no wrapper between the signal a supervisor sends to this pid and the
 * server's own handler, and nothing but the server stays in memory.
 *
 * Plain JavaScript: it runs before anything is built, and a TypeScript loader (or Node's type
 * stripping) would stay loaded for the server's whole life.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { BUILD_FOLDER, readManifest, staleReason } from './serverBuildState.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** @type {import('node:child_process').ChildProcess | null} */
let build = null;

// Until the entry listens for SIGTERM and SIGINT itself (the servers do so as they start), such a
// signal ends this process (and a build under way) at once, with the usual status for it: nothing
// has started that could lose work. Once the entry has a listener of its own, this one does
// nothing. It stays registered: removing a signal's last listener while the entry adds its own
// would leave Node no longer watching that signal.
/** @param {NodeJS.Signals} signal */
const stopEarly = (signal) => {
  if (process.listenerCount(signal) > 1) return;
  build?.kill('SIGKILL');
  process.exit(128 + (os.constants.signals[signal] ?? 0));
};
process.on('SIGTERM', stopEarly);
process.on('SIGINT', stopEarly);

// npm only warns about package.json's engines. Below the oldest supported line the build cannot run
// (it relies on Node's own TypeScript type stripping), so say that instead of failing inside it.
const engines = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')).engines.node;
if (!atLeastOldestLine(process.versions.node, engines)) {
  console.error(`Quire needs Node.js ${engines} (package.json "engines"; see the README's Run it); this is Node.js ${process.versions.node}`);
  process.exit(1);
}

const name = process.argv[2] ?? '';
if (staleReason(root)) {
  build = spawn(process.execPath, [path.join(root, 'scripts/buildServer.ts'), '--quiet'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
  const code = await new Promise((resolve) => build?.once('exit', resolve));
  build = null;
  if (code !== 0) {
    console.error('the server could not be built; fix the errors above and start again');
    process.exit(1);
  }
}
const entries = readManifest(root)?.entries ?? [];
if (!entries.includes(name)) {
  console.error(`usage: node scripts/run.mjs <entry> [arguments], where <entry> is one of ${entries.join(', ')} (got "${name}")`);
  process.exit(2);
}

const built = path.join(root, BUILD_FOLDER, `${name}.js`);
// The entry reads its arguments from process.argv.slice(2), as when it is started as `node dist/<entry>.js`.
process.argv.splice(1, 2, built);
await import(pathToFileURL(built).href);

/**
 * Whether `version` is at least the oldest version `engines` allows (its caret ranges, `^22.18.0 || …`).
 * @param {string} version
 * @param {string} engines
 */
function atLeastOldestLine(version, engines) {
  /** @param {string} text */
  const parts = (text) =>
    text
      .replace(/^[\s^]+/, '')
      .split('.')
      .map(Number);
  const oldest = engines
    .split('||')
    .map(parts)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2])[0];
  const [major, minor, patch] = parts(version);
  return (major - oldest[0] || minor - oldest[1] || patch - oldest[2]) >= 0;
}
