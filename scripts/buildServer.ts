/**
 * Builds the server's entry points (`scripts/serverEntries.ts`) with esbuild into `dist/`: one
 * ES module per entry with the project's code bundled and every package left as an import from
 * `node_modules` (native `leveldown`, `next` and the rest load as they are), plus a source map.
 *
 *   node scripts/buildServer.ts     builds now (`npm run build` runs it before `next build`)
 *
 * `dist/build.json` records when the build started and which source files went into it; the build
 * is stale when any of them, or the build's own configuration, changed after that moment (or an
 * output is missing). Runs under Node's type stripping, like `scripts/run.ts`.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, BuildResult, Metafile, OutputFile } from 'esbuild';
import { BUILD_FOLDER, SERVER_ENTRIES } from './serverEntries.ts';

/** What a build depends on besides the sources it bundles. */
const BUILD_CONFIGURATION = ['scripts/buildServer.ts', 'scripts/serverEntries.ts', 'package-lock.json', 'tsconfig.json'];

const MANIFEST = 'build.json';

interface Manifest {
  /** When the build started (ms since the epoch): a source changed after it makes the build stale. */
  startedAt: number;
  /** Source files in the build, relative to the project root. */
  inputs: string[];
  /** Written files, relative to the project root. */
  outputs: string[];
}

/** The esbuild options of the server build (also used by `npm run dev`'s watch). */
export function serverBuildOptions(root: string): BuildOptions {
  return {
    absWorkingDir: root,
    entryPoints: Object.entries(SERVER_ENTRIES).map(([name, source]) => ({ in: source, out: name })),
    outdir: BUILD_FOLDER,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    packages: 'external',
    sourcemap: 'linked',
    metafile: true,
    // Outputs are written by writeOutputs, each file atomically.
    write: false,
    logLevel: 'error',
  };
}

/** Why the build in `root` is stale (a sentence), or null when it is up to date. */
export function staleReason(root: string): string | null {
  const manifest = readManifest(root);
  if (!manifest) return 'no server build yet';
  const missing = manifest.outputs.find((file) => !existsSync(path.join(root, file)));
  if (missing) return `${missing} is missing`;
  const expected = Object.keys(SERVER_ENTRIES).map((name) => path.posix.join(BUILD_FOLDER, `${name}.js`));
  const unbuilt = expected.find((file) => !manifest.outputs.includes(file));
  if (unbuilt) return `${unbuilt} was never built`;
  for (const file of [...manifest.inputs, ...BUILD_CONFIGURATION]) {
    const changedAt = modifiedAt(path.join(root, file));
    if (changedAt === null) return `${file} was removed`;
    if (changedAt > manifest.startedAt) return `${file} changed`;
  }
  return null;
}

/** Builds the server now. Throws when esbuild reports errors (it prints them to stderr). */
export async function buildServer(root: string): Promise<void> {
  const { build } = await import('esbuild');
  const startedAt = Date.now();
  writeOutputs(root, startedAt, await build(serverBuildOptions(root)));
}

/**
 * Builds the server if it is stale; resolves with the reason it built, or null. Safe to run from
 * several processes at once: each writes complete files under temporary names and renames them.
 */
export async function ensureServerBuild(root: string): Promise<string | null> {
  const reason = staleReason(root);
  if (reason) await buildServer(root);
  return reason;
}

/**
 * Writes a build's files atomically and then its manifest, so a process that starts meanwhile
 * reads either the previous file or the new one, never half of one.
 */
export function writeOutputs(root: string, startedAt: number, result: BuildResult<{ metafile: true; write: false }>): void {
  mkdirSync(path.join(root, BUILD_FOLDER), { recursive: true });
  const outputs = result.outputFiles.map((file: OutputFile) => {
    writeAtomically(file.path, file.contents);
    return path.relative(root, file.path).split(path.sep).join('/');
  });
  const manifest: Manifest = { startedAt, inputs: Object.keys((result.metafile as Metafile).inputs), outputs };
  writeAtomically(path.join(root, BUILD_FOLDER, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

function writeAtomically(file: string, contents: Uint8Array | string): void {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

function readManifest(root: string): Manifest | null {
  try {
    return JSON.parse(readFileSync(path.join(root, BUILD_FOLDER, MANIFEST), 'utf8')) as Manifest;
  } catch {
    return null;
  }
}

function modifiedAt(file: string): number | null {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const started = performance.now();
  await buildServer(root).catch(() => process.exit(1));
  console.log(`server built into ${BUILD_FOLDER}/ in ${Math.round(performance.now() - started)} ms`);
}
