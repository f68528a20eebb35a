import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureServerBuild } from '../../scripts/buildServer';
import { BUILD_FOLDER, staleReason } from '../../scripts/serverBuildState.mjs';
import { entryUrl, SERVER_ENTRIES } from '../../scripts/serverEntries';
import { ProjectCopy } from '../../testing/projectCopy';
import { TEST_SECRET } from '../../testing/testServer';

/**
 * The server build that production runs: every entry of `scripts/serverEntries.ts` is a file of
 * `dist/` that plain `node` runs; a build is redone exactly when a source changed after it; and
 * the launcher (`scripts/run.mjs`) builds a stale server without printing anything on stdout.
 * The rebuild tests work on a copy of the project, so they change no file of this checkout.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
let project: ProjectCopy;
let copy: string;

beforeAll(() => {
  project = ProjectCopy.create();
  copy = project.root;
});

afterAll(() => project.remove());

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
    project.touch(module);
    expect(staleReason(copy)).toBe(`${module} changed`);
    await ensureServerBuild(copy);
    expect(readFileSync(path.join(copy, BUILD_FOLDER, 'start.js'), 'utf8')).toContain('from this very machine only');
    expect(staleReason(copy)).toBeNull();

    // The build's own configuration counts too.
    project.touch('scripts/serverEntries.ts');
    expect(staleReason(copy)).toBe('scripts/serverEntries.ts changed');
    await ensureServerBuild(copy);

    rmSync(path.join(copy, BUILD_FOLDER, 'token.js'));
    expect(staleReason(copy)).toBe(`${BUILD_FOLDER}/token.js is missing`);
  });

  it('the launcher builds a stale server silently: `npm run -s token` still prints only the token', () => {
    project.touch('shared/token.ts');
    expect(staleReason(copy)).not.toBeNull();
    const stdout = execFileSync(process.execPath, ['scripts/run.mjs', 'token', '--role', 'admin', '--doc', '*'], {
      cwd: copy,
      encoding: 'utf8',
      env: { ...process.env, AUTH_SECRET: TEST_SECRET },
    });
    expect(stdout).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+\n$/);
    expect(staleReason(copy), 'the launcher built it').toBeNull();
  });

  it("the launcher on a Node.js older than package.json's engines allow says which it needs and exits 1, before building", () => {
    project.touch('shared/token.ts');
    const engines = (JSON.parse(readFileSync(project.path('package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    for (const version of ['20.19.0', '22.17.1']) {
      // The launcher reads the version of the Node.js running it from process.versions.
      const claim = `data:text/javascript,Object.defineProperty(process.versions, 'node', { value: '${version}' })`;
      const result = spawnSync(process.execPath, ['--import', claim, 'scripts/run.mjs', 'token', '--help'], { cwd: copy, encoding: 'utf8' });
      expect(result.status, result.stderr).toBe(1);
      expect(result.stderr).toBe(`Quire needs Node.js ${engines} (package.json "engines"; see the README's Run it); this is Node.js ${version}\n`);
      expect(result.stdout).toBe('');
    }
    expect(staleReason(copy), 'nothing was built').toBe('shared/token.ts changed');
  });

  it('entryUrl names the source file when running from source and the built sibling when running from the build', () => {
    expect(fileURLToPath(entryUrl('collab-server'))).toBe(path.join(root, 'collab-server/main.ts'));
    const fromBuild = pathToFileURL(path.join(root, BUILD_FOLDER, 'start.js')).href;
    expect(fileURLToPath(entryUrl('collab-server', fromBuild))).toBe(path.join(root, BUILD_FOLDER, 'collab-server.js'));
    expect(existsSync(entryUrl('collab-server', fromBuild))).toBe(true);
  });
});
