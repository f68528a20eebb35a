const UNITS: Array<[Intl.RelativeTimeFormatUnit, number]> = [
  ['year', 365 * 24 * 3600_000],
  ['month', 30 * 24 * 3600_000],
  ['week', 7 * 24 * 3600_000],
  ['day', 24 * 3600_000],
  ['hour', 3600_000],
  ['minute', 60_000],
];

/** "just now", "5 minutes ago", "yesterday", … for a time in the past (ms since the epoch). */
export function relativeTime(time: number, now = Date.now()): string {
  const elapsed = now - time;
  if (elapsed < 45_000) return 'just now';
  const format = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (elapsed >= size) return format.format(-Math.round(elapsed / size), unit);
  }
  return format.format(-Math.max(1, Math.round(elapsed / 60_000)), 'minute');
}

/** The full date and time, for a tooltip. */
export function fullTime(time: number): string {
  return new Date(time).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}
