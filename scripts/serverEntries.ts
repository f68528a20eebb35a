/**
 * The server's entry points: `scripts/buildServer.ts` bundles each into `dist/<name>.js` (the
 * project's own code in one file, packages left in `node_modules`), which production runs with
 * plain `node` (`node scripts/run.mjs <name>` builds what is stale, then runs it).
 *
 * To add an entry — a command, or a module loaded with `new Worker(...)` — add a line here; every
 * build (`npm start`, `npm run build`, `npm run dev`, the tests) takes it from this list. Load a
 * worker module with `new Worker(entryUrl('<name>'))`: that is the built file when the caller runs
 * from the build, and the source file when it runs from source (tsx, Vitest).
 *
 * The build script runs under Node's own type stripping and imports this file, so it holds only
 * erasable TypeScript and imports nothing.
 */
export const SERVER_ENTRIES = {
  /** The app and the collab server in one process: `npm start`, `npm run dev`. */
  start: 'start.ts',
  /** The collab server alone: `npm run collab-server`. */
  'collab-server': 'collab-server/main.ts',
  /** `npm run backup`. */
  backup: 'collab-server/backup/backupMain.ts',
  /** `npm run restore`. */
  restore: 'collab-server/backup/restoreMain.ts',
  /** `npm run token`. */
  token: 'collab-server/tokenMain.ts',
  /** The conversion worker thread (`collab-server/conversion/workerEntry.ts` starts it). */
  conversionWorker: 'collab-server/conversion/conversionWorker.ts',
} as const;

/** The name of an entry point: its built file is `dist/<name>.js`. */
export type ServerEntryName = keyof typeof SERVER_ENTRIES;

/** Whether `name` is one of SERVER_ENTRIES. */
export function isServerEntry(name: string): name is ServerEntryName {
  return Object.hasOwn(SERVER_ENTRIES, name);
}

/**
 * The file of entry `name`, for `new Worker(...)`. `from` is the running module's URL: inside the
 * build every entry is a file directly in `dist/`, so its siblings are the other entries; from
 * source (this file, in `scripts/`) it is the source file under the project root.
 */
export function entryUrl(name: ServerEntryName, from: string = import.meta.url): URL {
  return from.endsWith('.ts') ? new URL(`../${SERVER_ENTRIES[name]}`, from) : new URL(`./${name}.js`, from);
}

/** The project root: the parent of `scripts/` when running from source, of `dist/` when built. */
export function projectRootUrl(from: string = import.meta.url): URL {
  return new URL('../', from);
}
