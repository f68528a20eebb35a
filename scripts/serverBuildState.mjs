/**
 * Whether the server build in `dist/` is up to date: shared by `scripts/run.mjs`, which runs
 * before anything is built and without a TypeScript loader (so this file is plain JavaScript;
 * its types are in `serverBuildState.d.mts`), and by `scripts/buildServer.ts`, which writes the
 * build and its manifest.
 *
 * `dist/build.json` records when the build started, which source files went into it and which
 * files it wrote. The build is stale when one of those sources, or the build's own configuration,
 * changed after that moment, or a written file is missing.
 */
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The folder, relative to the project root, that holds the built entry points. */
export const BUILD_FOLDER = 'dist';

/** The manifest of the build, in BUILD_FOLDER. */
export const MANIFEST = 'build.json';

/** What a build depends on besides the sources it bundles (its configuration and its tools). */
export const BUILD_CONFIGURATION = ['scripts/buildServer.ts', 'scripts/serverEntries.ts', 'scripts/serverBuildState.mjs', 'package-lock.json', 'tsconfig.json'];

/**
 * Why the build in `root` is stale (a sentence), or null when it is up to date.
 * @param {string} root
 * @returns {string | null}
 */
export function staleReason(root) {
  const manifest = readManifest(root);
  if (!manifest) return 'no server build yet';
  const missing = manifest.outputs.find((file) => modifiedAt(path.join(root, file)) === null);
  if (missing) return `${missing} is missing`;
  for (const file of [...manifest.inputs, ...BUILD_CONFIGURATION]) {
    const changedAt = modifiedAt(path.join(root, file));
    if (changedAt === null) return `${file} was removed`;
    if (changedAt > manifest.startedAt) return `${file} changed`;
  }
  return null;
}

/**
 * The manifest of the build in `root`, or null when there is none.
 * @param {string} root
 * @returns {import('./serverBuildState.d.mts').Manifest | null}
 */
export function readManifest(root) {
  try {
    return JSON.parse(readFileSync(path.join(root, BUILD_FOLDER, MANIFEST), 'utf8'));
  } catch {
    return null;
  }
}

/**
 * @param {string} file
 * @returns {number | null}
 */
function modifiedAt(file) {
  try {
    return statSync(file).mtimeMs;
  } catch {
    return null;
  }
}
