/**
 * Builds the server's entry points (`scripts/serverEntries.ts`) with esbuild into `dist/`: one
 * ES module per entry (plus chunks for what they import on demand) with the project's code bundled and every package left as an import from
 * `node_modules` (native `leveldown`, `next` and the rest load as they are), plus a source map
 * (`NODE_OPTIONS=--enable-source-maps` makes stack traces name the TypeScript sources).
 *
 *   node scripts/buildServer.ts [--quiet]    builds now (`npm run build` runs it before `next build`)
 *
 * When a build is stale is decided in `serverBuildState.mjs`. Runs under Node's type stripping.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BuildOptions, BuildResult, Metafile, OutputFile } from 'esbuild';
import { BUILD_FOLDER, MANIFEST, type Manifest, staleReason } from './serverBuildState.mjs';
import { SERVER_ENTRIES } from './serverEntries.ts';

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
    // What entries import on demand (`import()`: the Word and PDF converters in the conversion
    // workers) stays in chunks of its own, loaded when first needed, as from the sources: bundled
    // inline, every worker would load mammoth, docx and pdfkit at start, within its heap limit.
    splitting: true,
    // Beside the entries: built code finds the other entries and the project root relative to
    // its own file (scripts/serverEntries.ts entryUrl, projectRootUrl).
    chunkNames: '[name]-[hash]',
    sourcemap: 'linked',
    metafile: true,
    // Outputs are written by writeOutputs, each file atomically.
    write: false,
    logLevel: 'error',
  };
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
  const manifest: Manifest = { startedAt, inputs: Object.keys((result.metafile as Metafile).inputs), outputs, entries: Object.keys(SERVER_ENTRIES) };
  writeAtomically(path.join(root, BUILD_FOLDER, MANIFEST), `${JSON.stringify(manifest, null, 2)}\n`);
}

function writeAtomically(file: string, contents: Uint8Array | string): void {
  const temporary = `${file}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(temporary, contents);
  renameSync(temporary, file);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
  const started = performance.now();
  await buildServer(root).catch((error) => {
    // esbuild has printed its own errors (they come with an `errors` list); anything else has not.
    if (!(error && typeof error === 'object' && 'errors' in error)) console.error(error);
    process.exit(1);
  });
  if (!process.argv.includes('--quiet')) console.log(`server built into ${BUILD_FOLDER}/ in ${Math.round(performance.now() - started)} ms`);
}
