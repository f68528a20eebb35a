import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { DocumentStore, LoadedDocument } from '../DocumentStore';
import { LevelDocumentStore } from '../LevelDocumentStore';
import { MemoryDocumentStore } from '../MemoryDocumentStore';

/** A store implementation the contract suite runs against. */
export interface StoreImplementation {
  name: string;
  /** A new, unopened, empty store using `now` as its clock. */
  make(now: () => number): Promise<DocumentStore>;
  /** Removes whatever `make` created on disk. */
  cleanup(): Promise<void>;
}

/** The two implementations: LevelDB in a temporary folder, and memory. */
export function storeImplementations(): StoreImplementation[] {
  const folders: string[] = [];
  return [
    {
      name: 'LevelDocumentStore',
      make: async (now) => {
        const folder = await mkdtemp(path.join(os.tmpdir(), 'store-contract-'));
        folders.push(folder);
        return new LevelDocumentStore({ location: folder, now });
      },
      cleanup: async () => {
        await Promise.all(folders.splice(0).map((folder) => rm(folder, { recursive: true, force: true })));
      },
    },
    { name: 'MemoryDocumentStore', make: async (now) => new MemoryDocumentStore(now), cleanup: async () => {} },
  ];
}

/** A clock that moves one millisecond per reading, so every timestamp is predictable. */
export function steppingClock(start = 1_700_000_000_000): () => number {
  let now = start;
  return () => now++;
}

/** `bytes` as a plain array, so `toEqual` compares content whatever the byte container. */
export const bytes = (data: Uint8Array | null | undefined) => (data ? [...data] : data);

/** A loaded document's updates as plain arrays. */
export const updatesOf = (loaded: LoadedDocument | null) => loaded?.updates.map((update) => [...update]);

/** `n` distinct small updates, `[tag, i]`. */
export const entries = (tag: number, n: number) => Array.from({ length: n }, (_, i) => Uint8Array.of(tag, i));

/** The `code` of a store error, or the value when the call succeeded. */
export async function outcome<T>(call: () => Promise<T>): Promise<T | { error: string }> {
  try {
    return await call();
  } catch (error) {
    return { error: (error as { code?: string }).code ?? String(error) };
  }
}
