import { StoreError } from './DocumentStore';

/**
 * The audit store: an append-only log of what happened to each document (who opened it, changed
 * its share links, renamed, deleted it, restored a version), kept beside the document store and
 * implemented by each of its stores. Entries are written whole and never changed; the oldest are
 * dropped once a document holds more than the caller keeps. A document's log outlives the
 * document (its deletion is the last entry). Rules: `persistence/SPEC.md` [L33]–[L36].
 */

/** Who did something: an id the server vouches for, the name they gave, and what let them in. */
export interface AuditActor {
  /** The browser identity's id, or a token's `sub`. */
  id: string;
  name: string;
  /** How they were let in: the kind of share link (`edit`, `view`, …) or `token` (a content API or backend token). */
  via: string;
}

/** One thing that happened to a document. */
export interface AuditEntry {
  /** Milliseconds since the epoch. */
  at: number;
  /** What happened (`opened`, `link-reset`, … see `shared/auditActions.ts`). */
  action: string;
  actor: AuditActor;
  /** Small facts about it (which link, the new title, the version); never a secret. */
  detail: Record<string, string | number | boolean | null>;
}

/** An entry as stored: its place in the document's log (a number that only grows). */
export interface StoredAuditEntry extends AuditEntry {
  seq: number;
}

/** One page of a document's log, newest first; `next` is the `before` of the following page, or null at the end. */
export interface AuditPage {
  entries: StoredAuditEntry[];
  next: number | null;
}

/** Storage for per-document audit logs. */
export interface AuditStore {
  /**
   * Appends `entry` to the log of document `name` (which need not exist: its deletion is logged
   * after it), then drops the oldest entries beyond the newest `keep`; durable once resolved ([L33], [L34]).
   */
  appendAudit(name: string, entry: AuditEntry, keep: number): Promise<void>;
  /** The entries of `name` older than `before` (every entry when null), newest first, at most `limit` ([L35]). */
  readAudit(name: string, options: { before: number | null; limit: number }): Promise<AuditPage>;
}

/** The entries of a page read one more than `limit` deep: the page and the cursor of the next one. */
export function pageOf(entries: StoredAuditEntry[], limit: number): AuditPage {
  const page = entries.slice(0, limit);
  return { entries: page, next: entries.length > limit ? page[page.length - 1].seq : null };
}

/** Throws `INVALID_ARGUMENT` for a `keep`, `limit` or `before` that is not a whole number in range. */
export function assertAuditArguments({ keep, limit, before }: { keep?: number; limit?: number; before?: number | null }): void {
  const problems = [
    keep !== undefined && !(Number.isSafeInteger(keep) && keep >= 1) && `"keep" must be a whole number of at least 1 (got ${keep})`,
    limit !== undefined && !(Number.isSafeInteger(limit) && limit >= 1) && `"limit" must be a whole number of at least 1 (got ${limit})`,
    before !== undefined &&
      before !== null &&
      !(Number.isSafeInteger(before) && before >= 0) &&
      `"before" must be null or a whole number of at least 0 (got ${before})`,
  ].filter(Boolean);
  if (problems.length > 0) throw new StoreError('INVALID_ARGUMENT', problems.join('; '));
}
