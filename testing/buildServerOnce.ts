import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServerBuild } from '../scripts/buildServer';

/**
 * Vitest's global setup: brings the server build up to date once, before the test files start
 * server processes (each of which would otherwise find it stale at the same moment).
 */
export default async function buildServerOnce(): Promise<void> {
  await ensureServerBuild(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..'));
}
