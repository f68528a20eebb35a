import type { VersionInfo } from '../../persistence/VersionStore';

/** How long automatic versions are kept, and how many. Named versions are always kept. */
export interface RetentionPolicy {
  /** Automatic versions older than this many days are removed. */
  keepDays: number;
  /** At most this many automatic versions are kept per document; the oldest go first. */
  maxAutoVersions: number;
}

const HOUR = 60 * 60 * 1000;
const DAY = 24 * HOUR;

/** Automatic versions younger than this are all kept. */
export const KEEP_ALL_MS = DAY;
/** Between `KEEP_ALL_MS` and this age, one automatic version per hour is kept; older, one per day. */
export const HOURLY_UNTIL_MS = 7 * DAY;

/**
 * The ids of the versions `policy` removes at time `now`, oldest first. The rules, applied in
 * this order:
 *
 * 1. Named versions (with a label) and the latest version are never removed.
 * 2. Automatic versions from the last 24 hours are kept.
 * 3. Older ones are thinned: up to 7 days old, the last version of each clock hour is kept; older
 *    than that, the last of each day (UTC). The last of a period is the state it ended with.
 * 4. Automatic versions older than `keepDays` are removed.
 * 5. If more than `maxAutoVersions` automatic versions are left, the oldest are removed.
 *
 * Removing a version never loses a later one: the store merges its changes into the next version.
 */
export function versionsToRemove(versions: readonly VersionInfo[], now: number, policy: RetentionPolicy): number[] {
  const latest = versions[versions.length - 1];
  const automatic = versions.filter((version) => version.label === null && version !== latest);
  const removed = new Set<number>();
  // Walk newest first, so the first version seen in a period is the one that period keeps.
  const keptPeriods = new Set<string>();
  for (const version of [...automatic].reverse()) {
    const age = now - version.createdAt;
    if (age > policy.keepDays * DAY) {
      removed.add(version.id);
    } else if (age > KEEP_ALL_MS) {
      const period = age > HOURLY_UNTIL_MS ? `d${Math.floor(version.createdAt / DAY)}` : `h${Math.floor(version.createdAt / HOUR)}`;
      if (keptPeriods.has(period)) removed.add(version.id);
      else keptPeriods.add(period);
    }
  }
  const left = automatic.filter((version) => !removed.has(version.id));
  // The latest version is automatic too when unnamed, and counts against the limit.
  const limit = latest && latest.label === null ? policy.maxAutoVersions - 1 : policy.maxAutoVersions;
  for (const version of left.slice(0, Math.max(0, left.length - Math.max(0, limit)))) removed.add(version.id);
  return [...removed].sort((a, b) => a - b);
}
