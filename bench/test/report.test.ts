import { describe, expect, it } from 'vitest';
import { type BenchResults, checkTargets, markdown } from '../report';
import type { ConversionRow } from '../workloads/conversionBombs';
import type { FanOutResult } from '../workloads/fanOut';

/** A fan-out row with the given p99 (every other figure is beside the point here). */
function row(clients: number, p99: number): FanOutResult {
  return {
    clients,
    p50: p99 / 3,
    p99,
    p99Rounds: [p99],
    cpuPerDelivery: 10,
    messagesPerSecond: 100,
    keystrokesPerSecond: 5 * clients,
    serverLoopDelayMax: 5,
    benchLoopDelayMax: 5,
    samples: 1000,
    rounds: 1,
  };
}

function results(fanOut: BenchResults['fanOut']): BenchResults {
  return {
    quick: false,
    startedAt: '2026-11-27T00:00:00.000Z',
    machine: { cpus: 2, cpuModel: 'test', memoryBytes: 1, node: 'v20', platform: 'Linux', loadAverageAtStart: [0, 0, 0] },
    systems: [
      { id: 'quire', label: 'Quire', acks: 'durable', persistent: true },
      { id: 'hocuspocus', label: 'Hocuspocus (bare)', acks: 'in-memory', persistent: false },
    ],
    fanOut,
  };
}

describe('fan-out targets', () => {
  it('compare Quire with bare Hocuspocus of the same run, and carry the control ratio when the run measured one', () => {
    const run = results({ quire: [row(10, 9), row(50, 12)], hocuspocus: [row(10, 10), row(50, 10)], 'hocuspocus-control': [row(10, 13), row(50, 8)] });
    const targets = checkTargets(run);
    expect(targets.map(({ name, measured, met, control }) => ({ name, measured, met, control }))).toEqual([
      { name: 'fan-out p99, N=10', measured: 0.9, met: true, control: 1.3 },
      { name: 'fan-out p99, N=50', measured: 1.2, met: false, control: 0.8 },
    ]);
    const table = markdown({ ...run, targets });
    expect(table).toContain('| 10 | 3.00 ms / 9.00 ms | 3.33 ms / 10.0 ms | 0.90× | 1.30× |');
    expect(table).toContain('| fan-out p99, N=50 | ≤ 1.0× bare Hocuspocus | 1.20× | **no** | 0.80× |');
  });

  it('leave the control out of the tables when the run had none (quick runs)', () => {
    const run = results({ quire: [row(10, 9)], hocuspocus: [row(10, 10)] });
    const targets = checkTargets(run);
    expect(targets[0]).not.toHaveProperty('control');
    const table = markdown({ ...run, targets });
    expect(table).not.toContain('control');
    expect(table).toContain('| fan-out p99, N=10 | ≤ 1.0× bare Hocuspocus | 0.90× | yes |');
  });
});

describe('conversion bomb targets', () => {
  const row = (shape: string, serverLoopDelayMax: number, healthzWorst: number): ConversionRow => ({
    shape,
    endpoint: 'import',
    bytes: 1024,
    status: 422,
    answerMs: 500,
    serverLoopDelayMax,
    serverGcPauseMax: 5,
    healthzWorst,
    typingWorst: 40,
  });

  it('check the worst event-loop stall and the worst /healthz answer against 100 ms, shown in milliseconds', () => {
    const run = results(undefined);
    run.conversionBombs = {
      quiet: row('nothing (control)', 12, 8),
      bombs: [row('md-deep-quotes', 60, 140), row('html-deep-divs', 90, 30)],
      honest: [],
      worstServerLoopDelay: 90,
      worstHealthz: 140,
      worstTyping: 40,
    };
    const targets = checkTargets(run);
    expect(targets.map(({ name, measured, met, unit }) => ({ name, measured, met, unit }))).toEqual([
      { name: 'worst event-loop stall under conversion bombs', measured: 90, met: true, unit: 'ms' },
      { name: 'worst /healthz answer under conversion bombs', measured: 140, met: false, unit: 'ms' },
    ]);
    const table = markdown({ ...run, targets });
    expect(table).toContain('| worst /healthz answer under conversion bombs | ≤ 100 ms | 140 ms | **no** |');
    expect(table).toContain('| md-deep-quotes | import | 1.0 KB | 422 | 500 ms | 60.0 ms (5.00 ms) | 140 ms | 40.0 ms |');
  });
});
