import { chmod, mkdir, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Logger } from './logger';

/**
 * The data folder holds every document, its history, the links' hashes and (when generated) the
 * token secret: only the server's own user may read it. New folders are made 0700 and files 0600
 * (the entry points also set the umask to 077, so LevelDB creates its files 0600).
 */

/** The mode of the data folder and of every folder in it. */
export const FOLDER_MODE = 0o700;
/** The mode of every file the server writes in the data folder, and of backups. */
export const FILE_MODE = 0o600;
/** The umask the entry points set: nothing the process creates is readable by other users. */
export const PRIVATE_UMASK = 0o077;

/**
 * Creates `dataDir` (mode 0700) when missing. An existing one that others may read is tightened:
 * the folder, and the folders and files directly inside it and inside its `subfolders`, lose
 * every permission of group and others; a warning names what changed. What cannot be changed
 * (another user's folder, a read-only mount) is named in a warning too, and the server goes on:
 * the operator decides who may read the data folder there.
 */
export async function prepareDataFolder(dataDir: string, subfolders: readonly string[], logger: Logger): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: FOLDER_MODE });
  const tightened: string[] = [];
  const untouched: string[] = [];
  const tighten = async (target: string, wanted: number) => {
    const info = await stat(target).catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return null;
      throw error;
    });
    if (!info || (info.mode & 0o077) === 0) return info;
    try {
      await chmod(target, info.mode & wanted & 0o777);
      tightened.push(target);
    } catch (error) {
      untouched.push(`${target} (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
    }
    return info;
  };
  for (const folder of [dataDir, ...subfolders.map((name) => path.join(dataDir, name))]) {
    const info = await tighten(folder, FOLDER_MODE);
    if (!info?.isDirectory()) continue;
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      if (entry.isFile()) await tighten(path.join(folder, entry.name), FILE_MODE);
      else if (entry.isDirectory()) await tighten(path.join(folder, entry.name), FOLDER_MODE);
    }
  }
  if (tightened.length > 0) {
    logger.warn(
      { event: 'data-folder-tightened', dataDir, count: tightened.length, examples: tightened.slice(0, 5) },
      `the data folder ${dataDir} could be read by other users of this machine; its permissions were narrowed to the server's own user (0700 folders, 0600 files)`,
    );
  }
  if (untouched.length > 0) {
    logger.warn(
      { event: 'data-folder-open', dataDir, count: untouched.length, examples: untouched.slice(0, 5) },
      `other users of this machine may read parts of the data folder ${dataDir}, and their permissions could not be narrowed; make them readable by the server's user only`,
    );
  }
}
