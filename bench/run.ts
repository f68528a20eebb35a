/**
 * `npm run bench [-- --quick] [-- --only=fanOut,memory] [-- --systems=quire,hocuspocus]`
 *
 * Starts each system as its own process, drives the same workloads against each with real
 * clients, prints a table and writes the results (JSON, Markdown, SVG charts) under
 * `bench/results/` (`bench/results/quick/` for quick runs). See BENCHMARKS.md.
 */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { exitOnStopSignals } from '../testing/childLifetime';
import { barPanels, lineChart, SYSTEM_COLORS } from './charts';
import { automergePaper, documentOfSize } from './fixtures';
import { type BenchResults, checkTargets, markdown } from './report';
import { hocuspocusControl, hocuspocusDatabase, SYSTEMS, type SystemId } from './systems';
import { cluster } from './workloads/cluster';
import { coldLoad, plainApplyMs } from './workloads/coldLoad';
import type { WorkloadContext } from './workloads/common';
import { conversionBombs } from './workloads/conversionBombs';
import { durability } from './workloads/durability';
import { fanOut } from './workloads/fanOut';
import { joinStorm } from './workloads/joinStorm';
import { manyDocuments } from './workloads/manyDocuments';
import { memory } from './workloads/memory';

/** The compared systems, and the full-state-saving baseline the durability workload adds. */
const ALL_SYSTEMS = [...SYSTEMS, hocuspocusDatabase];
const WORKLOADS = ['fanOut', 'manyDocuments', 'memory', 'coldLoad', 'durability', 'joinStorm', 'conversionBombs', 'cluster'] as const;
type WorkloadName = (typeof WORKLOADS)[number];

function parseArgs(argv: string[]): { quick: boolean; only: WorkloadName[]; systems: SystemId[]; redraw: boolean } {
  let quick = false;
  let redraw = false;
  let only: WorkloadName[] = [...WORKLOADS];
  let systems: SystemId[] = ALL_SYSTEMS.map((system) => system.id);
  for (const arg of argv) {
    if (arg === '--quick') quick = true;
    else if (arg === '--redraw') redraw = true;
    else if (arg.startsWith('--only=')) {
      only = arg.slice('--only='.length).split(',') as WorkloadName[];
      const unknown = only.filter((name) => !WORKLOADS.includes(name));
      if (unknown.length) throw new Error(`unknown workload(s) ${unknown.join(', ')}; expected some of ${WORKLOADS.join(', ')}`);
    } else if (arg.startsWith('--systems=')) {
      systems = arg.slice('--systems='.length).split(',') as SystemId[];
      const unknown = systems.filter((id) => !ALL_SYSTEMS.some((system) => system.id === id));
      if (unknown.length) throw new Error(`unknown system(s) ${unknown.join(', ')}; expected some of ${ALL_SYSTEMS.map((s) => s.id).join(', ')}`);
    } else throw new Error(`unknown argument ${arg}; use --quick, --only=<workloads>, --systems=<systems>, --redraw`);
  }
  return { quick, only, systems, redraw };
}

const args = parseArgs(process.argv.slice(2));
const here = path.dirname(fileURLToPath(import.meta.url));
const folder = path.join(here, 'results', args.quick ? 'quick' : '');
if (args.redraw) {
  // Rewrites the table and the charts from the latest results, without measuring anything.
  const latest = JSON.parse(await readFile(path.join(folder, 'latest.json'), 'utf8')) as BenchResults;
  await writeFile(path.join(folder, 'latest.md'), `${markdown(latest)}\n`);
  await writeCharts(latest, folder);
  console.log(`redrew ${path.relative(process.cwd(), folder) || '.'}/latest.md and the charts from latest.json`);
  process.exit(0);
}
const systems = SYSTEMS.filter((system) => args.systems.includes(system.id));
const durabilitySystems = ALL_SYSTEMS.filter((system) => args.systems.includes(system.id));
const began = performance.now();
const context: WorkloadContext = {
  quick: args.quick,
  log: (message) => console.log(`[${((performance.now() - began) / 1000).toFixed(0).padStart(4)} s] ${message}`),
};
exitOnStopSignals(context.log);
const results: BenchResults = {
  quick: args.quick,
  startedAt: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryBytes: os.totalmem(),
    node: process.version,
    platform: `${os.type()} ${os.release()}`,
    loadAverageAtStart: os.loadavg(),
  },
  systems: durabilitySystems.map(({ id, label, acks, persistent }) => ({ id, label, acks, persistent })),
};
const run = async <T>(name: WorkloadName, work: () => Promise<T>): Promise<T | undefined> => {
  if (!args.only.includes(name)) return undefined;
  context.log(`— ${name}`);
  return work();
};

context.log(
  `${args.quick ? 'quick' : 'full'} run: ${systems.map((s) => s.label).join(', ')}; load average ${os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ')}`,
);
// Build the shared documents before any timing starts.
automergePaper();
documentOfSize(160_000);

// A full run measures a second bare Hocuspocus beside the first in the fan-out: how far apart two
// identical servers land says how far apart Quire and Hocuspocus can land by chance.
const withControl = !args.quick && args.systems.includes('quire') && args.systems.includes('hocuspocus');
results.fanOut = await run('fanOut', () => fanOut(withControl ? [...systems, hocuspocusControl] : systems, context));
results.manyDocuments = await run('manyDocuments', () => manyDocuments(systems, context));
results.memory = await run('memory', async () => {
  const bySystem: BenchResults['memory'] = {};
  for (const [index, system] of systems.entries()) bySystem[system.id] = await memory(system, context, 20 + index * 3);
  return bySystem;
});
results.coldLoad = await run('coldLoad', async () => {
  const bySystem: NonNullable<BenchResults['coldLoad']>['bySystem'] = {};
  for (const system of systems) bySystem[system.id] = await coldLoad(system, context);
  return { plainApplyMs: plainApplyMs(automergePaper().state), bySystem };
});
results.durability = await run('durability', async () => {
  const bySystem: BenchResults['durability'] = {};
  for (const [index, system] of durabilitySystems.entries()) bySystem[system.id] = await durability(system, context, 40 + index);
  return bySystem;
});
results.joinStorm = await run('joinStorm', async () => {
  const bySystem: BenchResults['joinStorm'] = {};
  for (const [index, system] of systems.entries()) bySystem[system.id] = await joinStorm(system, context, 50 + index);
  return bySystem;
});
// Only Quire converts content: the other systems have no content API.
if (args.systems.includes('quire')) results.conversionBombs = await run('conversionBombs', () => conversionBombs(context));
// Quire's own nodes only (with PostgreSQL and HAProxy when installed; skipped, saying why, otherwise).
if (args.systems.includes('quire')) results.cluster = await run('cluster', () => cluster(context));
results.targets = checkTargets(results);
results.finishedAt = new Date().toISOString();
results.machine.loadAverageAtEnd = os.loadavg();

const table = markdown(results);
console.log(`\n${table}`);
await mkdir(folder, { recursive: true });
const stamp = results.startedAt.replace(/[:.]/g, '-');
await writeFile(path.join(folder, `run-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(path.join(folder, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
await writeFile(path.join(folder, 'latest.md'), `${table}\n`);
await writeCharts(results, folder);
context.log(`results written to ${path.relative(process.cwd(), folder) || '.'}/ (latest.json, latest.md, run-${stamp}.json, *.svg)`);
process.exit(0);

async function writeCharts(results: BenchResults, folder: string): Promise<void> {
  const label = (id: SystemId) => results.systems.find((system) => system.id === id)?.label ?? id;
  const shortLabel = (id: SystemId) =>
    ({
      quire: 'Quire',
      hocuspocus: 'Hocuspocus',
      'y-websocket': 'y-websocket',
      'hocuspocus-database': 'HP + database',
      'hocuspocus-control': 'Hocuspocus (2nd)',
    })[id];
  if (results.fanOut) {
    const sizes = [...new Set(Object.values(results.fanOut).flatMap((rows) => rows?.map((row) => row.clients) ?? []))].sort((a, b) => a - b);
    const compared = Object.entries(results.fanOut).filter(([id]) => id !== hocuspocusControl.id);
    const series = compared.flatMap(([id, rows]) => [
      { label: `${label(id as SystemId)} p99`, color: SYSTEM_COLORS[id], points: (rows ?? []).map((row) => [row.clients, row.p99] as [number, number]) },
      {
        label: `${label(id as SystemId)} p50`,
        color: SYSTEM_COLORS[id],
        dashed: true,
        points: (rows ?? []).map((row) => [row.clients, row.p50] as [number, number]),
      },
    ]);
    const svg = lineChart({
      title: 'Fan-out: remote-apply latency against clients on one document',
      xLabel: 'clients typing (5 keystrokes/s each)',
      yLabel: 'latency, ms',
      series,
      xTicks: sizes,
    });
    await writeFile(path.join(folder, 'latency.svg'), svg);
  }
  if (results.memory) {
    const entries = Object.entries(results.memory) as Array<[SystemId, NonNullable<BenchResults['memory']>[SystemId]]>;
    const svg = barPanels({
      title: 'Server memory (RSS after full GC)',
      groups: [
        {
          title: 'per idle connection',
          unit: 'KB',
          bars: entries.map(([id, m]) => ({ label: shortLabel(id), color: SYSTEM_COLORS[id], value: (m?.perConnection ?? 0) / 1e3 })),
        },
        {
          title: 'per loaded document (automerge-paper)',
          unit: 'MB',
          bars: entries.map(([id, m]) => ({ label: shortLabel(id), color: SYSTEM_COLORS[id], value: (m?.perDocument ?? 0) / 1e6 })),
        },
      ],
    });
    await writeFile(path.join(folder, 'memory.svg'), svg);
  }
}
