/**
 * The soak test: `npm run soak` (about 30 minutes) or `npm run soak -- --minutes 5`.
 *
 * 1. Churn: a real collab-server process; virtual users of both protocols open random documents
 *    among 1,000, edit, wait for the durable acknowledgement, and leave. The server's RSS is
 *    sampled throughout: after warm-up it must level off, and once everyone has left every
 *    document must unload.
 * 2. Ack-then-kill: rounds of typing and SIGKILL at random moments (200 in the full run); not one
 *    acknowledged update may be missing afterwards.
 *
 * Prints a summary and exits non-zero if any check fails. Options: --minutes N (default 30),
 * --users N (concurrent virtual users, default 24), --documents N (default 1000), --seed N.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { mintToken } from '../shared/token';
import { ackThenKillRound } from '../testing/ackThenKill';
import { exitOnStopSignals } from '../testing/childLifetime';
import { hocuspocusClient, yWebsocketClient } from '../testing/clients';
import { percentile } from '../testing/latencyProbe';
import { randomYEdit } from '../testing/randomEdits';
import { SeededRandom } from '../testing/seededRandom';
import { ServerProcess } from '../testing/serverProcess';
import { TEST_SECRET } from '../testing/testServer';
import { waitFor } from '../testing/waitFor';

const { values } = parseArgs({
  options: {
    minutes: { type: 'string', default: '30' },
    users: { type: 'string', default: '24' },
    documents: { type: 'string', default: '1000' },
    seed: { type: 'string' },
  },
});
const minutes = Number(values.minutes);
const users = Number(values.users);
const documentCount = Number(values.documents);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 32) : Number(values.seed);
for (const [name, value] of Object.entries({ minutes, users, documents: documentCount, seed })) {
  if (!Number.isFinite(value) || value <= 0) {
    console.error(`soak: --${name} must be a positive number (got "${values[name as keyof typeof values]}")`);
    process.exit(2);
  }
}

/** Two thirds of the time churns, the rest kills; the full 30 minutes run 200 kill rounds. */
const churnMs = minutes * 60_000 * (2 / 3);
const killRounds = Math.max(5, Math.round((200 * minutes) / 30));
const random = new SeededRandom(seed);
// Each y-websocket provider listens for the process' exit; many users at once are expected here.
process.setMaxListeners(users * 2 + 10);
const root = mkdtempSync(path.join(os.tmpdir(), 'quire-soak-'));
const log = (line: string) => console.log(`[soak ${new Date().toISOString().slice(11, 19)}] ${line}`);
const failures: string[] = [];
exitOnStopSignals(log);

log(
  `seed ${seed}; ${minutes} min: churn ${Math.round(churnMs / 60_000)} min with ${users} users over ${documentCount} documents, then ${killRounds} kill rounds`,
);

/** Resident memory of a process, in MiB. */
function rssMiB(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : Number.NaN;
}

/** One value of a gauge from the Prometheus text at /metrics. */
async function gauge(server: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${server.httpUrl}/metrics`)).text();
  const match = new RegExp(`^${name} (\\S+)$`, 'm').exec(text);
  return match ? Number(match[1]) : Number.NaN;
}

/**
 * The whole churn comes from one address and a few users, creating a document per connection:
 * the per-address and per-user limits meant for strangers would refuse most of it.
 */
const ONE_ADDRESS_LIMITS = {
  MAX_CREATIONS_PER_MINUTE: '1000000',
  MAX_NEW_CONNECTIONS_PER_MINUTE: '1000000',
  MAX_CONNECTIONS_PER_USER: '100000',
};

async function churn(): Promise<void> {
  const dataDir = path.join(root, 'churn');
  const server = await ServerProcess.start('collab-server/main.ts', { DATA_DIR: dataDir, PORT: '0', AUTH_SECRET: TEST_SECRET, ...ONE_ADDRESS_LIMITS });
  const pid = server.child.pid as number;
  const url = server.httpUrl.replace('http', 'ws');
  const started = Date.now();
  const deadline = started + churnMs;
  const touched = new Set<number>();
  const ackMs: number[] = [];
  let sessions = 0;
  let edits = 0;
  let errors = 0;
  const samples: Array<{ atMin: number; rss: number; documents: number; connections: number }> = [];

  const user = async (stream: SeededRandom) => {
    while (Date.now() < deadline) {
      const index = stream.int(0, documentCount - 1);
      const name = `soak-${String(index).padStart(4, '0')}`;
      const token = await mintToken(TEST_SECRET, { sub: `user-${index % 50}`, name: 'Soak', doc: name, role: 'editor' });
      const hocuspocus = stream.chance(0.6);
      const client = hocuspocus ? hocuspocusClient(`${url}/collab`, name, token) : yWebsocketClient(`${url}/y`, name, token);
      try {
        await client.synced();
        touched.add(index);
        sessions += 1;
        const count = stream.int(1, 8);
        for (let i = 0; i < count; i++) {
          randomYEdit(client.doc, stream);
          edits += 1;
          if (hocuspocus) {
            const sent = performance.now();
            await (client as ReturnType<typeof hocuspocusClient>).saved();
            ackMs.push(performance.now() - sent);
          }
          await new Promise((resolve) => setTimeout(resolve, stream.int(5, 150)));
        }
      } catch (error) {
        errors += 1;
        if (errors <= 5) log(`session on ${name} failed: ${(error as Error).message}`);
      } finally {
        client.destroy();
      }
      await new Promise((resolve) => setTimeout(resolve, stream.int(0, 100)));
    }
  };

  const sampler = setInterval(
    async () => {
      try {
        const sample = {
          atMin: (Date.now() - started) / 60_000,
          rss: rssMiB(pid),
          documents: await gauge(server, 'collab_documents_loaded'),
          connections: await gauge(server, 'collab_connections'),
        };
        samples.push(sample);
        log(
          `churn ${sample.atMin.toFixed(1)} min: RSS ${sample.rss.toFixed(0)} MiB, ${sample.documents} documents loaded, ${sample.connections} connections; ` +
            `${sessions} sessions, ${edits} edits, ${touched.size} documents touched`,
        );
      } catch (error) {
        log(`sampling failed: ${(error as Error).message}`);
      }
    },
    Math.min(30_000, Math.max(5_000, churnMs / 40)),
  );

  await Promise.all(Array.from({ length: users }, () => user(random.fork())));
  clearInterval(sampler);

  // Everyone has left: every document must unload (its writes are done), and memory follows.
  let unloaded = true;
  await waitFor(async () => (await gauge(server, 'collab_documents_loaded')) === 0 && (await gauge(server, 'collab_connections')) === 0, {
    timeoutMs: 60_000,
    message: 'every document to unload',
  }).catch(() => {
    unloaded = false;
  });
  const idleRss = rssMiB(pid);
  const idleDocuments = await gauge(server, 'collab_documents_loaded');
  const exitCode = await server.stop('SIGTERM');

  // Level-off: after the first third (warm-up), memory stops climbing. Compare the middle third's
  // median with the last third's, with room for allocator noise. Medians, not peaks: the server's
  // RSS has short spikes of up to ~100 MiB that fall back within a minute (seen at the same point
  // of every churn, before and after changes), and a single sample must not decide; a leak lifts
  // the median.
  const third = (from: number, to: number) => samples.filter((s) => s.atMin >= (churnMs / 60_000) * from && s.atMin < (churnMs / 60_000) * to);
  const rssOf = (list: typeof samples) => list.map((s) => s.rss);
  const middle = rssOf(third(1 / 3, 2 / 3));
  const last = rssOf(third(2 / 3, 1.01));
  const middleMedian = percentile(middle, 50);
  const lastMedian = percentile(last, 50);
  const levelsOff = middle.length > 0 && last.length > 0 && lastMedian <= middleMedian * 1.15 + 16;

  log('churn summary:');
  log(`  ${sessions} sessions (${errors} failed), ${edits} edits, ${touched.size} of ${documentCount} documents touched`);
  log(
    `  durable acknowledgement latency p50 ${percentile(ackMs, 50).toFixed(1)} ms, p99 ${percentile(ackMs, 99).toFixed(1)} ms, max ${percentile(ackMs, 100).toFixed(0)} ms`,
  );
  log(
    `  server RSS: median ${middleMedian.toFixed(0)} MiB in the middle third, ${lastMedian.toFixed(0)} MiB in the last third (${levelsOff ? 'levels off' : 'STILL GROWING'}); peaks ${percentile(middle, 100).toFixed(0)} and ${percentile(last, 100).toFixed(0)} MiB`,
  );
  log(`  after everyone left: ${idleDocuments} documents loaded, RSS ${idleRss.toFixed(0)} MiB; SIGTERM exit code ${exitCode}`);
  if (!levelsOff) failures.push(`RSS kept growing: median ${middleMedian.toFixed(0)} MiB → ${lastMedian.toFixed(0)} MiB`);
  if (!unloaded) failures.push(`${idleDocuments} documents stayed loaded with nobody connected`);
  if (exitCode !== 0) failures.push(`the churn server exited with ${exitCode} on SIGTERM`);
  if (errors > sessions * 0.01) failures.push(`${errors} of ${sessions + errors} sessions failed`);
}

async function kills(): Promise<void> {
  const dataDir = path.join(root, 'kill');
  let acknowledged = 0;
  let typed = 0;
  const lost: string[] = [];
  for (let round = 1; round <= killRounds; round++) {
    const server = await ServerProcess.start('collab-server/main.ts', {
      DATA_DIR: dataDir,
      PORT: '0',
      AUTH_SECRET: TEST_SECRET,
      COMPACT_LOG_ENTRIES: '25',
      ...ONE_ADDRESS_LIMITS,
    });
    const documents = [`kill-${round % 7}`, `kill-${(round * 3) % 7}`].filter((name, index, all) => all.indexOf(name) === index);
    const result = await ackThenKillRound({ server, dataDir, secret: TEST_SECRET, documents, random, round: `r${round}` });
    acknowledged += result.acknowledged;
    typed += result.typed;
    lost.push(...result.lost);
    if (round % 20 === 0 || round === killRounds) log(`kill rounds: ${round} of ${killRounds}, ${acknowledged} acknowledged, ${lost.length} lost`);
  }
  log('ack-then-kill summary:');
  log(`  ${killRounds} rounds survived, ${typed} items typed, ${acknowledged} acknowledged, ${lost.length} lost`);
  if (lost.length > 0) failures.push(`${lost.length} acknowledged items lost after SIGKILL, e.g. ${lost.slice(0, 3).join(', ')}`);
}

try {
  await churn();
  await kills();
} catch (error) {
  failures.push(`the soak stopped: ${(error as Error).stack ?? error}`);
} finally {
  rmSync(root, { recursive: true, force: true });
}
if (failures.length > 0) {
  log(`FAILED (seed ${seed}):\n  ${failures.join('\n  ')}`);
  process.exit(1);
}
log(`passed (seed ${seed})`);
process.exit(0);
