import { received } from '../clients';
import { median, percentile, sleep } from '../stats';
import type { RunningSystem, System, SystemId } from '../systems';
import { TypingSession } from '../typing';
import { connectMany, disconnectAll, type WorkloadContext, withSystems } from './common';

/** One row of the fan-out workload: one system at one N. */
export interface FanOutResult {
  clients: number;
  /** Remote-apply latency, ms (median over the rounds). */
  p50: number;
  p99: number;
  /** Server CPU time per keystroke delivered to one other client, microseconds. */
  cpuPerDelivery: number;
  /** WebSocket messages the server sent per second (counted at the clients). */
  messagesPerSecond: number;
  keystrokesPerSecond: number;
  /** Worst event-loop delay in the server while measuring, ms. */
  serverLoopDelayMax: number;
  samples: number;
  rounds: number;
}

/** Typing speed of every client. */
export const KEYSTROKES_PER_SECOND = 5;

/**
 * Workload 1: one document, N clients each typing 5 keystrokes a second. The systems take
 * turns at each N, and the turns repeat, so load from outside the benchmark falls on all of
 * them alike; each figure is the median over the rounds.
 */
export async function fanOut(systems: System[], context: WorkloadContext): Promise<Record<SystemId, FanOutResult[]>> {
  const sizes = context.quick ? [2, 10, 50] : [2, 10, 50, 100];
  const rounds = context.quick ? 1 : 3;
  const warmupMs = context.quick ? 500 : 2000;
  const measureMs = context.quick ? 1200 : 6000;
  return withSystems(systems, async (running) => {
    const results = Object.fromEntries(systems.map((system) => [system.id, [] as FanOutResult[]])) as Record<SystemId, FanOutResult[]>;
    for (const n of sizes) {
      const perSystem = new Map<SystemId, Round[]>();
      for (let round = 0; round < rounds; round++) {
        for (const target of running) {
          const result = await fanOutRound(target, n, `fan-out-${n}-${round}`, warmupMs, measureMs);
          perSystem.set(target.system.id, [...(perSystem.get(target.system.id) ?? []), result]);
        }
      }
      for (const [id, list] of perSystem) {
        const row: FanOutResult = {
          clients: n,
          p50: median(list.map((r) => r.p50)),
          p99: median(list.map((r) => r.p99)),
          cpuPerDelivery: median(list.map((r) => r.cpuPerDelivery)),
          messagesPerSecond: median(list.map((r) => r.messagesPerSecond)),
          keystrokesPerSecond: median(list.map((r) => r.keystrokesPerSecond)),
          serverLoopDelayMax: median(list.map((r) => r.serverLoopDelayMax)),
          samples: list.reduce((sum, r) => sum + r.samples, 0),
          rounds: list.length,
        };
        results[id].push(row);
        const label = systems.find((system) => system.id === id)?.label;
        context.log(
          `fan-out ${label} N=${n}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms, ${row.cpuPerDelivery.toFixed(1)} µs CPU/delivery, ${Math.round(row.messagesPerSecond)} msg/s`,
        );
      }
    }
    return results;
  });
}

type Round = Omit<FanOutResult, 'rounds' | 'clients'>;

async function fanOutRound(running: RunningSystem, n: number, name: string, warmupMs: number, measureMs: number): Promise<Round> {
  const clients = await connectMany(running, n, () => name, { batch: 25 });
  const session = new TypingSession();
  session.addTypists(clients);
  session.start(KEYSTROKES_PER_SECOND);
  await sleep(warmupMs);
  session.measure();
  await running.server.resetLoopDelay();
  const before = await running.server.stats();
  const messagesBefore = received.messages;
  const started = performance.now();
  await sleep(measureMs);
  const seconds = (performance.now() - started) / 1000;
  const after = await running.server.stats();
  const messages = received.messages - messagesBefore;
  session.endMeasurement();
  session.stop();
  await disconnectAll(clients);
  const latencies = session.latencies.values();
  return {
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerDelivery: (after.cpuMicros - before.cpuMicros) / (session.keystrokes * (n - 1)),
    messagesPerSecond: messages / seconds,
    keystrokesPerSecond: session.keystrokes / seconds,
    serverLoopDelayMax: after.loopDelayMax,
    samples: latencies.length,
  };
}
