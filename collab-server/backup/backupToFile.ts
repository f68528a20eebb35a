import { open, rename, rm, stat } from 'node:fs/promises';
import { FILE_MODE } from '../dataFolder';
import { readBackup } from './backupFormat';
import { BACKUP_PATH } from './backupRoute';
import type { Progress } from './progress';

export interface BackupToFileOptions {
  /** The server's base URL, e.g. `http://127.0.0.1:1234`. */
  url: string;
  /** An admin token (`role: admin`, `doc: *`). */
  token: string;
  /** The file to write; it must not exist. */
  out: string;
  progress?: Progress;
}

/** What a finished backup holds. */
export interface BackupResult {
  documents: number;
  tombstones: number;
  updates: number;
  versions: number;
  blobs: number;
  bytes: number;
}

/**
 * Downloads a backup of a running server into `out`. The stream is checked as it arrives (format,
 * counts, checksum) and written to `<out>.partial`, which is synced and renamed to `out` only
 * once complete: `out` either holds a whole, verified backup or does not exist.
 */
export async function backupToFile({ url, token, out, progress }: BackupToFileOptions): Promise<BackupResult> {
  if (await exists(out)) throw new Error(`${out} exists already; choose a new file name (a backup never overwrites one)`);
  const endpoint = new URL(BACKUP_PATH, url);
  const response = await fetch(endpoint, { headers: { authorization: `Bearer ${token}` } }).catch((error: unknown) => {
    throw new Error(
      `cannot reach ${endpoint.origin}: ${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)}`,
    );
  });
  if (!response.ok || !response.body) {
    const detail = await response.text().then(
      (text) => (JSON.parse(text) as { error?: string }).error ?? text,
      () => '',
    );
    throw new Error(`the server refused the backup: ${response.status} ${response.statusText}${detail ? `: ${detail}` : ''}`);
  }
  const partial = `${out}.partial`;
  // Readable by this user only, whatever the umask: it holds every document and the links' hashes.
  const file = await open(partial, 'wx', FILE_MODE);
  let total: number | null = null;
  let documents = 0;
  let received = 0;
  try {
    const body = response.body;
    async function* saved(): AsyncGenerator<Uint8Array> {
      const chunks = body[Symbol.asyncIterator]();
      while (true) {
        let next: IteratorResult<Uint8Array>;
        try {
          next = await chunks.next();
        } catch (error) {
          const cause = error instanceof Error ? error.message : String(error);
          throw new Error(`the server stopped sending after ${received} bytes (${cause}); its log says why`);
        }
        if (next.done) return;
        await file.write(next.value);
        received += next.value.byteLength;
        yield next.value;
      }
    }
    for await (const item of readBackup(saved())) {
      if (item.kind === 'header') total = item.summary.documents;
      if (item.kind === 'document') documents += 1;
      progress?.update(documents, total, received);
      if (item.kind === 'end') {
        await file.sync();
        await file.close();
        await rename(partial, out);
        return { documents: item.documents, tombstones: item.tombstones, updates: item.updates, versions: item.versions, blobs: item.blobs, bytes: item.bytes };
      }
    }
    throw new Error('the backup stream ended without its end record');
  } catch (error) {
    await file.close().catch(() => undefined);
    await rm(partial, { force: true });
    throw error;
  }
}

async function exists(file: string): Promise<boolean> {
  return stat(file).then(
    () => true,
    () => false,
  );
}
