import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { killWithThisProcess } from '../testing/childLifetime';
import type { ProbeStats } from './servers/probe';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/**
 * A server under test, running as its own process with `bench/servers/probe.ts` preloaded
 * (every system gets the same probe, GC exposed and nothing else). It must print a JSON line
 * with `"event":"listening"` and its `port`.
 */
export class BenchServerProcess {
  private tail = '';
  private nextId = 1;
  private readonly pending = new Map<number, (stats: ProbeStats) => void>();
  private readonly exited: Promise<number | null>;

  private constructor(
    private readonly child: ChildProcess,
    readonly port: number,
    readonly label: string,
  ) {
    this.exited = new Promise((resolve) => {
      if (child.exitCode !== null) resolve(child.exitCode);
      else child.once('exit', (code) => resolve(code));
    });
    child.on('message', (message: { id: number; stats: ProbeStats }) => {
      this.pending.get(message.id)?.(message.stats);
      this.pending.delete(message.id);
    });
    // Keep reading the output so a chatty server never blocks on a full pipe.
    const keep = (chunk: Buffer) => {
      this.tail = (this.tail + chunk.toString()).slice(-8000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** False once the process has exited. */
  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines the server printed, for error messages. */
  get output(): string {
    return this.tail;
  }

  /** Starts `entry` (relative to the repository) with `env` and waits for its `listening` line. */
  static async start(label: string, entry: string, env: Record<string, string>, timeoutMs = 60_000): Promise<BenchServerProcess> {
    // BENCH_SERVER_ARGS adds Node flags to every server (for example `--cpu-prof` when profiling).
    const extra = (process.env.BENCH_SERVER_ARGS ?? '').split(' ').filter(Boolean);
    const child = spawn(
      process.execPath,
      ['--expose-gc', '--max-old-space-size=8192', ...extra, '--import', 'tsx', '--import', './bench/servers/probe.ts', entry],
      {
        cwd: root,
        env: { ...process.env, NODE_ENV: 'production', PORT: '0', HOST: '127.0.0.1', ...env },
        stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      },
    );
    killWithThisProcess(child);
    let output = '';
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${label} did not start within ${timeoutMs} ms:\n${output}`)), timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk;
        const line = output.split('\n').find((candidate) => candidate.includes('"event":"listening"'));
        if (!line) return;
        clearTimeout(timer);
        child.stdout?.off('data', onData);
        resolve((JSON.parse(line) as { port: number }).port);
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`${label} exited with ${code} before listening:\n${output}`));
      });
    });
    return new BenchServerProcess(child, port, label);
  }

  /** CPU, memory, loop delay and disk counters of the server process right now. */
  stats(): Promise<ProbeStats> {
    return this.ask('stats');
  }

  /** Runs full garbage collections, then answers like `stats` (for memory readings). */
  collectGarbage(): Promise<ProbeStats> {
    return this.ask('gc');
  }

  /** Starts a new event-loop delay window. */
  resetLoopDelay(): Promise<ProbeStats> {
    return this.ask('reset');
  }

  /** SIGKILL (a crash, as `kill -9`): resolves once it has exited. */
  async kill(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  async stop(graceMs = 15_000): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  private ask(type: 'stats' | 'gc' | 'reset'): Promise<ProbeStats> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.label} did not answer "${type}" within 60 s:\n${this.tail}`));
      }, 60_000);
      this.pending.set(id, (stats) => {
        clearTimeout(timer);
        resolve(stats);
      });
      this.child.send({ id, type });
    });
  }
}
