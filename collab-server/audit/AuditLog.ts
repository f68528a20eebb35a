import type { AuditActor, AuditEntry, AuditPage, AuditStore } from '../../persistence/AuditStore';
import type { AuditAction } from '../../shared/auditActions';
import type { Logger } from '../logger';

/** The most (document, identity) openings remembered for coalescing; the oldest are forgotten first. */
export const MAX_REMEMBERED_OPENINGS = 10_000;

/** The longest name or text value an entry keeps (longer ones are cut): entries stay small whatever a client sends. */
export const MAX_AUDIT_TEXT = 200;

export interface AuditLogOptions {
  store: AuditStore;
  /** Entries kept per document (`AUDIT_MAX_ENTRIES`). */
  maxEntries: number;
  /** A second opening by the same identity within this long of its last logged one is not logged (`AUDIT_OPEN_WINDOW_SECONDS`). */
  openWindowMs: number;
  logger: Logger;
  now?: () => number;
}

/** Small facts about an event: never a secret or a token. */
export type AuditDetail = Record<string, string | number | boolean | null>;

/**
 * The server's record of who did what to each document (the actions are in
 * `shared/auditActions.ts`). Every feature records with one call, `record`, once the action is
 * durable; a failure to write the entry is logged, never thrown, since the action it describes
 * has happened. Openings are many, so `opened` logs an identity's opening of a document at most
 * once per window, and the store keeps only the newest `maxEntries` of each document, so nobody
 * can grow a log without bound.
 */
export class AuditLog {
  /** When each (document, identity) opening was last logged, oldest first. */
  private readonly openings = new Map<string, number>();
  private readonly now: () => number;

  constructor(private readonly options: AuditLogOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Appends "`actor` did `action`" to the log of document `name`; resolves once durable, or once the failure was logged. */
  async record(name: string, actor: AuditActor, action: AuditAction, detail: AuditDetail = {}): Promise<void> {
    const entry: AuditEntry = { at: this.now(), action, actor: cutActor(actor), detail: cutDetail(detail) };
    try {
      await this.options.store.appendAudit(name, entry, this.options.maxEntries);
    } catch (error) {
      this.options.logger.error({ err: error, document: name, action }, 'writing an audit log entry failed; the action itself went through');
    }
  }

  /**
   * Records that `actor` opened document `name`, unless the same identity's opening was logged
   * less than the window ago (a client reconnecting in a loop adds one entry per window).
   */
  opened(name: string, actor: AuditActor): Promise<void> {
    const key = `${name}\u0000${actor.id}`;
    const now = this.now();
    const last = this.openings.get(key);
    if (last !== undefined && now - last < this.options.openWindowMs) return Promise.resolve();
    this.openings.delete(key);
    this.openings.set(key, now);
    // Bounded: the identities seen longest ago are forgotten first (at worst they are logged again).
    while (this.openings.size > MAX_REMEMBERED_OPENINGS) this.openings.delete(this.openings.keys().next().value as string);
    return this.record(name, actor, 'opened', {});
  }

  /**
   * A page of document `name`'s log, newest first. With `since` (ms since the epoch), only the
   * entries from then on: a document's holders see its own life, not that of an earlier document
   * of the same name.
   */
  async read(name: string, { before, limit, since }: { before: number | null; limit: number; since?: number }): Promise<AuditPage> {
    const page = await this.options.store.readAudit(name, { before, limit });
    if (since === undefined) return page;
    const entries = page.entries.filter((entry) => entry.at >= since);
    return { entries, next: entries.length < page.entries.length ? null : page.next };
  }
}

function cut(text: string): string {
  return text.length > MAX_AUDIT_TEXT ? `${text.slice(0, MAX_AUDIT_TEXT - 1)}…` : text;
}

function cutActor({ id, name, via }: AuditActor): AuditActor {
  return { id: cut(id), name: cut(name), via: cut(via) };
}

function cutDetail(detail: AuditDetail): AuditDetail {
  return Object.fromEntries(Object.entries(detail).map(([key, value]) => [key, typeof value === 'string' ? cut(value) : value]));
}
