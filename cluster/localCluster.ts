import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type HaproxyServer, startHaproxy } from '../testing/haproxy';
import { freePort, type PostgresServer, startPostgres } from '../testing/postgres';
import { type ServerEntry, ServerProcess } from '../testing/serverProcess';

/**
 * A whole cluster on this machine, as separate processes: PostgreSQL, HAProxy and N Quire nodes,
 * each on its own port and data folder, sharing the database and the secret. `npm run cluster`
 * runs one to try; the cluster tests run them to kill, pause and add nodes.
 */
export interface LocalCluster {
  postgres: PostgresServer;
  haproxy: HaproxyServer;
  /** The shared AUTH_SECRET. */
  secret: string;
  /** The port of each node slot (HAProxy knows them all; a slot without a running node is down). */
  ports: number[];
  /** The running node of each slot, or null. */
  nodes: Array<ServerProcess | null>;
  /** Starts the node of slot `index` (again). */
  startNode(index: number): Promise<ServerProcess>;
  /** Stops the node of slot `index` with `signal` (SIGTERM: gracefully; SIGKILL: a crash). */
  stopNode(index: number, signal?: NodeJS.Signals): Promise<void>;
  /** What each running node printed last among its warnings, errors and non-log lines (a crash's stack), for a failed test. */
  lastWarnings(count?: number): string;
  /** Stops everything and removes the folders. */
  stop(): Promise<void>;
}

export interface LocalClusterOptions {
  /** Nodes started at once. */
  nodes: number;
  /** Node slots HAProxy knows (default `nodes`); the rest can be started later. */
  slots?: number;
  /** `collab-server/main.ts` (default) or `start.ts` (the app too). */
  entry?: ServerEntry;
  /** Environment for every node (LEASE_TTL_MS, …). */
  env?: Record<string, string>;
  /** HAProxy's port (default: a free one). */
  port?: number;
  /** How often HAProxy checks each node's `/readyz`, and how long one check may take. */
  checkIntervalMs?: number;
  checkTimeoutMs?: number;
}

/** Starts PostgreSQL, the nodes, then HAProxy in front of them. */
export async function startLocalCluster(options: LocalClusterOptions): Promise<LocalCluster> {
  const slots = Math.max(options.slots ?? options.nodes, options.nodes);
  const entry = options.entry ?? 'collab-server/main.ts';
  const secret = randomBytes(32).toString('base64url');
  const root = await mkdtemp(path.join(os.tmpdir(), 'quire-cluster-'));
  const postgres = await startPostgres();
  const ports: number[] = [];
  for (let i = 0; i < slots; i++) ports.push(await freePort());
  const nodes: Array<ServerProcess | null> = ports.map(() => null);

  const startNode = async (index: number) => {
    if (nodes[index]) throw new Error(`node ${index + 1} is running already`);
    const node = await ServerProcess.start(entry, {
      DATABASE_URL: postgres.url,
      AUTH_SECRET: secret,
      PORT: String(ports[index]),
      NODE_ID: `node${index + 1}`,
      DATA_DIR: path.join(root, `node${index + 1}`),
      TRUST_PROXY: 'loopback',
      ...options.env,
    });
    nodes[index] = node;
    return node;
  };
  const stopNode = async (index: number, signal: NodeJS.Signals = 'SIGTERM') => {
    const node = nodes[index];
    nodes[index] = null;
    await node?.stop(signal);
  };

  let haproxy: HaproxyServer | undefined;
  try {
    await Promise.all(Array.from({ length: options.nodes }, (_, index) => startNode(index)));
    haproxy = await startHaproxy(ports, { port: options.port, checkIntervalMs: options.checkIntervalMs, checkTimeoutMs: options.checkTimeoutMs });
  } catch (error) {
    await Promise.all(nodes.map((_, index) => stopNode(index, 'SIGKILL')));
    await postgres.destroy();
    await rm(root, { recursive: true, force: true });
    throw error;
  }
  const proxy = haproxy;
  return {
    postgres,
    haproxy: proxy,
    secret,
    ports,
    nodes,
    startNode,
    stopNode,
    lastWarnings: (count = 15) =>
      nodes
        .filter((node) => node !== null)
        .map((node) => {
          const lines = node.output.split('\n').filter((line) => /"level":(40|50|60)/.test(line) || (line !== '' && !line.startsWith('{')));
          return `node on port ${node.port}, last warnings:\n${lines.slice(-count).join('\n')}`;
        })
        .join('\n'),
    stop: async () => {
      // A paused node would never answer SIGTERM.
      for (const node of nodes) node?.child.kill('SIGCONT');
      await proxy.stop();
      await Promise.all(nodes.map((_, index) => stopNode(index, 'SIGKILL')));
      await postgres.destroy();
      await rm(root, { recursive: true, force: true });
    },
  };
}
