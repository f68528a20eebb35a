import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { CollabServer, listen, portOf } from '../collab-server/CollabServer';
import { type Config, parseConfig } from '../collab-server/config';
import { createLogger } from '../collab-server/logger';
import type { AuditStore } from '../persistence/AuditStore';
import type { BlobStore } from '../persistence/BlobStore';
import type { DocumentStore } from '../persistence/DocumentStore';
import type { VersionStore } from '../persistence/VersionStore';
import { mintToken, type Role } from '../shared/token';

/** A collab server on port 0 over a real LevelDB in a temporary folder, for one test file. */
export interface TestServer {
  server: CollabServer;
  config: Config;
  port: number;
  httpUrl: string;
  /** `ws://…/collab`, for HocuspocusProvider. */
  hocuspocusUrl: string;
  /** `ws://…/y`, for y-websocket's WebsocketProvider (which appends `/<document>`). */
  yWebsocketUrl: string;
  dataDir: string;
  /** A token signed with this server's secret (default: editor of `doc`, valid one hour). */
  token(claims: { doc: string; role?: Role; sub?: string; name?: string }, expiresInSeconds?: number): Promise<string>;
  /** Graceful stop and start again on the same data folder (and the same port). */
  restart(): Promise<void>;
  /** Stops the server; keeps the data folder unless `removeData`. */
  stop(options?: { removeData?: boolean }): Promise<void>;
}

export interface TestServerOptions {
  config?: Partial<Config>;
  /** Builds a store to use instead of LevelDB (called on every start). */
  store?: (dataDir: string) => DocumentStore & VersionStore & BlobStore & AuditStore;
  dataDir?: string;
  /** The port to listen on (default: a free one). */
  port?: number;
  /** In a cluster: the clock the node's leases are timed by (a test moves it to make a lease lapse). */
  leaseClock?: () => number;
}

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!!';

/** Starts a server; call `stop({ removeData: true })` in `afterAll`/`afterEach`. */
export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'collab-test-')));
  const config = parseConfig([], {}, { port: 0, host: '127.0.0.1', dataDir, authSecret: TEST_SECRET, logLevel: 'silent', ...options.config });
  let server: CollabServer;
  let http: Server;
  let port = options.port ?? 0;

  const start = async () => {
    server = await CollabServer.create({ config, logger: createLogger(config.logLevel), store: options.store?.(dataDir), leaseClock: options.leaseClock });
    http = await listen(server, port, config.host);
    port = portOf(http);
  };
  const halt = async () => {
    // Upgraded WebSockets count as the HTTP server's connections, so its close completes only
    // once the collab server has closed them: stop listening, close the server, then wait.
    const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
    http.closeAllConnections();
    await server.close();
    await httpClosed;
  };
  await start();

  const result: TestServer = {
    get server() {
      return server;
    },
    config,
    get port() {
      return port;
    },
    get httpUrl() {
      return `http://127.0.0.1:${port}`;
    },
    get hocuspocusUrl() {
      return `ws://127.0.0.1:${port}/collab`;
    },
    get yWebsocketUrl() {
      return `ws://127.0.0.1:${port}/y`;
    },
    dataDir,
    token: ({ doc, role = 'editor', sub = 'user-1', name = 'Test User' }, expiresInSeconds = 3600) =>
      mintToken(TEST_SECRET, { sub, name, doc, role }, expiresInSeconds),
    restart: async () => {
      await halt();
      await start();
    },
    stop: async ({ removeData = false } = {}) => {
      await halt();
      if (removeData) await rm(dataDir, { recursive: true, force: true });
    },
  };
  return result;
}
