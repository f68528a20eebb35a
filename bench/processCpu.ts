import { readdirSync, readFileSync } from 'node:fs';

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux everywhere it matters). */
const TICKS_PER_SECOND = 100;

/** utime, stime, cutime, cstime of process `pid` in ticks, or null once it is gone. */
function times(pid: number): { own: number; reaped: number; parent: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // After the name: state(3) ppid(4) … utime(14) stime(15) cutime(16) cstime(17).
    const field = (n: number) => Number(fields[n - 3]);
    return { parent: field(4), own: field(14) + field(15), reaped: field(16) + field(17) };
  } catch {
    return null;
  }
}

/**
 * CPU time (user + system, microseconds) of process `pid` and its children: the live ones' own
 * and what the exited ones used (counted in `pid`'s reaped times). For PostgreSQL, whose backends
 * and background workers are the postmaster's children; Linux only (NaN elsewhere).
 */
export function processTreeCpuMicros(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  const root = times(pid);
  if (!root) return Number.NaN;
  let ticks = root.own + root.reaped;
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const child = times(Number(entry));
    if (child && child.parent === pid) ticks += child.own;
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}
