/** The record of a server build (`dist/build.json`). */
export interface Manifest {
  /** When the build started (ms since the epoch): a source changed after it makes the build stale. */
  startedAt: number;
  /** Source files in the build, relative to the project root. */
  inputs: string[];
  /** Written files, relative to the project root. */
  outputs: string[];
  /** The names of the built entry points (`dist/<name>.js`). */
  entries: string[];
}

/** The folder, relative to the project root, that holds the built entry points. */
export const BUILD_FOLDER: string;
/** The manifest of the build, in BUILD_FOLDER. */
export const MANIFEST: string;
/** What a build depends on besides the sources it bundles. */
export const BUILD_CONFIGURATION: readonly string[];
/** Why the build in `root` is stale (a sentence), or null when it is up to date. */
export function staleReason(root: string): string | null;
/** The manifest of the build in `root`, or null when there is none. */
export function readManifest(root: string): Manifest | null;
