import path from 'node:path';
import * as Y from 'yjs';
import { DOCUMENTS_FOLDER } from '../collab-server/CollabServer';
import { LevelDocumentStore } from '../persistence/LevelDocumentStore';

/** A document as read back from a data folder: its Y.Doc and what the store returned. */
export interface StoredDocument {
  doc: Y.Doc;
  /** Number of stored updates (snapshot plus log entries). */
  updates: number;
  /** Bytes of all stored updates. */
  bytes: number;
}

/**
 * Opens the LevelDB of a stopped (or killed) server's `dataDir`, loads `names` exactly as a
 * starting server would, and closes it again. A missing document is `null`.
 * Fails if stored updates reference content that is not stored (a gap in the log).
 */
export async function loadStored(dataDir: string, names: readonly string[]): Promise<Map<string, StoredDocument | null>> {
  const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
  await store.open();
  const result = new Map<string, StoredDocument | null>();
  try {
    for (const name of names) {
      const loaded = await store.load(name);
      if (!loaded) {
        result.set(name, null);
        continue;
      }
      const doc = new Y.Doc();
      doc.transact(() => {
        for (const update of loaded.updates) Y.applyUpdate(doc, update);
      });
      if (doc.store.pendingStructs || doc.store.pendingDs) {
        throw new Error(`stored updates of "${name}" reference content that is not stored (pending structs after load)`);
      }
      result.set(name, { doc, updates: loaded.updates.length, bytes: loaded.updates.reduce((sum, update) => sum + update.byteLength, 0) });
    }
  } finally {
    await store.close();
  }
  return result;
}

/** Loads one document from a stopped server's `dataDir`; throws if it does not exist. */
export async function loadStoredDocument(dataDir: string, name: string): Promise<Y.Doc> {
  const stored = (await loadStored(dataDir, [name])).get(name);
  if (!stored) throw new Error(`document "${name}" is not stored in ${dataDir}`);
  return stored.doc;
}
