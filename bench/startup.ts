/**
 * `npx tsx bench/startup.ts [--runs 5] [--idle-ms 10000] [--cwd <folder>] -- <command…>`
 *
 * Start time and idle memory of a server command (for example `npm start`): each run starts the
 * command on a free port over a new data folder, with stdout piped (so it logs JSON lines), times
 * spawn → the `listening` line, waits `--idle-ms` with no client, then reads the resident memory
 * of every process of its group (npm, the server, any helper), sends SIGTERM to the group and waits for
 * its process group to exit. Prints one line per run and the median. See BENCHMARKS.md ("Start time and memory").
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { exitOnStopSignals } from '../testing/childLifetime';

const { values, positionals } = parseArgs({
  options: { runs: { type: 'string', default: '5' }, 'idle-ms': { type: 'string', default: '10000' }, cwd: { type: 'string', default: process.cwd() } },
  allowPositionals: true,
});
const runs = Number(values.runs);
const idleMs = Number(values['idle-ms']);
if (positionals.length === 0 || !(runs > 0) || !(idleMs >= 0)) {
  console.error('usage: npx tsx bench/startup.ts [--runs N] [--idle-ms N] [--cwd <folder>] -- <command…>');
  process.exit(2);
}

interface Member {
  pid: number;
  rssMiB: number;
  command: string;
}

/** The processes of process group `group`, with their resident memory. */
function groupMembers(group: number): Member[] {
  const members: Member[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== group) continue;
      const rssKiB = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1] ?? 0);
      const command = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim();
      members.push({ pid: Number(entry), rssMiB: rssKiB / 1024, command });
    } catch {
      // Gone meanwhile.
    }
  }
  return members;
}

// Stopping this run stops the command being measured too (it runs in a process group of its own).
exitOnStopSignals((message) => console.log(message));
let measured: number | null = null;
process.on('exit', () => {
  if (measured !== null && groupMembers(measured).length > 0) process.kill(-measured, 'SIGKILL');
});

const median = (numbers: number[]) => [...numbers].sort((a, b) => a - b)[Math.floor(numbers.length / 2)];
const results: Array<{ startMs: number; serverMiB: number; treeMiB: number }> = [];
console.log(`${positionals.join(' ')} in ${values.cwd}; Node ${process.version}; load average ${os.loadavg()[0].toFixed(1)}`);

for (let run = 1; run <= runs; run++) {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'startup-bench-'));
  const started = performance.now();
  const child = spawn(positionals[0], positionals.slice(1), {
    cwd: values.cwd,
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir },
  });
  measured = child.pid as number;
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const startMs = await new Promise<number>((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      if (output.includes('"event":"listening"')) resolve(performance.now() - started);
    });
    child.stderr.on('data', (chunk) => {
      output += chunk;
    });
    void exited.then(() => reject(new Error(`the command exited before listening:\n${output}`)));
  });
  await new Promise((resolve) => setTimeout(resolve, idleMs));
  const members = groupMembers(child.pid as number);
  const server = members.reduce((largest, member) => (member.rssMiB > largest.rssMiB ? member : largest));
  const treeMiB = members.reduce((sum, member) => sum + member.rssMiB, 0);
  results.push({ startMs, serverMiB: server.rssMiB, treeMiB });
  console.log(
    `run ${run}: listening after ${Math.round(startMs)} ms; idle RSS: server ${server.rssMiB.toFixed(0)} MiB, ` +
      `all ${members.length} processes ${treeMiB.toFixed(0)} MiB (${members.map((member) => `${member.command.slice(0, 40)}: ${member.rssMiB.toFixed(0)}`).join('; ')})`,
  );
  // The whole group: the point here is not how the command handles signals (see the process tests).
  process.kill(-(child.pid as number), 'SIGTERM');
  await exited;
  for (let waited = 0; groupMembers(child.pid as number).length > 0 && waited < 10_000; waited += 50) await new Promise((resolve) => setTimeout(resolve, 50));
  if (groupMembers(child.pid as number).length > 0) process.kill(-(child.pid as number), 'SIGKILL');
  rmSync(dataDir, { recursive: true, force: true });
}
console.log(
  `median of ${runs}: listening after ${Math.round(median(results.map((result) => result.startMs)))} ms; idle RSS: server ` +
    `${median(results.map((result) => result.serverMiB)).toFixed(0)} MiB, all processes ${median(results.map((result) => result.treeMiB)).toFixed(0)} MiB`,
);
