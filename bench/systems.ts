import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { LeveldbPersistence } from 'y-leveldb';
import { DOCUMENTS_FOLDER } from '../collab-server/CollabServer';
import { LevelDocumentStore } from '../persistence/LevelDocumentStore';
import { mintToken } from '../shared/token';
import { BenchServerProcess } from './serverProcess';

/** The systems compared, each started as its own process. */
export type SystemId = 'quire' | 'hocuspocus' | 'y-websocket' | 'hocuspocus-database' | 'hocuspocus-control';

/** A fixed secret: the benchmark mints its own tokens, as a backend embedding the server does. */
export const BENCH_AUTH_SECRET = 'benchmark-secret-that-is-long-enough-for-hs256';

/** A system under test, as started for one measurement. */
export interface RunningSystem {
  system: System;
  server: BenchServerProcess;
  /** The URL a client of this system's protocol connects to. */
  url: string;
  /** A token clients present (empty for systems without auth). */
  token: string;
  /** Its Prometheus endpoint, if it has one. */
  metricsUrl?: string;
  dataDir: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

export interface System {
  id: SystemId;
  label: string;
  /** The client library that speaks its protocol. */
  protocol: 'hocuspocus' | 'y-websocket';
  /** Keeps documents across restarts. */
  persistent: boolean;
  /** Sends a sync acknowledgement per update, and only once the update is on disk. */
  acks: 'durable' | 'in-memory' | 'none';
  /** Writes `updates` as the document's stored log, one entry per update, before the server starts. */
  writeLog?(dataDir: string, name: string, updates: Uint8Array[]): Promise<void>;
  /** Writes `state` as the document's single stored (compacted) entry, before the server starts. */
  writeSnapshot?(dataDir: string, name: string, state: Uint8Array): Promise<void>;
  /** Starts the server over `dataDir` (which may hold data written above). */
  start(dataDir: string): Promise<RunningSystem>;
}

/** A fresh, empty data folder. */
export function newDataDir(id: SystemId): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), `bench-${id}-`));
}

const running = (system: System, server: BenchServerProcess, url: string, token: string, dataDir: string): RunningSystem => ({
  system,
  server,
  url,
  token,
  dataDir,
  stop: async () => {
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  },
});

/** This server as users run it: `collab-server/main.ts`, LevelDB, durable acks, auth on. */
export const quire: System = {
  id: 'quire',
  label: 'Quire',
  protocol: 'hocuspocus',
  persistent: true,
  acks: 'durable',
  async writeLog(dataDir, name, updates) {
    await withStore(dataDir, async (store) => {
      await store.create(name);
      // One append (one stored log entry) per update, in order, as the server writes them.
      const chunk = 2000;
      for (let i = 0; i < updates.length; i += chunk) await Promise.all(updates.slice(i, i + chunk).map((update) => store.append(name, update)));
    });
  },
  async writeSnapshot(dataDir, name, state) {
    await withStore(dataDir, (store) => store.create(name, { update: state }).then(() => undefined));
  },
  async start(dataDir) {
    const server = await BenchServerProcess.start('Quire', 'collab-server/main.ts', {
      DATA_DIR: dataDir,
      AUTH_SECRET: BENCH_AUTH_SECRET,
      LOG_LEVEL: 'info',
      // Every benchmark client is one user, creating documents by connecting in bursts.
      MAX_CONNECTIONS_PER_USER: '1000000',
      MAX_CREATIONS_PER_MINUTE: '1000000',
      MAX_NEW_CONNECTIONS_PER_MINUTE: '1000000',
    });
    const token = await mintToken(BENCH_AUTH_SECRET, { sub: 'bench', name: 'Bench', doc: '*', role: 'editor' }, 24 * 3600);
    return { ...running(this, server, `ws://127.0.0.1:${server.port}/collab`, token, dataDir), metricsUrl: `http://127.0.0.1:${server.port}/metrics` };
  },
};

/** Bare Hocuspocus 4: the same `@hocuspocus/server`, no extensions, nothing stored. */
export const hocuspocus: System = {
  id: 'hocuspocus',
  label: 'Hocuspocus (bare)',
  protocol: 'hocuspocus',
  persistent: false,
  acks: 'in-memory',
  async start(dataDir) {
    const server = await BenchServerProcess.start('Hocuspocus', 'bench/servers/hocuspocusServer.ts', {});
    return running(this, server, `ws://127.0.0.1:${server.port}`, 'no-auth', dataDir);
  },
};

/**
 * A second process of bare Hocuspocus, measured in the fan-out beside the first: the ratio of two
 * identical servers is how finely one run can tell two systems' latencies apart.
 */
export const hocuspocusControl: System = { ...hocuspocus, id: 'hocuspocus-control', label: 'Hocuspocus (bare, second process)' };

/** The y-websocket 1.x server with y-leveldb persistence (`YPERSISTENCE`). */
export const yWebsocket: System = {
  id: 'y-websocket',
  label: 'y-websocket + LevelDB',
  protocol: 'y-websocket',
  persistent: true,
  acks: 'none',
  async writeLog(dataDir, name, updates) {
    await withYLevel(dataDir, async (persistence) => {
      // y-leveldb serializes its own writes; queue them all and wait for the last.
      let last: Promise<unknown> = Promise.resolve();
      for (const update of updates) last = persistence.storeUpdate(name, update);
      await last;
    });
  },
  async writeSnapshot(dataDir, name, state) {
    await withYLevel(dataDir, (persistence) => persistence.storeUpdate(name, state));
  },
  async start(dataDir) {
    const server = await BenchServerProcess.start('y-websocket', 'bench/servers/yWebsocketServer.cjs', { YPERSISTENCE: path.join(dataDir, 'y-leveldb') });
    return running(this, server, `ws://127.0.0.1:${server.port}`, '', dataDir);
  },
};

/**
 * Hocuspocus with the stock database extension saving the full state to LevelDB at each
 * debounced store: measured in the durability workload only, as the full-state baseline.
 */
export const hocuspocusDatabase: System = {
  id: 'hocuspocus-database',
  label: 'Hocuspocus + database extension',
  protocol: 'hocuspocus',
  persistent: true,
  acks: 'in-memory',
  async start(dataDir) {
    const server = await BenchServerProcess.start('Hocuspocus + database', 'bench/servers/hocuspocusDatabaseServer.ts', { DATA_DIR: dataDir });
    return running(this, server, `ws://127.0.0.1:${server.port}`, 'no-auth', dataDir);
  },
};

/** Every system, in table order. */
export const SYSTEMS: System[] = [quire, hocuspocus, yWebsocket];

async function withStore<T>(dataDir: string, work: (store: LevelDocumentStore) => Promise<T>): Promise<T> {
  const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
  await store.open();
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

async function withYLevel<T>(dataDir: string, work: (persistence: LeveldbPersistence) => Promise<T>): Promise<T> {
  const persistence = new LeveldbPersistence(path.join(dataDir, 'y-leveldb'));
  try {
    return await work(persistence);
  } finally {
    await persistence.destroy();
  }
}
