import { monitorEventLoopDelay } from 'node:perf_hooks';
import { type BenchClient, type ClientOptions, connect, SourceAddresses, until } from '../clients';
import type { RunningSystem, System } from '../systems';
import { newDataDir } from '../systems';

/** What every workload gets. */
export interface WorkloadContext {
  quick: boolean;
  log(message: string): void;
}

/**
 * Runs a full garbage collection in the benchmark process. The clients of every system share
 * this process; without it, a long collection of garbage earlier rounds left falls on whichever
 * system's round happens to be measured then, and reads as that system's latency.
 */
export function collectGarbage(): void {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('the benchmark needs node --expose-gc (run it with `npm run bench`)');
  gc();
}

/** The event-loop delay of the benchmark process itself: a stall here delays every client's measurement. */
export class BenchLoopDelay {
  private readonly histogram = monitorEventLoopDelay({ resolution: 5 });

  constructor() {
    this.histogram.enable();
  }

  /** The longest delay since it was created, ms. */
  get maxMs(): number {
    return this.histogram.max / 1e6;
  }

  stop(): void {
    this.histogram.disable();
  }
}

/** Starts `system` on a fresh data folder, runs `work`, and always stops it. */
export async function withSystem<T>(system: System, work: (running: RunningSystem) => Promise<T>, prepare?: (dataDir: string) => Promise<void>): Promise<T> {
  const dataDir = await newDataDir(system.id);
  await prepare?.(dataDir);
  const running = await system.start(dataDir);
  try {
    return await work(running);
  } finally {
    await running.stop();
  }
}

/** Starts every system at once (idle servers cost the others nothing), runs `work`, stops them all. */
export async function withSystems<T>(systems: System[], work: (running: RunningSystem[]) => Promise<T>): Promise<T> {
  const started: RunningSystem[] = [];
  try {
    for (const system of systems) started.push(await system.start(await newDataDir(system.id)));
    return await work(started);
  } finally {
    await Promise.all(started.map((running) => running.stop()));
  }
}

/**
 * Connects `count` clients (a few at a time, as users arrive) and waits until all have synced.
 * Source addresses keep each address under the per-address connection limit a production
 * server applies.
 */
export async function connectMany(
  running: RunningSystem,
  count: number,
  nameOf: (index: number) => string,
  options: { addresses?: SourceAddresses; client?: (index: number) => ClientOptions; timeoutMs?: number; batch?: number } = {},
): Promise<BenchClient[]> {
  const addresses = options.addresses ?? new SourceAddresses(1);
  const clients: BenchClient[] = [];
  const batch = options.batch ?? 50;
  for (let i = 0; i < count; i += batch) {
    const group: BenchClient[] = [];
    for (let j = i; j < Math.min(count, i + batch); j++) {
      group.push(connect(running, nameOf(j), { localAddress: addresses.next(), ...options.client?.(j) }));
    }
    clients.push(...group);
    await until(() => group.every((client) => client.synced), options.timeoutMs ?? 60_000, `${group.length} clients of ${running.system.label} to sync`);
  }
  return clients;
}

/** Destroys clients and gives the server a moment to see the sockets close. */
export async function disconnectAll(clients: BenchClient[]): Promise<void> {
  for (const client of clients) client.destroy();
  await new Promise((resolve) => setTimeout(resolve, 300));
}
