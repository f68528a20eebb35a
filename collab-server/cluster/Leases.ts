import type { Logger } from '../logger';
import type { LeaseTable } from './LeaseTable';

/** Where a document is served: here, or by the node at `address` (null: its owner is gone and its lease not expired yet). */
export type Route = { local: true } | { local: false; address: string | null };

/** What the leases report, for metrics. */
export interface LeaseEvents {
  acquired(): void;
  lost(): void;
  released(count: number): void;
}

export interface LeasesOptions {
  table: LeaseTable;
  nodeId: string;
  /** This node's address for relayed connections (known once it listens). */
  address: () => string;
  ttlMs: number;
  renewMs: number;
  /** True while `name` is loaded or loading here: its lease is renewed, not given back. */
  inUse: (name: string) => boolean;
  /** Told when a lease was lost (not renewed in time, or taken over): the document must stop being served here. */
  onLost: (name: string) => void;
  logger: Logger;
  events?: LeaseEvents;
  /** The monotonic clock leases are timed by, in ms (default `performance.now`); tests drive it to make a lease lapse. */
  now?: () => number;
}

interface Held {
  epoch: number;
  /** Until when (the leases' clock) the lease is surely ours: the last successful renewal's start plus the TTL. */
  validUntil: number;
  /** When it was last asked for; a lease unused for a renewal period is given back. */
  lastUsed: number;
}

/**
 * This node's document leases (SPEC.md [PG5]): one owner per document. A document is served here
 * only while this node holds its lease; `epochOf` gives the epoch every write carries, so a write
 * after the lease moved on is refused by the database ([PG6]). Leases are renewed every `renewMs`
 * in one statement; one not renewed within its TTL (the database unreachable, the process paused)
 * counts as lost here even before anyone takes it, and so does one the renewal no longer finds.
 * Leases of documents no longer in use are given back.
 */
export class Leases {
  private readonly held = new Map<string, Held>();
  private readonly acquiring = new Map<string, Promise<Route>>();
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private closed = false;

  private readonly now: () => number;

  constructor(private readonly options: LeasesOptions) {
    this.now = options.now ?? (() => performance.now());
  }

  /** Number of leases held. */
  get count(): number {
    return this.held.size;
  }

  /** Starts renewing. */
  start(): void {
    this.timer ??= setInterval(() => {
      this.ticking ??= this.tick().finally(() => {
        this.ticking = null;
      });
    }, this.options.renewMs);
    this.timer.unref();
  }

  /** The epoch of the lease this node holds on `name` (for fencing), or null when it holds none that is still valid. */
  epochOf(name: string): number | null {
    const lease = this.held.get(name);
    if (!lease || this.now() > lease.validUntil) return null;
    return lease.epoch;
  }

  /**
   * Where `name` is served: here when this node holds its lease or could take it (free, expired,
   * or its own from an earlier start), else by its owner. Concurrent asks share one statement.
   * Rejects when the database cannot be reached.
   */
  route(name: string): Promise<Route> {
    if (this.closed) return Promise.resolve({ local: false, address: null });
    const lease = this.held.get(name);
    if (lease && this.now() <= lease.validUntil) {
      lease.lastUsed = this.now();
      return Promise.resolve({ local: true });
    }
    // Lapsed before the renewal noticed: the copy served under it goes first (its editors reconnect),
    // so a lease taken again here never carries on a copy that may have missed another node's edits.
    if (lease) this.lose(name, 'the lease expired before it could be renewed');
    let pending = this.acquiring.get(name);
    if (!pending) {
      pending = this.acquire(name).finally(() => this.acquiring.delete(name));
      this.acquiring.set(name, pending);
    }
    return pending;
  }

  /** Gives back every lease (graceful stop): other nodes take the documents at once, without waiting for expiry. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.ticking;
    const all = new Map([...this.held].map(([name, lease]) => [name, lease.epoch]));
    this.held.clear();
    try {
      await this.options.table.release(this.options.nodeId, all);
      this.options.events?.released(all.size);
    } catch (error) {
      this.options.logger.warn({ err: error, leases: all.size }, 'giving back the leases failed; they expire by themselves');
    }
  }

  private async acquire(name: string): Promise<Route> {
    const { table, nodeId } = this.options;
    const started = this.now();
    const epoch = await table.acquire(name, nodeId, this.options.address());
    if (epoch !== null) {
      this.held.set(name, { epoch, validUntil: started + this.options.ttlMs, lastUsed: this.now() });
      this.options.events?.acquired();
      this.options.logger.debug({ document: name, epoch }, 'lease acquired');
      return { local: true };
    }
    const holder = await table.holder(name);
    return { local: false, address: holder?.live ? holder.address : null };
  }

  /** Renews the leases in use, gives back the others, and drops those no longer ours. */
  private async tick(): Promise<void> {
    const now = this.now();
    const renew = new Map<string, number>();
    const release = new Map<string, number>();
    for (const [name, lease] of this.held) {
      if (this.options.inUse(name) || now - lease.lastUsed < this.options.renewMs) renew.set(name, lease.epoch);
      else release.set(name, lease.epoch);
    }
    for (const name of release.keys()) this.held.delete(name);
    try {
      if (release.size > 0) {
        await this.options.table.release(this.options.nodeId, release);
        this.options.events?.released(release.size);
      }
      const still = await this.options.table.renew(this.options.nodeId, renew);
      for (const name of renew.keys()) {
        const lease = this.held.get(name);
        if (!lease || lease.epoch !== renew.get(name)) continue;
        if (still.has(name)) lease.validUntil = now + this.options.ttlMs;
        else this.lose(name, 'another node took the lease, or the document was deleted');
      }
    } catch (error) {
      this.options.logger.warn({ err: error, leases: renew.size }, 'renewing leases failed; they are retried, and lost once they expire');
    }
    // Not renewed in time (the database unreachable, or this process paused): no longer surely ours.
    const late = this.now();
    for (const [name, lease] of this.held) if (late > lease.validUntil) this.lose(name, 'the lease expired before it could be renewed');
  }

  private lose(name: string, why: string): void {
    this.held.delete(name);
    this.options.events?.lost();
    this.options.logger.warn({ document: name }, `lease lost: ${why}; the document is no longer served here`);
    this.options.onLost(name);
  }
}
