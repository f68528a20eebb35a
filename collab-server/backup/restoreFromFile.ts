import { createReadStream } from 'node:fs';
import { mkdir, mkdtemp, readdir, rename, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import { StoreError } from '../../persistence/DocumentStore';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { DOCUMENTS_FOLDER } from '../CollabServer';
import { FOLDER_MODE } from '../dataFolder';
import { readBackup } from './backupFormat';
import type { Progress } from './progress';

/** Documents imported at once (and so held in memory at once). */
const IMPORTS_IN_FLIGHT = 16;

export interface RestoreOptions {
  /** The DATA_DIR to restore into; its documents folder must not exist or be empty. */
  dataDir: string;
  /** The backup file. */
  input: string;
  progress?: Progress;
}

/** What a restore wrote. */
export interface RestoreResult {
  documents: number;
  tombstones: number;
  updates: number;
  versions: number;
  blobs: number;
  bytes: number;
}

/**
 * Restores a backup into `dataDir` with the server stopped; each document is imported with its
 * version history in one atomic write (a backup of format 1 has none), then its blobs (format 3),
 * streamed into the store chunk by chunk. The documents are written to a new
 * LevelDB folder next to the target and moved into place only after the whole file was read and
 * its checksum matched, so a damaged or cut-short backup leaves `dataDir` as it was.
 */
export async function restoreFromFile({ dataDir, input, progress }: RestoreOptions): Promise<RestoreResult> {
  const target = path.join(dataDir, DOCUMENTS_FOLDER);
  await assertEmpty(target);
  await mkdir(dataDir, { recursive: true, mode: FOLDER_MODE });
  const staging = await mkdtemp(path.join(dataDir, `.${DOCUMENTS_FOLDER}-restoring-`));
  const store = new LevelDocumentStore({ location: staging });
  const inFlight: Array<Promise<void>> = [];
  let open = false;
  try {
    await store.open();
    open = true;
    let total: number | null = null;
    let documents = 0;
    let bytes = 0;
    // Several imports in flight let the store's group commit put them in one synced batch.
    const importing = async (write: Promise<void>) => {
      inFlight.push(write);
      if (inFlight.length >= IMPORTS_IN_FLIGHT) await inFlight.shift();
    };
    let lastImport: Promise<void> = Promise.resolve();
    for await (const item of readBackup(countingStream(createReadStream(input), (n) => (bytes += n)))) {
      if (item.kind === 'header') total = item.summary.documents;
      else if (item.kind === 'document') {
        lastImport = store.importDocument(item.document);
        await importing(lastImport);
        documents += 1;
      } else if (item.kind === 'blob') {
        // Its document first; then the bytes stream from the file into the store.
        await lastImport;
        const stored = await store.putBlob(item.name, { type: item.blob.type, createdAt: item.blob.createdAt }, item.chunks);
        if (stored.hash !== item.blob.hash) throw new StoreError('CORRUPT', `blob ${item.blob.hash} of "${item.name}" was stored as ${stored.hash}`);
      } else if (item.kind === 'tombstone') await importing(store.importTombstone(item.tombstone));
      else {
        await Promise.all(inFlight.splice(0));
        await store.close();
        open = false;
        // The target may have been filled meanwhile; never move over data.
        await assertEmpty(target);
        await rmdir(target).catch(() => undefined);
        await rename(staging, target);
        return { documents: item.documents, tombstones: item.tombstones, updates: item.updates, versions: item.versions, blobs: item.blobs, bytes: item.bytes };
      }
      progress?.update(documents, total, bytes);
    }
    throw new Error('the backup ended without its end record');
  } catch (error) {
    await Promise.allSettled(inFlight);
    if (open) await store.close().catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    throw error;
  }
}

/** Refuses a documents folder that holds anything: a restore never mixes into or replaces data. */
async function assertEmpty(folder: string): Promise<void> {
  const entries = await readdir(folder).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT') return [];
    throw error;
  });
  if (entries.length > 0) {
    throw new Error(`${folder} is not empty; restore only into a DATA_DIR without documents (stop the server and choose a new DATA_DIR)`);
  }
}

async function* countingStream(chunks: AsyncIterable<Buffer>, count: (bytes: number) => void): AsyncGenerator<Buffer> {
  for await (const chunk of chunks) {
    count(chunk.byteLength);
    yield chunk;
  }
}
