import { received } from '../clients';
import { median, percentile, sleep } from '../stats';
import type { RunningSystem, System, SystemId } from '../systems';
import { TypingSession } from '../typing';
import { BenchLoopDelay, collectGarbage, connectMany, disconnectAll, type WorkloadContext, withSystems } from './common';

/** One row of the fan-out workload: one system at one N. */
export interface FanOutResult {
  clients: number;
  /** Remote-apply latency, ms, over the samples of all rounds together. */
  p50: number;
  p99: number;
  /** Each round's own p99, ms: how far one round's tail moves from the next. */
  p99Rounds: number[];
  /** Server CPU time per keystroke delivered to one other client, microseconds. */
  cpuPerDelivery: number;
  /** WebSocket messages the server sent per second (counted at the clients). */
  messagesPerSecond: number;
  keystrokesPerSecond: number;
  /** Worst event-loop delay in the server while measuring, ms. */
  serverLoopDelayMax: number;
  /** Worst event-loop delay of the benchmark process (all the clients) in any round, ms. */
  benchLoopDelayMax: number;
  samples: number;
  rounds: number;
}

/** Typing speed of every client. */
export const KEYSTROKES_PER_SECOND = 5;

/**
 * Timed deliveries each round gathers at least: a p99 needs a few hundred samples to be more than
 * the slowest one. With 2 clients a round of the usual 6 s yields about 40, so it runs longer.
 */
const MIN_SAMPLES_PER_ROUND = 120;

/** About two keystrokes in three insert text, and only those are timed (see `TypingSession`). */
const TIMED_SHARE = 0.65;

/** How long a round at `n` clients measures, in ms: `baseMs`, or longer for enough samples. */
function measureTime(n: number, baseMs: number): number {
  const samplesPerSecond = n * KEYSTROKES_PER_SECOND * TIMED_SHARE * (n - 1);
  return Math.max(baseMs, Math.ceil(MIN_SAMPLES_PER_ROUND / samplesPerSecond) * 1000);
}

/**
 * Workload 1: one document, N clients each typing 5 keystrokes a second. The systems take
 * turns at each N, each round starting with the next system, and the turns repeat, so load from
 * outside the benchmark falls on all of them alike. Latencies are pooled over the rounds; the
 * other figures are medians over the rounds.
 *
 * Every round begins with a full garbage collection in the benchmark process, which holds all
 * the clients: otherwise the garbage of earlier rounds is collected in the middle of a later one
 * (a 50–100 ms stall seen here), whichever system that round measures.
 */
export async function fanOut(systems: System[], context: WorkloadContext): Promise<Record<SystemId, FanOutResult[]>> {
  const sizes = context.quick ? [2, 10, 50] : [2, 10, 50, 100];
  const rounds = context.quick ? 1 : 4;
  const warmupMs = context.quick ? 500 : 2000;
  const baseMs = context.quick ? 1200 : 6000;
  return withSystems(systems, async (running) => {
    const results = Object.fromEntries(systems.map((system) => [system.id, [] as FanOutResult[]])) as Record<SystemId, FanOutResult[]>;
    for (const n of sizes) {
      const perSystem = new Map<SystemId, Round[]>();
      for (let round = 0; round < rounds; round++) {
        for (let turn = 0; turn < running.length; turn++) {
          const target = running[(round + turn) % running.length];
          const result = await fanOutRound(target, n, `fan-out-${n}-${round}`, warmupMs, context.quick ? baseMs : measureTime(n, baseMs));
          perSystem.set(target.system.id, [...(perSystem.get(target.system.id) ?? []), result]);
        }
      }
      for (const [id, list] of perSystem) {
        const latencies = list.flatMap((r) => r.latencies);
        const row: FanOutResult = {
          clients: n,
          p50: percentile(latencies, 50),
          p99: percentile(latencies, 99),
          p99Rounds: list.map((r) => r.p99),
          cpuPerDelivery: median(list.map((r) => r.cpuPerDelivery)),
          messagesPerSecond: median(list.map((r) => r.messagesPerSecond)),
          keystrokesPerSecond: median(list.map((r) => r.keystrokesPerSecond)),
          serverLoopDelayMax: median(list.map((r) => r.serverLoopDelayMax)),
          benchLoopDelayMax: Math.max(...list.map((r) => r.benchLoopDelayMax)),
          samples: latencies.length,
          rounds: list.length,
        };
        results[id].push(row);
        const label = systems.find((system) => system.id === id)?.label;
        context.log(
          `fan-out ${label} N=${n}: p50 ${row.p50.toFixed(2)} ms, p99 ${row.p99.toFixed(2)} ms (rounds ${row.p99Rounds.map((p) => p.toFixed(1)).join(', ')}), ${row.samples} samples, ${row.cpuPerDelivery.toFixed(1)} µs CPU/delivery, ${Math.round(row.messagesPerSecond)} msg/s, benchmark process stalled at most ${row.benchLoopDelayMax.toFixed(0)} ms`,
        );
      }
    }
    return results;
  });
}

type Round = Omit<FanOutResult, 'rounds' | 'clients' | 'p99Rounds'> & { latencies: number[] };

async function fanOutRound(running: RunningSystem, n: number, name: string, warmupMs: number, measureMs: number): Promise<Round> {
  collectGarbage();
  const clients = await connectMany(running, n, () => name, { batch: 25 });
  const session = new TypingSession();
  session.addTypists(clients);
  session.start(KEYSTROKES_PER_SECOND);
  await sleep(warmupMs);
  session.measure();
  await running.server.resetLoopDelay();
  const benchLoop = new BenchLoopDelay();
  const before = await running.server.stats();
  const messagesBefore = received.messages;
  const started = performance.now();
  await sleep(measureMs);
  const seconds = (performance.now() - started) / 1000;
  const after = await running.server.stats();
  benchLoop.stop();
  const messages = received.messages - messagesBefore;
  session.endMeasurement();
  session.stop();
  await disconnectAll(clients);
  const latencies = Array.from(session.latencies.values());
  return {
    latencies,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    cpuPerDelivery: (after.cpuMicros - before.cpuMicros) / (session.keystrokes * (n - 1)),
    messagesPerSecond: messages / seconds,
    keystrokesPerSecond: session.keystrokes / seconds,
    serverLoopDelayMax: after.loopDelayMax,
    benchLoopDelayMax: benchLoop.maxMs,
    samples: latencies.length,
  };
}
