import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuild } from '../../scripts/buildServer';
import { BUILD_FOLDER, staleReason } from '../../scripts/serverBuildState.mjs';
import { entryUrl, SERVER_ENTRIES } from '../../scripts/serverEntries';
import { TEST_SECRET } from '../../testing/testServer';

/**
 * The server build that production runs: every entry of `scripts/serverEntries.ts` is a file of
 * `dist/` that plain `node` runs; a build is redone exactly when a source changed after it; and
 * the launcher (`scripts/run.mjs`) builds a stale server without printing anything on stdout.
 * The rebuild tests work on a copy of the project, so they change no file of this checkout.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
/** What a copy of the project leaves out: installed packages, builds, results. */
const NOT_COPIED = new Set(['node_modules', '.git', '.next', 'dist', 'data', 'test-results', 'playwright-report', 'results']);
let copy: string;

beforeAll(() => {
  copy = mkdtempSync(path.join(os.tmpdir(), 'server-build-'));
  cpSync(root, copy, { recursive: true, filter: (source) => !NOT_COPIED.has(path.basename(source)) && !path.basename(source).startsWith('.next-') });
  symlinkSync(path.join(root, 'node_modules'), path.join(copy, 'node_modules'));
});

afterAll(() => {
  rmSync(copy, { recursive: true, force: true });
});

/** Marks `file` (relative to the copy) as changed now (after any build so far). */
function touch(file: string): void {
  const now = Date.now() / 1000;
  utimesSync(path.join(copy, file), now, now);
}

describe('the server build', () => {
  it('builds every entry into dist/<name>.js, which plain node runs with no TypeScript loader', async () => {
    await ensureServerBuild(root);
    for (const name of Object.keys(SERVER_ENTRIES)) expect(existsSync(path.join(root, BUILD_FOLDER, `${name}.js`)), name).toBe(true);
    const help = execFileSync(process.execPath, [path.join(root, BUILD_FOLDER, 'token.js'), '--help'], {
      encoding: 'utf8',
      env: { ...process.env, NODE_OPTIONS: '' },
    });
    expect(help).toMatch(/^Usage: npm run -s token/);
  });

  it('is redone when a source it bundles changes after it, when an output is missing, and not otherwise', async () => {
    expect(staleReason(copy)).toBe('no server build yet');
    expect(await ensureServerBuild(copy)).toBe('no server build yet');
    expect(staleReason(copy)).toBeNull();
    expect(await ensureServerBuild(copy), 'an up-to-date build is left alone').toBeNull();

    // A change to a module the server bundles (not an entry itself) reaches the build.
    const module = 'collab-server/openAddress.ts';
    writeFileSync(path.join(copy, module), readFileSync(path.join(copy, module), 'utf8').replaceAll('from this machine only', 'from this very machine only'));
    touch(module);
    expect(staleReason(copy)).toBe(`${module} changed`);
    await ensureServerBuild(copy);
    expect(readFileSync(path.join(copy, BUILD_FOLDER, 'start.js'), 'utf8')).toContain('from this very machine only');
    expect(staleReason(copy)).toBeNull();

    // The build's own configuration counts too.
    touch('scripts/serverEntries.ts');
    expect(staleReason(copy)).toBe('scripts/serverEntries.ts changed');
    await ensureServerBuild(copy);

    rmSync(path.join(copy, BUILD_FOLDER, 'token.js'));
    expect(staleReason(copy)).toBe(`${BUILD_FOLDER}/token.js is missing`);
  });

  it('the launcher builds a stale server silently: `npm run -s token` still prints only the token', () => {
    touch('shared/token.ts');
    expect(staleReason(copy)).not.toBeNull();
    const stdout = execFileSync(process.execPath, ['scripts/run.mjs', 'token', '--role', 'admin', '--doc', '*'], {
      cwd: copy,
      encoding: 'utf8',
      env: { ...process.env, AUTH_SECRET: TEST_SECRET },
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(staleReason(copy), 'the launcher built it').toBeNull();
  });

  it('entryUrl names the source file when running from source and the built sibling when running from the build', () => {
    expect(fileURLToPath(entryUrl('collab-server'))).toBe(path.join(root, 'collab-server/main.ts'));
    const fromBuild = pathToFileURL(path.join(root, BUILD_FOLDER, 'start.js')).href;
    expect(fileURLToPath(entryUrl('collab-server', fromBuild))).toBe(path.join(root, BUILD_FOLDER, 'collab-server.js'));
    expect(existsSync(entryUrl('collab-server', fromBuild))).toBe(true);
  });
});
