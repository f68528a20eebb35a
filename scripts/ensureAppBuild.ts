import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';

/** What the app build depends on: a change to any of these makes the build stale. */
const SOURCES = ['app', 'shared', 'embed', 'public', 'next.config.js', 'package-lock.json', 'tsconfig.json'];

/** How `ensureAppBuild` reports and where the build's own output goes. */
export interface AppBuildOptions {
  /** Receives one sentence when a build starts. */
  log(message: string): void;
  /**
   * Where `next build` prints: `stdout` (a terminal), or `stderr`, which keeps stdout for the
   * JSON log lines of a process whose output is collected.
   */
  output?: 'stdout' | 'stderr';
  /** Aborting stops the build (its whole process group) and rejects with the abort reason. */
  signal?: AbortSignal;
}

/** Why the app build in `root` is stale (a sentence), or null when it is up to date. */
export function appBuildStaleReason(root: string): string | null {
  const distDir = process.env.NEXT_DIST_DIR || '.next';
  const buildId = path.join(root, distDir, 'BUILD_ID');
  const builtAt = existsSync(buildId) ? statSync(buildId).mtimeMs : 0;
  if (builtAt === 0) return 'no app build yet; building it (about a minute)';
  if (SOURCES.some((source) => newestChange(path.join(root, source)) > builtAt)) return 'sources changed since the last build; rebuilding the app';
  return null;
}

/**
 * Runs `next build` in `root` when there is no build yet, or a source is newer than it.
 * Resolves with true when it built. The build runs in a process group of its own, which is
 * stopped with this process (on abort, or on exit), so no part of it outlives a stopped server.
 */
export async function ensureAppBuild(root: string, options: AppBuildOptions): Promise<boolean> {
  const reason = appBuildStaleReason(root);
  if (!reason) return false;
  options.signal?.throwIfAborted();
  options.log(reason);
  const output = options.output === 'stderr' ? process.stderr : 'inherit';
  const build = spawn(process.execPath, [path.join(root, 'node_modules/next/dist/bin/next'), 'build'], {
    cwd: root,
    stdio: ['ignore', output, output],
    env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    detached: true,
  });
  const stopGroup = (signal: NodeJS.Signals) => {
    try {
      if (build.pid) process.kill(-build.pid, signal);
    } catch {
      // The group is gone already.
    }
  };
  const onExit = () => stopGroup('SIGKILL');
  const onAbort = () => stopGroup('SIGTERM');
  process.once('exit', onExit);
  options.signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const code = await new Promise<number | null>((resolve, reject) => {
      build.once('error', reject);
      build.once('exit', (exitCode, signal) => resolve(signal ? null : exitCode));
    });
    options.signal?.throwIfAborted();
    if (code !== 0) throw new Error(`next build failed (exit code ${code}); its output above says why`);
    return true;
  } finally {
    process.off('exit', onExit);
    options.signal?.removeEventListener('abort', onAbort);
  }
}

function newestChange(file: string): number {
  if (!existsSync(file)) return 0;
  const stat = statSync(file);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(file).map((entry) => newestChange(path.join(file, entry))));
}
