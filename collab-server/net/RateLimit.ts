/**
 * A token bucket per key (a client address): `perMinute` actions, all of which may be taken at
 * once, refilled evenly over the minute. Buckets that have filled up again are forgotten, so
 * memory follows the keys active in the last minute.
 */
export class RateLimit {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private takes = 0;

  constructor(
    private readonly perMinute: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /** Takes one action for `key`: 0 when allowed, otherwise the seconds until the next one is (for Retry-After). */
  take(key: string): number {
    const now = this.now();
    if (++this.takes % 1000 === 0) this.forgetFull(now);
    const bucket = this.buckets.get(key) ?? { tokens: this.perMinute, at: now };
    bucket.tokens = Math.min(this.perMinute, bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute);
    bucket.at = now;
    this.buckets.set(key, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil(((1 - bucket.tokens) * 60) / this.perMinute));
  }

  private forgetFull(now: number): void {
    for (const [key, bucket] of this.buckets) {
      if (bucket.tokens + ((now - bucket.at) / 60_000) * this.perMinute >= this.perMinute) this.buckets.delete(key);
    }
  }
}
