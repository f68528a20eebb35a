import { bytes, ms, ratio } from './stats';
import type { SystemId } from './systems';
import { type ClusterResult, clusterTable } from './workloads/cluster';
import type { ColdLoadResult } from './workloads/coldLoad';
import { type ConversionBombsResult, conversionBombsTable, STALL_GOAL_MS } from './workloads/conversionBombs';
import type { DurabilityResult } from './workloads/durability';
import type { FanOutResult } from './workloads/fanOut';
import type { JoinStormResult } from './workloads/joinStorm';
import type { ManyDocumentsResult } from './workloads/manyDocuments';
import type { MemoryResult } from './workloads/memory';

/** Everything one run measured; written as JSON under `bench/results/`. */
export interface BenchResults {
  quick: boolean;
  startedAt: string;
  finishedAt?: string;
  machine: { cpus: number; cpuModel: string; memoryBytes: number; node: string; platform: string; loadAverageAtStart: number[]; loadAverageAtEnd?: number[] };
  systems: Array<{ id: SystemId; label: string; acks: string; persistent: boolean }>;
  fanOut?: Partial<Record<SystemId, FanOutResult[]>>;
  manyDocuments?: Partial<Record<SystemId, ManyDocumentsResult>>;
  memory?: Partial<Record<SystemId, MemoryResult>>;
  coldLoad?: { plainApplyMs: number; bySystem: Partial<Record<SystemId, ColdLoadResult>> };
  durability?: Partial<Record<SystemId, DurabilityResult>>;
  joinStorm?: Partial<Record<SystemId, JoinStormResult>>;
  conversionBombs?: ConversionBombsResult;
  cluster?: ClusterResult;
  targets?: Target[];
}

/** One of the goals, checked against this run. */
export interface Target {
  name: string;
  goal: string;
  measured: number | null;
  limit: number;
  met: boolean | null;
  /** The same ratio between two processes of bare Hocuspocus in this run, where the run measured one. */
  control?: number;
  /** What `measured` and `limit` count: a ratio (the default) or milliseconds. */
  unit?: 'ms';
}

const Q: SystemId = 'quire';
const H: SystemId = 'hocuspocus';
const Y: SystemId = 'y-websocket';
const FULL_STATE: SystemId = 'hocuspocus-database';
const CONTROL: SystemId = 'hocuspocus-control';

/** Checks the goals against a run's results (ratios within the same run). */
export function checkTargets(results: BenchResults): Target[] {
  const targets: Target[] = [];
  const add = (name: string, goal: string, measured: number | null | undefined, limit: number, control?: number) => {
    const value = measured === undefined || measured === null || !Number.isFinite(measured) ? null : measured;
    targets.push({ name, goal, measured: value, limit, met: value === null ? null : value <= limit, ...(control === undefined ? {} : { control }) });
  };
  const ours = results.fanOut?.[Q] ?? [];
  for (const row of ours) {
    const floor = results.fanOut?.[H]?.find((other) => other.clients === row.clients);
    const twin = results.fanOut?.[CONTROL]?.find((other) => other.clients === row.clients);
    add(`fan-out p99, N=${row.clients}`, '≤ 1.0× bare Hocuspocus', floor ? row.p99 / floor.p99 : null, 1.0, floor && twin ? twin.p99 / floor.p99 : undefined);
  }
  const memory = results.memory;
  if (memory?.[Q] && memory[Y]) {
    add('memory per idle connection', '≤ 1.0× y-websocket', memory[Q].perConnection / memory[Y].perConnection, 1.0);
    add('memory per idle document', '≤ 1.0× y-websocket', memory[Q].perDocument / memory[Y].perDocument, 1.0);
  }
  const cold = results.coldLoad;
  if (cold?.bySystem[Q]) {
    const ourCold = cold.bySystem[Q];
    add('cold load, compacted', '≤ 1.5× plain Y.applyUpdate', ourCold.fromSnapshot === null ? null : ourCold.fromSnapshot / cold.plainApplyMs, 1.5);
    const theirs = cold.bySystem[Y];
    if (theirs) {
      const theirLog = theirs.fromLogTimedOut ? Number.POSITIVE_INFINITY : theirs.fromLog;
      const value = ourCold.fromLog === null || theirLog === null ? null : theirLog === Number.POSITIVE_INFINITY ? 0 : ourCold.fromLog / theirLog;
      add('cold load, log', '≤ 1.0× y-websocket', value, 1.0);
    }
  }
  const durable = results.durability?.[Q];
  const fullState = results.durability?.[FULL_STATE];
  if (durable && fullState) {
    add('disk bytes per update byte', '≤ 0.5× full-state saving (both measured)', durable.diskBytesPerUpdateByte / fullState.diskBytesPerUpdateByte, 0.5);
  } else if (durable) {
    add('disk bytes per update byte', '≤ 0.5× full-state saving (computed payload)', durable.diskBytesPerUpdateByte / durable.fullStateBytesPerUpdateByte, 0.5);
  }
  const bombs = results.conversionBombs;
  if (bombs) {
    const goal = `≤ ${STALL_GOAL_MS} ms`;
    const stall = bombs.worstServerLoopDelay;
    const healthz = bombs.worstHealthz;
    targets.push({
      name: 'worst event-loop stall under conversion bombs',
      goal,
      measured: stall,
      limit: STALL_GOAL_MS,
      met: stall <= STALL_GOAL_MS,
      unit: 'ms',
    });
    targets.push({
      name: 'worst /healthz answer under conversion bombs',
      goal,
      measured: healthz,
      limit: STALL_GOAL_MS,
      met: healthz <= STALL_GOAL_MS,
      unit: 'ms',
    });
  }
  const typing = results.cluster?.typing;
  const single = typing?.find((row) => row.id === 'leveldb');
  const twoNodes = typing?.find((row) => row.id === 'hashed');
  if (single && twoNodes) {
    add('cluster CPU per keystroke, two nodes behind HAProxy', '≤ 1.1× one node on LevelDB', twoNodes.cpuPerKeystroke / single.cpuPerKeystroke, 1.1);
    add(
      'cluster CPU per keystroke above idle, two nodes behind HAProxy',
      '≤ 1.1× one node on LevelDB',
      twoNodes.cpuPerKeystrokeAboveIdle / single.cpuPerKeystrokeAboveIdle,
      1.1,
    );
  }
  return targets;
}

/** The results as Markdown tables (the "latest table" in BENCHMARKS.md). */
export function markdown(results: BenchResults): string {
  const label = (id: SystemId) => results.systems.find((system) => system.id === id)?.label ?? id;
  const ids = results.systems.map((system) => system.id).filter((id) => id !== FULL_STATE);
  const lines: string[] = [];
  const table = (header: string[], rows: string[][]) => {
    lines.push(`| ${header.join(' | ')} |`, `| ${header.map(() => '---').join(' | ')} |`);
    for (const row of rows) lines.push(`| ${row.join(' | ')} |`);
    lines.push('');
  };

  if (results.fanOut) {
    lines.push(
      '**1. Fan-out** — one document, N clients typing 5 keystrokes/s each; remote-apply latency p50 / p99 over the samples of all rounds, and the lowest and highest p99 of a single round.',
      '',
    );
    const sizes = [...new Set(Object.values(results.fanOut).flatMap((rows) => rows?.map((row) => row.clients) ?? []))];
    const hasControl = Boolean(results.fanOut[CONTROL]?.length);
    table(
      [
        'N',
        ...ids.map((id) => `${label(id)} p50 / p99`),
        'p99 ratio Quire / Hocuspocus',
        ...(hasControl ? ['p99 ratio second Hocuspocus / Hocuspocus (control)'] : []),
      ],
      sizes.map((n) => {
        const cell = (id: SystemId) => {
          const row = results.fanOut?.[id]?.find((r) => r.clients === n);
          if (!row) return '–';
          const spread = row.p99Rounds?.length > 1 ? ` (rounds ${ms(Math.min(...row.p99Rounds))}–${ms(Math.max(...row.p99Rounds))})` : '';
          return `${ms(row.p50)} / ${ms(row.p99)}${spread}`;
        };
        const ours = results.fanOut?.[Q]?.find((r) => r.clients === n);
        const floor = results.fanOut?.[H]?.find((r) => r.clients === n);
        const twin = results.fanOut?.[CONTROL]?.find((r) => r.clients === n);
        const control = hasControl ? [twin && floor ? ratio(twin.p99 / floor.p99) : '–'] : [];
        return [String(n), ...ids.map(cell), ours && floor ? ratio(ours.p99 / floor.p99) : '–', ...control];
      }),
    );
    table(
      ['N', ...ids.map((id) => `${label(id)}: server CPU per delivery · messages out/s`)],
      sizes.map((n) => [
        String(n),
        ...ids.map((id) => {
          const row = results.fanOut?.[id]?.find((r) => r.clients === n);
          return row ? `${row.cpuPerDelivery.toFixed(1)} µs · ${Math.round(row.messagesPerSecond)}/s` : '–';
        }),
      ]),
    );
  }
  if (results.manyDocuments) {
    lines.push('**2. Many documents** — M documents × 3 typists; the most documents served with p99 ≤ 100 ms.', '');
    table(
      ['', ...ids.map(label)],
      [
        [
          'M reached',
          ...ids.map((id) => {
            const result = results.manyDocuments?.[id];
            return result ? `${result.reached}${result.capped ? '+ (largest step tried)' : ''}` : '–';
          }),
        ],
        ['p99 at each M', ...ids.map((id) => results.manyDocuments?.[id]?.steps.map((step) => `${step.documents}: ${Math.round(step.p99)}`).join(', ') ?? '–')],
      ],
    );
  }
  if (results.memory) {
    lines.push('**3. Memory** — server RSS growth after full GCs.', '');
    const mem = results.memory;
    table(
      ['', ...ids.map(label), 'Quire / y-websocket'],
      [
        [
          `per idle connection (${mem[Q]?.connections ?? mem[Y]?.connections ?? '?'} connections)`,
          ...ids.map((id) => bytes(mem[id]?.perConnection)),
          ratio(mem[Q] && mem[Y] ? mem[Q].perConnection / mem[Y].perConnection : null),
        ],
        [
          `per loaded idle document (${mem[Q]?.documents ?? mem[Y]?.documents ?? '?'} × automerge-paper, one connection each)`,
          ...ids.map((id) => bytes(mem[id]?.perDocument)),
          ratio(mem[Q] && mem[Y] ? mem[Q].perDocument / mem[Y].perDocument : null),
        ],
      ],
    );
  }
  if (results.coldLoad) {
    const cold = results.coldLoad;
    const entries = Object.values(cold.bySystem)[0]?.logEntries;
    lines.push(
      `**4. Cold load** — automerge-paper (${bytes(Object.values(cold.bySystem)[0]?.stateBytes)} state); time until a new client holds the document. Plain \`Y.applyUpdate\` of the state: ${ms(cold.plainApplyMs)}.`,
      '',
    );
    table(
      ['', ...ids.map(label)],
      [
        [
          `from a log of ${entries} updates`,
          ...ids.map((id) => {
            const result = cold.bySystem[id];
            if (!result || result.fromSnapshot === null) return 'no persistence';
            return result.fromLogTimedOut ? 'did not finish (timed out)' : ms(result.fromLog);
          }),
        ],
        [
          'from the compacted state',
          ...ids.map((id) => {
            const result = cold.bySystem[id];
            if (!result || result.fromSnapshot === null) return 'no persistence';
            return `${ms(result.fromSnapshot)} (${ratio(result.fromSnapshot / cold.plainApplyMs)} plain apply)`;
          }),
        ],
        [
          '… of which connecting (the WebSocket open)',
          ...ids.map((id) => {
            const connectMs = cold.bySystem[id]?.snapshotConnectMs;
            return typeof connectMs === 'number' && Number.isFinite(connectMs) ? ms(connectMs) : '–';
          }),
        ],
      ],
    );
  }
  if (results.durability) {
    const d = results.durability;
    const durabilityIds = results.systems.map((system) => system.id).filter((id) => d[id]);
    const any = Object.values(d)[0];
    lines.push(
      `**5. Durability cost** — ${any?.documents} documents of 160 KB × 3 typists for ${any?.seconds} s. Full-state saving = \`Y.encodeStateAsUpdate\` of the document at each debounced store (2 s, at most 10 s), computed for the same session.`,
      '',
    );
    table(
      ['', ...durabilityIds.map(label)],
      [
        [
          'edit → acknowledgement p50 / p99',
          ...durabilityIds.map((id) => {
            const result = d[id];
            if (!result || result.ackP50 === null) return 'no acknowledgements';
            return `${ms(result.ackP50)} / ${ms(result.ackP99)}${result.acks === 'durable' ? ' (on disk)' : ' (in memory only)'}`;
          }),
        ],
        [
          'synced batches (fsyncs) · log compactions',
          ...durabilityIds.map((id) => (d[id]?.syncedBatches !== undefined ? `${d[id].syncedBatches} · ${d[id].compactions}` : '–')),
        ],
        ['disk bytes written per update byte', ...durabilityIds.map((id) => (d[id] ? d[id].diskBytesPerUpdateByte.toFixed(1) : '–'))],
        ['full-state saving, payload bytes per update byte', ...durabilityIds.map((id) => (d[id] ? d[id].fullStateBytesPerUpdateByte.toFixed(1) : '–'))],
        ['full-state saving at every acknowledgement', ...durabilityIds.map((id) => (d[id] ? d[id].fullStatePerUpdateBytes.toFixed(0) : '–'))],
      ],
    );
  }
  if (results.joinStorm) {
    const j = results.joinStorm;
    const any = Object.values(j)[0];
    lines.push(`**6. Join storm** — ${any?.clients} clients join one ${bytes(any?.documentBytes)} document within one second.`, '');
    table(
      ['', ...ids.map(label)],
      [
        ['all synced after', ...ids.map((id) => ms(j[id]?.allSyncedMs))],
        ['per join p50 / p99', ...ids.map((id) => (j[id] ? `${ms(j[id].joinP50)} / ${ms(j[id].joinP99)}` : '–'))],
        ['worst server event-loop delay', ...ids.map((id) => ms(j[id]?.serverLoopDelayMax))],
      ],
    );
  }
  if (results.conversionBombs) lines.push(...conversionBombsTable(results.conversionBombs));
  if (results.cluster) lines.push(...clusterTable(results.cluster));
  if (results.targets?.length) {
    lines.push('**Targets** (ratios from this run)', '');
    const withControl = results.targets.some((target) => target.control !== undefined);
    table(
      ['target', 'goal', 'measured', 'met', ...(withControl ? ['control (two bare Hocuspocus processes)'] : [])],
      results.targets.map((target) => [
        target.name,
        target.goal,
        target.unit === 'ms' ? ms(target.measured) : ratio(target.measured),
        target.met === null ? '–' : target.met ? 'yes' : '**no**',
        ...(withControl ? [target.control === undefined ? '' : ratio(target.control)] : []),
      ]),
    );
  }
  return lines.join('\n');
}
