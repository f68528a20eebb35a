import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** What a copy of the project leaves out: installed packages, builds, results, data. */
const NOT_COPIED = new Set(['node_modules', '.git', '.next', 'dist', 'data', 'test-results', 'playwright-report', 'results']);

/**
 * A copy of the project's sources in a temporary folder, for a test that changes source files
 * (to see a build redone, a dev server reload) without touching this checkout, which other tests
 * build and run meanwhile. Its `node_modules` is a link to this checkout's, or (`packages:
 * 'hard-linked'`) a folder of hard links to its files, for Next.js, whose bundler refuses a
 * `node_modules` that leads outside the project (about 10 s on a busy machine). `remove()` deletes it.
 */
export class ProjectCopy {
  private constructor(readonly root: string) {}

  /** Copies the project now. */
  static create(packages: 'linked' | 'hard-linked' = 'linked'): ProjectCopy {
    const copy = mkdtempSync(path.join(os.tmpdir(), 'quire-copy-'));
    cpSync(root, copy, { recursive: true, filter: (source) => !NOT_COPIED.has(path.basename(source)) && !path.basename(source).startsWith('.next-') });
    if (packages === 'linked') symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
    else execFileSync('cp', ['-al', path.join(root, 'node_modules'), path.join(copy, 'node_modules')]);
    return new ProjectCopy(copy);
  }

  /** The absolute path of `file` (relative to the project root) in the copy. */
  path(file: string): string {
    return path.join(this.root, file);
  }

  /** Marks `file` as changed now, after any build so far. */
  touch(file: string): void {
    const now = Date.now() / 1000;
    utimesSync(this.path(file), now, now);
  }

  /** Deletes the copy. */
  remove(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}
