import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { OPTIONS } from '../../collab-server/configOptions';
import { mintToken } from '../../shared/token';
import { type HaproxyServer, haproxyPath, startHaproxy } from '../../testing/haproxy';
import { freePort, type PostgresServer, postgresBin, startPostgres } from '../../testing/postgres';
import { type BenchClient, connect, until } from '../clients';
import { processTreeCpuMicros } from '../processCpu';
import { BenchServerProcess } from '../serverProcess';
import { ms, percentile, ratio, sleep } from '../stats';
import { BENCH_AUTH_SECRET as BENCH_SECRET, quire, type RunningSystem } from '../systems';
import { TypingSession } from '../typing';
import { collectGarbage, disconnectAll, type WorkloadContext, withSystem } from './common';
import { KEYSTROKES_PER_SECOND } from './fanOut';

/** One configuration of the cluster workload: the same typing on one node or on two. */
export interface ClusterTypingResult {
  id: 'leveldb' | 'postgres' | 'hashed' | 'relayed';
  label: string;
  nodes: number;
  /** CPU of the Quire node processes (summed; PostgreSQL's own not counted) per keystroke typed, microseconds. */
  cpuPerKeystroke: number;
  /** The same per keystroke delivered to another client. */
  cpuPerDelivery: number;
  /**
   * CPU per keystroke above what the same nodes spend with the same clients connected and nobody
   * typing (lease renewals, timers, health): the cost that grows with typing. At this workload's
   * few keystrokes a second, each node's idle cost is a large part of `cpuPerKeystroke`.
   */
  cpuPerKeystrokeAboveIdle: number;
  /** CPU of the nodes per second with nobody typing, microseconds. */
  idleCpuPerSecond: number;
  /**
   * CPU of PostgreSQL (the postmaster and its backends) and HAProxy per keystroke typed,
   * microseconds: the work the one LevelDB node does in its own process (its storage) that the
   * other configurations hand to other processes. 0 for the LevelDB node.
   */
  externalCpuPerKeystroke: number;
  /** The same with nobody typing, per second. */
  externalIdleCpuPerSecond: number;
  /** Keystroke → applied by the other client of its document, ms (`relayed`: the two are on different nodes). */
  p50: number;
  p99: number;
  samples: number;
  keystrokesPerSecond: number;
}

/** Failover: an owner of documents killed (`kill -9`) while its documents are typed into through HAProxy. */
export interface FailoverResult {
  leaseTtlMs: number;
  /** Per round: kill → the first acknowledged edit of one of its documents on the other node, ms. */
  firstAck: number[];
  /** Per round: kill → every one of its documents acknowledged again, ms. */
  allAcked: number[];
  /** Documents the killed node held, per round. */
  documentsMoved: number[];
}

export interface ClusterResult {
  /** Why nothing was measured (PostgreSQL or HAProxy missing). */
  skipped?: string;
  documents?: number;
  clients?: number;
  seconds?: number;
  typing?: ClusterTypingResult[];
  failover?: FailoverResult;
}

/** Every node's limits as in the other workloads: every benchmark client is one user. */
const NODE_ENV = {
  LOG_LEVEL: 'info',
  MAX_CONNECTIONS_PER_USER: '1000000',
  MAX_CREATIONS_PER_MINUTE: '1000000',
  MAX_NEW_CONNECTIONS_PER_MINUTE: '1000000',
};

/** HAProxy's health checks as `cluster/haproxy.cfg` makes them (`haproxyConfig`'s defaults). */
const SHIPPED_CHECKS = { checkIntervalMs: 1000, checkTimeoutMs: 2000 };

/** The lease TTL the failover runs with: the default, as an operator gets it. */
const DEFAULT_LEASE_TTL_MS = OPTIONS.leaseTtlMs.default;

/**
 * Workload 8: Quire on several nodes. The same real typing (the editing traces, two typists per
 * document) on one node over LevelDB, one node over PostgreSQL, and two nodes over one PostgreSQL
 * with each document's typists on different nodes (so one of them is relayed to the owner and every
 * keystroke crosses nodes): CPU per keystroke summed over the nodes, and keystroke → remote
 * latency. Then failover: two nodes behind HAProxy, a node holding documents killed with SIGKILL,
 * and the time until the other node acknowledges an edit of them. Skipped, saying why, when
 * PostgreSQL or HAProxy is not installed.
 */
export async function cluster(context: WorkloadContext): Promise<ClusterResult> {
  const skipped = missingPrograms();
  if (skipped) {
    context.log(`cluster: skipped: ${skipped}`);
    return { skipped };
  }
  const documents = context.quick ? 3 : 6;
  const seconds = context.quick ? 5 : 15;
  const rounds = context.quick ? 1 : 2;
  const postgres = await startPostgres();
  try {
    const typing: ClusterTypingResult[] = [];
    const configurations = [
      { id: 'leveldb', label: 'one node, LevelDB', nodes: 1 },
      { id: 'postgres', label: 'one node, PostgreSQL', nodes: 1 },
      { id: 'hashed', label: 'two nodes, HAProxy hashing each document to its node', nodes: 2 },
      { id: 'relayed', label: 'two nodes, the typists of a document on different nodes', nodes: 2 },
    ] as const;
    const measured = new Map<string, Round[]>();
    for (let round = 0; round < rounds; round++) {
      for (const configuration of configurations) {
        const prefix = `${configuration.id}-${round}`;
        let result: Round;
        if (configuration.id === 'leveldb') {
          result = await withSystem(quire, (running) =>
            typingRound(
              [running],
              () => running,
              prefix,
              documents,
              seconds,
              () => 0,
            ),
          );
        } else {
          const url = await postgres.createDatabase(`bench_${configuration.id}_${round}`);
          const nodes = await startNodes(url, configuration.nodes, {});
          // The shipped configuration's health checks (one a second per node), as in the failover rounds.
          const haproxy =
            configuration.id === 'hashed'
              ? await startHaproxy(
                  nodes.map((node) => node.port),
                  SHIPPED_CHECKS,
                )
              : null;
          try {
            const running = nodes.map((node) => node.running);
            // Hashed: every client through HAProxy on /collab/<document>, so both typists reach the
            // node serving it. Relayed: each document's second typist on the other node, which
            // relays its frames to the owner (as a balancer that ignores the document would).
            const target = haproxy
              ? (document: string) => ({ ...running[0], url: `${haproxy.wsUrl}/collab/${encodeURIComponent(document)}` })
              : (_document: string, side: number) => running[side % running.length];
            const external = () => processTreeCpuMicros(postgres.pid()) + (haproxy ? processTreeCpuMicros(haproxy.pid) : 0);
            result = await typingRound(running, target, prefix, documents, seconds, external);
            if (haproxy) context.log(`cluster hashed: documents per node ${[...(await leaseHolders(url)).values()].map((names) => names.length).join(', ')}`);
          } finally {
            await haproxy?.stop();
            await Promise.all(nodes.map((node) => node.process.stop()));
          }
        }
        measured.set(configuration.id, [...(measured.get(configuration.id) ?? []), result]);
      }
    }
    for (const configuration of configurations) {
      const list = measured.get(configuration.id) ?? [];
      const latencies = list.flatMap((r) => r.latencies);
      const keystrokes = list.reduce((sum, r) => sum + r.keystrokes, 0);
      const deliveries = list.reduce((sum, r) => sum + r.deliveries, 0);
      const cpu = list.reduce((sum, r) => sum + r.cpuMicros, 0);
      const idleSeconds = list.reduce((sum, r) => sum + r.idleSeconds, 0);
      const idleCpuPerSecond = list.reduce((sum, r) => sum + r.idleCpuMicros, 0) / idleSeconds;
      const row: ClusterTypingResult = {
        ...configuration,
        cpuPerKeystroke: cpu / keystrokes,
        cpuPerDelivery: cpu / deliveries,
        cpuPerKeystrokeAboveIdle: (cpu - idleCpuPerSecond * seconds * list.length) / keystrokes,
        idleCpuPerSecond,
        externalCpuPerKeystroke: list.reduce((sum, r) => sum + r.externalCpuMicros, 0) / keystrokes,
        externalIdleCpuPerSecond: list.reduce((sum, r) => sum + r.externalIdleCpuMicros, 0) / idleSeconds,
        p50: percentile(latencies, 50),
        p99: percentile(latencies, 99),
        samples: latencies.length,
        keystrokesPerSecond: keystrokes / (list.length * seconds),
      };
      typing.push(row);
      context.log(
        `cluster ${row.label}: ${row.cpuPerKeystroke.toFixed(0)} µs CPU/keystroke (${row.cpuPerKeystrokeAboveIdle.toFixed(0)} µs above idle; idle ${(row.idleCpuPerSecond / 1000).toFixed(1)} ms CPU/s; PostgreSQL and HAProxy ${row.externalCpuPerKeystroke.toFixed(0)} µs/keystroke more, idle ${(row.externalIdleCpuPerSecond / 1000).toFixed(1)} ms/s), remote p50 ${row.p50.toFixed(1)} ms, p99 ${row.p99.toFixed(1)} ms, ${row.samples} samples`,
      );
    }
    const failover = await failoverRounds(postgres, context, context.quick ? 1 : 3);
    return { documents, clients: documents * 2, seconds, typing, failover };
  } finally {
    await postgres.destroy();
  }
}

/** Why PostgreSQL or HAProxy cannot be run here (not installed, or `PG_BIN` / `HAPROXY_PATH` wrong), or null. */
function missingPrograms(): string | null {
  try {
    const initdb = path.join(postgresBin(), 'initdb');
    if (!existsSync(initdb)) return `PostgreSQL is needed: ${initdb} does not exist; install it (apt-get install postgresql) or set PG_BIN`;
    const haproxy = haproxyPath();
    if (spawnSync(haproxy, ['-v']).error) return `HAProxy is needed: ${haproxy} does not run; install it (apt-get install haproxy) or set HAPROXY_PATH`;
    return null;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

interface Round {
  latencies: number[];
  keystrokes: number;
  deliveries: number;
  cpuMicros: number;
  /** CPU of the nodes over `idleSeconds` before the typing started. */
  idleCpuMicros: number;
  idleSeconds: number;
  /** CPU of PostgreSQL and HAProxy over the same two spans. */
  externalCpuMicros: number;
  externalIdleCpuMicros: number;
}

/** Two typists per document, each connected where `target` says; measures for `seconds` after a warm-up, CPU summed over `nodes`. */
async function typingRound(
  nodes: RunningSystem[],
  target: (document: string, side: number) => RunningSystem,
  prefix: string,
  documents: number,
  seconds: number,
  /** CPU of the processes besides the nodes (PostgreSQL, HAProxy) so far, microseconds. */
  external: () => number,
): Promise<Round> {
  collectGarbage();
  const clients: BenchClient[] = [];
  for (let d = 0; d < documents; d++) for (let side = 0; side < 2; side++) clients.push(connect(target(`${prefix}-${d}`, side), `${prefix}-${d}`));
  await until(() => clients.every((client) => client.synced), 60_000, `${clients.length} clients to sync`);
  const cpu = async () => (await Promise.all(nodes.map((node) => node.server.stats()))).reduce((sum, stats) => sum + stats.cpuMicros, 0);
  // The same nodes and clients with nobody typing: what the nodes cost regardless of the typing.
  const idleSeconds = Math.max(3, seconds / 3);
  await sleep(1000);
  const idleBefore = await cpu();
  const externalIdleBefore = external();
  await sleep(idleSeconds * 1000);
  const idleCpuMicros = (await cpu()) - idleBefore;
  const externalIdleCpuMicros = external() - externalIdleBefore;
  const session = new TypingSession();
  session.addTypists(clients);
  session.start(KEYSTROKES_PER_SECOND);
  await sleep(2000);
  session.measure();
  const before = await cpu();
  const externalBefore = external();
  await sleep(seconds * 1000);
  const after = await cpu();
  const externalCpuMicros = external() - externalBefore;
  session.endMeasurement();
  const keystrokes = session.keystrokes;
  session.stop();
  await disconnectAll(clients);
  // Two typists per document: each keystroke is delivered to the one other client.
  return {
    latencies: Array.from(session.latencies.values()),
    keystrokes,
    deliveries: keystrokes,
    cpuMicros: after - before,
    idleCpuMicros,
    idleSeconds,
    externalCpuMicros,
    externalIdleCpuMicros,
  };
}

interface Node {
  process: BenchServerProcess;
  running: RunningSystem;
  port: number;
}

/** Starts `count` nodes over the database at `url`, each on its own free port (HAProxy must know them before they start again). */
async function startNodes(url: string, count: number, env: Record<string, string>, ports?: number[]): Promise<Node[]> {
  const chosen = ports ?? (await Promise.all(Array.from({ length: count }, () => freePort())));
  return Promise.all(chosen.map((port, index) => startNode(url, index, port, env)));
}

async function startNode(url: string, index: number, port: number, env: Record<string, string>): Promise<Node> {
  const label = `Quire node${index + 1}`;
  const process = await BenchServerProcess.start(label, 'collab-server/main.ts', {
    ...NODE_ENV,
    DATABASE_URL: url,
    NODE_ID: `node${index + 1}`,
    PORT: String(port),
    AUTH_SECRET: BENCH_SECRET,
    ...env,
  });
  const token = await benchToken();
  const running: RunningSystem = {
    system: { ...quire, label },
    server: process,
    url: `ws://127.0.0.1:${port}/collab`,
    token,
    dataDir: '',
    stop: () => process.stop(),
  };
  return { process, running, port };
}

/** A token for every document, as the other workloads' clients have. */
function benchToken(): Promise<string> {
  return mintToken(BENCH_SECRET, { sub: 'bench', name: 'Bench', doc: '*', role: 'editor' }, 24 * 3600);
}

/** The documents each node holds the lease of (from the lease table). */
async function leaseHolders(url: string): Promise<Map<string, string[]>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const found = await client.query<{ name: string; owner: string }>('SELECT name, owner FROM quire_leases WHERE expires_at > clock_timestamp()');
    const byOwner = new Map<string, string[]>();
    for (const row of found.rows) byOwner.set(row.owner, [...(byOwner.get(row.owner) ?? []), row.name]);
    return byOwner;
  } finally {
    await client.end();
  }
}

/**
 * Two nodes behind HAProxy (the shipped configuration), one typist per document through it; each
 * round kills the node holding the most documents with SIGKILL and times the first acknowledged
 * edit of one of its documents (now served by the other node), and the moment all of them are
 * acknowledged again. The killed node is started again between rounds.
 */
export async function failoverRounds(
  postgres: PostgresServer,
  context: WorkloadContext,
  rounds: number,
  leaseTtlMs = DEFAULT_LEASE_TTL_MS,
  database = 'bench_failover',
): Promise<FailoverResult> {
  const url = await postgres.createDatabase(database);
  const documents = 6;
  // Another lease than the default renews four times per TTL, as the default does.
  const env: Record<string, string> =
    leaseTtlMs === DEFAULT_LEASE_TTL_MS ? {} : { LEASE_TTL_MS: String(leaseTtlMs), LEASE_RENEW_MS: String(Math.floor(leaseTtlMs / 4)) };
  const nodes = await startNodes(url, 2, env);
  let haproxy: HaproxyServer | undefined;
  const clients: BenchClient[] = [];
  const result: FailoverResult = { leaseTtlMs, firstAck: [], allAcked: [], documentsMoved: [] };
  try {
    haproxy = await startHaproxy(
      nodes.map((node) => node.port),
      SHIPPED_CHECKS,
    );
    const names = Array.from({ length: documents }, (_, i) => `failover-${i}`);
    const token = await benchToken();
    // Per round: when each document was first typed into after the kill, and when everything typed
    // into it up to a moment after that was acknowledged (by the node serving it now). A provider
    // that reconnects resets its count of unacknowledged changes, so only a count back at zero
    // with a keystroke after the kill counts as an acknowledged edit.
    let killedAt = Number.POSITIVE_INFINITY;
    const typedAfterKill = new Map<string, number>();
    const acknowledgedAfterKill = new Map<string, number>();
    for (const name of names) {
      const through: RunningSystem = { ...nodes[0].running, url: `${haproxy.wsUrl}/collab/${name}`, token };
      const client = connect(through, name);
      client.doc.on('update', (_update: Uint8Array, origin: unknown) => {
        if ((origin === null || origin === undefined) && performance.now() > killedAt && !typedAfterKill.has(name)) typedAfterKill.set(name, performance.now());
      });
      client.onAcknowledged(() => {
        if (client.unacknowledged === 0 && typedAfterKill.has(name) && !acknowledgedAfterKill.has(name)) acknowledgedAfterKill.set(name, performance.now());
      });
      clients.push(client);
    }
    await until(() => clients.every((client) => client.synced), 60_000, 'the failover clients to sync');
    const session = new TypingSession();
    session.addTypists(clients);
    session.start(KEYSTROKES_PER_SECOND);
    try {
      for (let round = 0; round < rounds; round++) {
        await sleep(3000);
        const holders = await leaseHolders(url);
        const held = (index: number) => holders.get(`node${index + 1}`) ?? [];
        const victimIndex = held(1).length > held(0).length ? 1 : 0;
        const victim = nodes[victimIndex];
        const moved = held(victimIndex);
        typedAfterKill.clear();
        acknowledgedAfterKill.clear();
        killedAt = performance.now();
        await victim.process.kill();
        await until(
          () => moved.every((name) => acknowledgedAfterKill.has(name)),
          leaseTtlMs * 6 + 30_000,
          `the documents of node${victimIndex + 1} to be acknowledged on the other node`,
          20,
        );
        const times = moved.map((name) => (acknowledgedAfterKill.get(name) ?? Number.NaN) - killedAt);
        const first = Math.min(...times);
        const all = Math.max(...times);
        killedAt = Number.POSITIVE_INFINITY;
        result.firstAck.push(first);
        result.allAcked.push(all);
        result.documentsMoved.push(moved.length);
        context.log(
          `cluster failover round ${round + 1}: node${victimIndex + 1} (${moved.length} documents) killed; first acknowledged edit on the other node after ${ms(first)}, all after ${ms(all)} (lease ${leaseTtlMs} ms)`,
        );
        nodes[victimIndex] = await startNode(url, victimIndex, victim.port, env);
      }
    } finally {
      session.stop();
    }
    return result;
  } finally {
    await disconnectAll(clients);
    await haproxy?.stop();
    await Promise.all(nodes.map((node) => node.process.stop()));
  }
}

/** The cluster section of the results table. */
export function clusterTable(result: ClusterResult): string[] {
  if (result.skipped) return [`**8. Cluster** — skipped: ${result.skipped}`, ''];
  const lines = [
    `**8. Cluster** — ${result.documents} documents × 2 typists replaying the editing traces at ${KEYSTROKES_PER_SECOND} keystrokes/s for ${result.seconds} s. CPU is the Quire processes' (summed over nodes); "with PostgreSQL and HAProxy" adds theirs (the LevelDB node's storage runs in its own process).`,
    '',
    '| | CPU per keystroke | × one node, LevelDB | above idle | × one node, LevelDB | idle CPU | with PostgreSQL and HAProxy | × one node, LevelDB | their idle CPU | keystroke → other client p50 / p99 | samples |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  const base = result.typing?.find((row) => row.id === 'leveldb');
  for (const row of result.typing ?? []) {
    lines.push(
      `| ${row.label} | ${row.cpuPerKeystroke.toFixed(0)} µs | ${base ? ratio(row.cpuPerKeystroke / base.cpuPerKeystroke) : '–'} | ${row.cpuPerKeystrokeAboveIdle.toFixed(0)} µs | ${base ? ratio(row.cpuPerKeystrokeAboveIdle / base.cpuPerKeystrokeAboveIdle) : '–'} | ${(row.idleCpuPerSecond / 1000).toFixed(1)} ms/s | ${withExternal(row).toFixed(0)} µs | ${base ? ratio(withExternal(row) / withExternal(base)) : '–'} | ${(row.externalIdleCpuPerSecond / 1000).toFixed(1)} ms/s | ${ms(row.p50)} / ${ms(row.p99)} | ${row.samples} |`,
    );
  }
  lines.push('');
  const failover = result.failover;
  if (failover) {
    lines.push(
      `Failover (two nodes behind HAProxy, lease ${failover.leaseTtlMs} ms, \`kill -9\` of the node holding the most documents): first acknowledged edit on the other node after ${failover.firstAck.map(ms).join(', ')}; all its documents (${failover.documentsMoved.join(', ')}) after ${failover.allAcked.map(ms).join(', ')}.`,
      '',
    );
  }
  return lines;
}

/** CPU per keystroke of the nodes, PostgreSQL and HAProxy together. */
function withExternal(row: ClusterTypingResult): number {
  return row.cpuPerKeystroke + row.externalCpuPerKeystroke;
}
