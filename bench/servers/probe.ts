/**
 * Loaded with `--import` into every server under test, the same way for all of them: answers
 * the benchmark's questions over the IPC channel (CPU time, memory after a full GC, event-loop
 * delay, bytes the process wrote to disk), so no server needs code of its own for measuring.
 */
import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';

/** What `stats` answers. */
export interface ProbeStats {
  /** Process CPU time (user + system), microseconds. */
  cpuMicros: number;
  rss: number;
  heapUsed: number;
  /** Event-loop delay since the last `reset`, milliseconds. */
  loopDelayMax: number;
  loopDelayP99: number;
  /** Bytes this process caused to be written to storage (`/proc/self/io` `write_bytes`). */
  diskWriteBytes: number;
  /** Bytes passed to write calls (`wchar`: files and sockets alike). */
  writeCalls: number;
  /** Garbage-collection pauses since the last `reset`: total and longest, milliseconds. */
  gcPauseTotal: number;
  gcPauseMax: number;
}

// Started by the first `reset` (every workload reading the delay asks for one first): its 5 ms
// timer costs some 5 ms of CPU a second on a busy machine, which a workload measuring CPU and not
// the delay (the cluster's, with one such process per node) must not count.
const delay = monitorEventLoopDelay({ resolution: 5 });
const gc = { total: 0, max: 0 };
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gc.total += entry.duration;
    gc.max = Math.max(gc.max, entry.duration);
  }
}).observe({ entryTypes: ['gc'] });

function io(): { writeBytes: number; wchar: number } {
  try {
    const text = readFileSync('/proc/self/io', 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1] ?? Number.NaN);
    return { writeBytes: field('write_bytes'), wchar: field('wchar') };
  } catch {
    return { writeBytes: Number.NaN, wchar: Number.NaN };
  }
}

function stats(): ProbeStats {
  const cpu = process.cpuUsage();
  const memory = process.memoryUsage();
  const disk = io();
  return {
    cpuMicros: cpu.user + cpu.system,
    rss: memory.rss,
    heapUsed: memory.heapUsed,
    loopDelayMax: delay.max / 1e6,
    loopDelayP99: delay.percentile(99) / 1e6,
    diskWriteBytes: disk.writeBytes,
    writeCalls: disk.wchar,
    gcPauseTotal: gc.total,
    gcPauseMax: gc.max,
  };
}

type Request = { id: number; type: 'stats' | 'reset' | 'gc' };

if (process.send) {
  // The channel must not keep a server alive that is asked to stop.
  process.channel?.unref();
  process.on('message', (request: Request) => {
    if (request.type === 'reset') {
      delay.enable();
      delay.reset();
      gc.total = 0;
      gc.max = 0;
    }
    if (request.type === 'gc') {
      const gc = (globalThis as { gc?: () => void }).gc;
      for (let i = 0; i < 3; i++) gc?.();
    }
    process.send?.({ id: request.id, stats: stats() });
  });
}
