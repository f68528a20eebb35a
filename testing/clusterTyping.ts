import * as Y from 'yjs';
import { PostgresDocumentStore } from '../persistence/postgres/PostgresDocumentStore';
import { mintToken } from '../shared/token';
import { hocuspocusClient, yWebsocketClient } from './clients';
import { waitFor } from './waitFor';

/**
 * Clients typing into documents of a cluster through its load balancer, for the cluster tests:
 * per document, Hocuspocus providers (on `/collab/<document>`, hashed to a node, and on plain
 * `/collab`, relayed) whose acknowledgements are tracked, and a y-websocket client (`/y/<document>`).
 * Each pushes unique items to a Y.Array; an acknowledgement (`unsyncedChanges` back at 0) marks
 * every item its client pushed so far as acknowledged.
 */

/** The Y.Array the items go to. */
export const ITEMS = 'typed';

interface Typist {
  name: string;
  document: string;
  doc: Y.Doc;
  /** Items pushed and not yet known to be acknowledged. */
  pending: string[];
  /** Acknowledgements received, with the time of each. */
  acks: number[];
  saved(): boolean;
  destroy(): void;
}

export interface TypingOptions {
  /** `ws://host:port` of the load balancer. */
  wsUrl: string;
  secret: string;
  documents: readonly string[];
  /** Milliseconds between two items of one client. */
  intervalMs?: number;
}

/** A running typing load; `stop` ends it. */
export class TypingLoad {
  readonly typists: Typist[] = [];
  /** Acknowledged items per document. */
  readonly acknowledged = new Map<string, Set<string>>();
  private timer: NodeJS.Timeout | null = null;
  private counter = 0;
  /** How the Hocuspocus clients' sockets were closed, each `name: code reason`. */
  readonly closes: string[] = [];
  /** Told of every acknowledgement: the document and the items it covers. */
  onAck: ((document: string, items: string[], typist: string) => void) | null = null;

  private constructor(private readonly options: TypingOptions) {}

  /** Connects the clients and waits until every one has synced once. */
  static async start(options: TypingOptions): Promise<TypingLoad> {
    const load = new TypingLoad(options);
    for (const document of options.documents) {
      load.acknowledged.set(document, new Set());
      const token = await mintToken(options.secret, { sub: `typist-${document}`, name: 'Typist', doc: document, role: 'editor' });
      load.addHocuspocus(`${document}/hashed`, document, `${options.wsUrl}/collab/${encodeURIComponent(document)}`, token);
      load.addHocuspocus(`${document}/relayed`, document, `${options.wsUrl}/collab`, token);
      const plain = yWebsocketClient(`${options.wsUrl}/y`, document, token);
      load.typists.push({
        name: `${document}/y`,
        document,
        doc: plain.doc,
        pending: [],
        acks: [],
        saved: () => plain.provider.synced,
        destroy: () => plain.destroy(),
      });
    }
    await waitFor(() => load.typists.every((typist) => typist.saved()), { message: 'every typist to sync', timeoutMs: 30_000 }).catch((error: Error) => {
      load.destroy();
      const unsynced = load.typists.filter((typist) => !typist.saved()).map((typist) => typist.name);
      throw new Error(`${error.message} (not synced: ${unsynced.join(', ')})`);
    });
    return load;
  }

  /** Starts typing: every client pushes an item every `intervalMs`. */
  type(): void {
    const interval = this.options.intervalMs ?? 40;
    this.timer ??= setInterval(() => {
      for (const typist of this.typists) {
        const item = `${typist.name}#${this.counter++}`;
        typist.pending.push(item);
        typist.doc.getArray<string>(ITEMS).push([item]);
      }
    }, interval);
  }

  /** Stops typing (the clients stay connected). */
  pause(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  /** Items pushed so far; an item's name ends with `#n`, n counting from 0 over all clients. */
  get typedCount(): number {
    return this.counter;
  }

  /** Items acknowledged so far, over all documents. */
  get acknowledgedCount(): number {
    let count = 0;
    for (const items of this.acknowledged.values()) count += items.size;
    return count;
  }

  /** Waits until every client is synced with nothing unacknowledged, and every client of a document holds the same items. */
  async converged(timeoutMs = 60_000): Promise<void> {
    await waitFor(
      () => {
        if (!this.typists.every((typist) => typist.saved())) return false;
        for (const document of this.options.documents) {
          const copies = this.typists.filter((typist) => typist.document === document).map((typist) => itemsOf(typist.doc));
          const first = copies[0];
          if (!copies.every((copy) => copy.size === first.size && [...copy].every((item) => first.has(item)))) return false;
        }
        return true;
      },
      { message: 'every client to be saved and to converge', timeoutMs, intervalMs: 100 },
    );
  }

  /** Every item any client of `document` holds. */
  itemsOf(document: string): Set<string> {
    const all = new Set<string>();
    for (const typist of this.typists) if (typist.document === document) for (const item of itemsOf(typist.doc)) all.add(item);
    return all;
  }

  destroy(): void {
    this.pause();
    for (const typist of this.typists) typist.destroy();
  }

  private addHocuspocus(name: string, document: string, url: string, token: string): void {
    const client = hocuspocusClient(url, document, token);
    client.provider.configuration.websocketProvider.on('close', ({ event }: { event: CloseEvent }) => {
      this.closes.push(`${name}: ${event.code} ${event.reason}`);
    });
    const typist: Typist = {
      name,
      document,
      doc: client.doc,
      pending: [],
      acks: [],
      saved: () => client.provider.synced && client.provider.unsyncedChanges === 0,
      destroy: () => client.destroy(),
    };
    client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
      if (number !== 0) return;
      const items = typist.pending;
      typist.pending = [];
      typist.acks.push(Date.now());
      const acknowledged = this.acknowledged.get(document) as Set<string>;
      for (const item of items) acknowledged.add(item);
      this.onAck?.(document, items, name);
    });
    this.typists.push(typist);
  }
}

/** The items of a client's copy. */
export function itemsOf(doc: Y.Doc): Set<string> {
  return new Set(doc.getArray<string>(ITEMS).toArray());
}

/** The items stored for each document, read from the database as a starting node would load them. */
export async function storedItems(databaseUrl: string, documents: readonly string[]): Promise<Map<string, Set<string>>> {
  const store = new PostgresDocumentStore({ url: databaseUrl });
  await store.open();
  try {
    const result = new Map<string, Set<string>>();
    for (const document of documents) {
      const loaded = await store.load(document);
      const doc = new Y.Doc();
      doc.transact(() => {
        for (const update of loaded?.updates ?? []) Y.applyUpdate(doc, update);
      });
      if (doc.store.pendingStructs) throw new Error(`stored updates of "${document}" reference content that is not stored`);
      result.set(document, itemsOf(doc));
      doc.destroy();
    }
    return result;
  } finally {
    await store.close();
  }
}

/** Acknowledged items missing from what is stored, as `document: item` lines (must be empty). */
export function lostItems(acknowledged: ReadonlyMap<string, Set<string>>, stored: ReadonlyMap<string, Set<string>>): string[] {
  const lost: string[] = [];
  for (const [document, items] of acknowledged) for (const item of items) if (!stored.get(document)?.has(item)) lost.push(`${document}: ${item}`);
  return lost;
}
