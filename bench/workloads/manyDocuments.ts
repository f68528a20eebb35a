import { SourceAddresses } from '../clients';
import { percentile, sleep } from '../stats';
import type { RunningSystem, System, SystemId } from '../systems';
import { TypingSession } from '../typing';
import { connectMany, disconnectAll, type WorkloadContext, withSystems } from './common';
import { KEYSTROKES_PER_SECOND } from './fanOut';

/** One step of the growth: M documents with three typists each. */
export interface ManyDocumentsStep {
  documents: number;
  p50: number;
  p99: number;
  keystrokesPerSecond: number;
  /** 2 when the first attempt passed the limit and the step was measured again (the better one is kept). */
  attempts?: number;
}

export interface ManyDocumentsResult {
  /** The most documents served with p99 ≤ the limit (0 if even the first step missed it). */
  reached: number;
  /** True when the last step tried still met the limit (the real maximum is higher). */
  capped: boolean;
  steps: ManyDocumentsStep[];
}

/** The p99 remote-apply latency a step must stay under. */
export const P99_LIMIT_MS = 100;
const CLIENTS_PER_DOCUMENT = 3;

/** Workload 2: M documents with 3 clients each, M growing until p99 passes 100 ms. */
export async function manyDocuments(systems: System[], context: WorkloadContext): Promise<Record<SystemId, ManyDocumentsResult>> {
  const steps = context.quick ? [20] : [10, 25, 50, 100, 150, 200, 300, 400];
  const warmupMs = context.quick ? 500 : 2000;
  const measureMs = context.quick ? 1200 : 5000;
  return withSystems(systems, async (running) => {
    const results = {} as Record<SystemId, ManyDocumentsResult>;
    for (const system of systems) results[system.id] = { reached: 0, capped: false, steps: [] };
    const active = new Set(running);
    for (const m of steps) {
      for (const target of [...active]) {
        let step = await manyDocumentsStep(target, m, warmupMs, measureMs);
        // One retry before giving up on a system: on a shared machine a single spike from
        // outside the benchmark should not decide where a system stops.
        if (step.p99 > P99_LIMIT_MS) {
          const again = await manyDocumentsStep(target, m, warmupMs, measureMs);
          if (again.p99 < step.p99) step = { ...again, attempts: 2 };
          else step = { ...step, attempts: 2 };
        }
        const result = results[target.system.id];
        result.steps.push(step);
        context.log(`many documents ${target.system.label} M=${m}: p50 ${step.p50.toFixed(1)} ms, p99 ${step.p99.toFixed(1)} ms`);
        if (step.p99 <= P99_LIMIT_MS) {
          result.reached = m;
        } else {
          active.delete(target);
        }
      }
    }
    for (const target of active) results[target.system.id].capped = true;
    return results;
  });
}

async function manyDocumentsStep(running: RunningSystem, m: number, warmupMs: number, measureMs: number): Promise<ManyDocumentsStep> {
  const clients = await connectMany(running, m * CLIENTS_PER_DOCUMENT, (index) => `many-${m}-${Math.floor(index / CLIENTS_PER_DOCUMENT)}`, {
    addresses: new SourceAddresses(2),
  });
  const session = new TypingSession();
  session.addTypists(clients);
  session.start(KEYSTROKES_PER_SECOND);
  await sleep(warmupMs);
  session.measure();
  const started = performance.now();
  await sleep(measureMs);
  const seconds = (performance.now() - started) / 1000;
  session.endMeasurement();
  session.stop();
  await disconnectAll(clients);
  const latencies = session.latencies.values();
  return { documents: m, p50: percentile(latencies, 50), p99: percentile(latencies, 99), keystrokesPerSecond: session.keystrokes / seconds };
}
