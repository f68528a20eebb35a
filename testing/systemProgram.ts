import { existsSync } from 'node:fs';
import path from 'node:path';

/**
 * Where a system program the tests run (PostgreSQL, HAProxy) is: the first of `candidates` (the
 * Debian package's places) that exists, else the first `name` on PATH; null when neither.
 */
export function findProgram(name: string, candidates: readonly string[]): string | null {
  for (const candidate of candidates) if (existsSync(candidate)) return candidate;
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) {
    if (folder && existsSync(path.join(folder, name))) return path.join(folder, name);
  }
  return null;
}
