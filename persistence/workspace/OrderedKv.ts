import { LevelDatabase } from '../LevelDatabase';

/** One write of a batch: `value` null removes the key. */
export interface KvWrite {
  key: string;
  value: string | null;
}

/**
 * The little a workspace store needs of a database: ordered string keys, atomic durable batches
 * and prefix scans. `KeyValueWorkspaceStore` holds every rule; implementations only store.
 */
export interface OrderedKv {
  open(): Promise<void>;
  close(): Promise<void>;
  get(key: string): Promise<string | undefined>;
  /** Applies every write or none; durable (fsynced) when it resolves. */
  write(writes: KvWrite[]): Promise<void>;
  /** Every entry whose key starts with `prefix`, in key order. */
  scan(prefix: string): Promise<Array<[string, string]>>;
}

/** The key just past every key starting with `prefix` (its last character plus one). */
function endOf(prefix: string): string {
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

/** `OrderedKv` in a LevelDB folder of its own. */
export class LevelKv implements OrderedKv {
  private readonly db: LevelDatabase;

  constructor(location: string) {
    this.db = new LevelDatabase(location);
  }

  open(): Promise<void> {
    return this.db.open();
  }

  close(): Promise<void> {
    return this.db.close();
  }

  async get(key: string): Promise<string | undefined> {
    return (await this.db.get(key))?.toString('utf8');
  }

  write(writes: KvWrite[]): Promise<void> {
    const operations = writes.map(({ key, value }) => (value === null ? { type: 'del' as const, key } : { type: 'put' as const, key, value }));
    return this.db.batch(operations, true);
  }

  async scan(prefix: string): Promise<Array<[string, string]>> {
    const view = await this.db.view();
    try {
      const found: Array<[string, string]> = [];
      for await (const [key, value] of view.range(prefix, endOf(prefix))) found.push([key, value.toString('utf8')]);
      return found;
    } finally {
      await view.close();
    }
  }
}

/** `OrderedKv` in memory (tests, and servers that keep nothing). */
export class MemoryKv implements OrderedKv {
  private readonly entries = new Map<string, string>();

  async open(): Promise<void> {}
  async close(): Promise<void> {}

  async get(key: string): Promise<string | undefined> {
    return this.entries.get(key);
  }

  async write(writes: KvWrite[]): Promise<void> {
    for (const { key, value } of writes) {
      if (value === null) this.entries.delete(key);
      else this.entries.set(key, value);
    }
  }

  async scan(prefix: string): Promise<Array<[string, string]>> {
    return [...this.entries].filter(([key]) => key.startsWith(prefix)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  }
}
