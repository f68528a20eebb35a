import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the app build depends on: a change to any of these makes the build stale. */
const SOURCES = ['app', 'shared', 'embed', 'public', 'next.config.js', 'package-lock.json', 'tsconfig.json'];

/**
 * Runs `next build` in `root` when there is no build yet, or a source is newer than it.
 * Returns true when it built.
 */
export function ensureAppBuild(root: string, log: (message: string) => void): boolean {
  const distDir = process.env.NEXT_DIST_DIR || '.next';
  const buildId = path.join(root, distDir, 'BUILD_ID');
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  if (builtAt > 0 && !SOURCES.some((source) => newestChange(path.join(root, source)) > builtAt)) return false;
  log(builtAt ? 'sources changed since the last build; rebuilding the app' : 'no app build yet; building it (about a minute)');
  execFileSync(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: root,
    stdio: 'inherit',
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
  });
  return true;
}

function newestChange(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((entry) => newestChange(path.join(file, entry))));
}
