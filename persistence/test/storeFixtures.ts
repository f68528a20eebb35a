import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';
import { type PostgresServer, startPostgres } from '../../testing/postgres';
import type { DocumentStore, LoadedDocument } from '../DocumentStore';
import { LevelDocumentStore } from '../LevelDocumentStore';
import { MemoryDocumentStore } from '../MemoryDocumentStore';
import { PostgresDocumentStore } from '../postgres/PostgresDocumentStore';

/** A store implementation the contract suite runs against. */
export interface StoreImplementation {
  name: string;
  /** A new, unopened, empty store using `now` as its clock. */
  make(now: () => number): Promise<DocumentStore>;
  /** Removes whatever `make` created on disk. */
  cleanup(): Promise<void>;
}

/**
 * The three implementations: LevelDB in a temporary folder, memory, and PostgreSQL (a real server
 * started for the test file on first use and stopped after it; each store gets a schema of its own).
 */
export function storeImplementations(): StoreImplementation[] {
  const folders: string[] = [];
  const postgres = postgresSchemas();
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
    {
      name: 'PostgresDocumentStore',
      make: async (now) => new PostgresDocumentStore({ url: await postgres.create(), now }),
      cleanup: () => postgres.dropAll(),
    },
  ];
}

/** Fresh, empty schemas on one PostgreSQL server per test file, each a connection string of its own. */
export function postgresSchemas(): { create(): Promise<string>; dropAll(): Promise<void> } {
  let server: Promise<PostgresServer> | null = null;
  let created: string[] = [];
  let count = 0;
  afterAll(async () => {
    if (server) await (await server).destroy();
  });
  const admin = async (url: string, statement: string) => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      await client.query(statement);
    } finally {
      await client.end();
    }
  };
  return {
    async create() {
      server ??= startPostgres();
      const { url } = await server;
      const schema = `store_${process.pid}_${++count}`;
      await admin(url, `CREATE SCHEMA ${schema}`);
      created.push(schema);
      return `${url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    },
    async dropAll() {
      if (!server || created.length === 0) return;
      const { url } = await server;
      const schemas = created;
      created = [];
      await admin(url, `DROP SCHEMA ${schemas.join(', ')} CASCADE`);
    },
  };
}

/** Runs `statement` on the database at `url`, over a connection of its own; returns the rows. */
export async function query<T extends pg.QueryResultRow>(url: string, statement: string, values: unknown[] = []): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(statement, values)).rows;
  } finally {
    await client.end();
  }
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
