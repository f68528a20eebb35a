import type { BatchOperation } from 'leveldown';
import { type AuditEntry, type AuditPage, pageOf, type StoredAuditEntry } from './AuditStore';
import { StoreError } from './DocumentStore';
import { auditKey, auditRange } from './keys';
import type { LevelDatabase } from './LevelDatabase';

/**
 * How LevelDocumentStore keeps audit logs ([L33]–[L36]): one key per entry, `v1␀a␀<name>␀<seq>`,
 * its JSON as the value. An append reads the newest key for its number and writes the entry and the
 * removal of the entries beyond `keep` in one synced batch, so a log never holds more than it keeps.
 * Appends to one document run one at a time (each reads the number the one before wrote).
 */
export class LevelAudit {
  private readonly appending = new Map<string, Promise<unknown>>();

  constructor(
    private readonly db: LevelDatabase,
    /** Writes a batch with a synced write (the store's write queue). */
    private readonly write: (operations: BatchOperation[]) => Promise<void>,
  ) {}

  append(name: string, entry: AuditEntry, keep: number): Promise<void> {
    const previous = this.appending.get(name) ?? Promise.resolve();
    const current = previous.then(() => this.appendNow(name, entry, keep));
    const tail = current.catch(() => undefined);
    this.appending.set(name, tail);
    void tail.then(() => {
      if (this.appending.get(name) === tail) this.appending.delete(name);
    });
    return current;
  }

  async read(name: string, before: number | null, limit: number): Promise<AuditPage> {
    const range = auditRange(name);
    const entries: StoredAuditEntry[] = [];
    const lt = before === null ? range.lt : auditKey(name, before);
    for await (const [key, value] of this.db.entries({ gte: range.gte, lt, reverse: true, limit: limit + 1 })) {
      entries.push(parseEntry(name, key, value));
    }
    return pageOf(entries, limit);
  }

  private async appendNow(name: string, entry: AuditEntry, keep: number): Promise<void> {
    const range = auditRange(name);
    let seq = 0;
    for await (const [key] of this.db.entries({ gte: range.gte, lt: range.lt, reverse: true, limit: 1 })) seq = seqOf(name, key) + 1;
    const operations: BatchOperation[] = [{ type: 'put', key: auditKey(name, seq), value: JSON.stringify(entry) }];
    // [L34] Entries older than the newest `keep` go in the same batch.
    const oldestKept = seq - keep + 1;
    if (oldestKept > 0) {
      for await (const [key] of this.db.entries({ gte: range.gte, lt: auditKey(name, oldestKept) })) operations.push({ type: 'del', key });
    }
    await this.write(operations);
  }
}

function seqOf(name: string, key: string): number {
  const seq = Number.parseInt(key.slice(auditRange(name).gte.length), 16);
  if (!Number.isSafeInteger(seq)) throw new StoreError('CORRUPT', `audit log of "${name}": key ${JSON.stringify(key)} has no entry number`);
  return seq;
}

function parseEntry(name: string, key: string, value: Buffer): StoredAuditEntry {
  try {
    return { ...(JSON.parse(value.toString()) as AuditEntry), seq: seqOf(name, key) };
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError('CORRUPT', `audit log of "${name}": an entry is not JSON`, { cause: error });
  }
}
