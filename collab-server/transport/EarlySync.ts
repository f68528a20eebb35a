/** One client waiting for a document that is being loaded (see `EarlySync`). */
export interface EarlySyncClient {
  /** Sends the stored updates to the client; resolves once they are written to its socket. */
  serve(updates: Uint8Array[]): Promise<void>;
  /**
   * The load is over: hand the client's held frames to Hocuspocus. `stateVector` is that of the
   * loaded document when this client was served, so its request for the whole document becomes a
   * request for what it does not have yet; null passes the frames unchanged.
   */
  release(stateVector: Uint8Array | null): void;
}

export interface EarlySyncOptions {
  /** True when Hocuspocus holds `documentName` in memory (it answers from there, at once). */
  isLoaded(documentName: string): boolean;
  /** True while Hocuspocus is loading `documentName`. */
  isLoading(documentName: string): boolean;
  /** Stored forms with more updates than this are not served early (the log is replayed instead). */
  maxUpdates: number;
  /**
   * The longest a load waits, after reading, for clients' sync requests and for the stored state
   * to be written to the sockets of those who asked for it.
   */
  waitMs: number;
  /** Told each time a client is served early. */
  onServed?(): void;
}

/** The clients of one document being loaded. */
interface Waiters {
  /** Authenticated, and their sync request has not arrived yet. */
  undecided: Set<EarlySyncClient>;
  /** Asked for the whole document. */
  waiting: Set<EarlySyncClient>;
  /** Sent the stored state. */
  served: Set<EarlySyncClient>;
  /** Called when the last undecided client decides (or goes). */
  onDecided: (() => void) | null;
}

/**
 * Serves a document's stored state to clients that ask for the whole document while the server
 * is still loading it.
 *
 * Opening a large document otherwise costs, in sequence: reading it, applying it to the server's
 * Y.Doc, encoding it again for the client, and the client applying it. A client with nothing yet
 * (an empty state vector, as every first open has) can instead receive the stored updates, byte for
 * byte, right after they are read, and apply them while the server applies its copy. Its sync
 * request is held meanwhile; once the document is loaded it is passed on with the loaded state
 * vector in place of the empty one, so the server's answer carries only what changed since (and
 * the deletions, which a state vector does not cover). Stored content never reaches a client whose
 * authentication has not succeeded for that document: a socket registers here only after the
 * server has answered its token with "authenticated".
 *
 * A Hocuspocus provider sends its sync request only once authenticated, by which time the load has
 * begun; so after reading, the load waits (briefly, see `waitMs`) for the requests of clients
 * authenticated meanwhile, to learn which want the whole document.
 *
 * The persistence extension calls `begin` before reading, `stored` between reading and applying,
 * and `loaded` when the load ends, failed or not.
 */
export class EarlySync {
  /** Documents being read from the store by the persistence extension. */
  private readonly reading = new Set<string>();
  private readonly documents = new Map<string, Waiters>();

  constructor(private readonly options: EarlySyncOptions) {}

  /**
   * Registers `client`, just authenticated for `documentName`: `wantsWhole` when its request for
   * the whole document has already arrived, otherwise it is undecided until `decide`. Returns
   * false when there is nothing to wait for: the document is in memory, or its load is past
   * reading. A document neither loaded nor loading is about to be loaded for this very client.
   */
  register(documentName: string, client: EarlySyncClient, wantsWhole: boolean): boolean {
    if (!this.accepts(documentName)) return false;
    let waiters = this.documents.get(documentName);
    if (!waiters) {
      waiters = { undecided: new Set(), waiting: new Set(), served: new Set(), onDecided: null };
      this.documents.set(documentName, waiters);
    }
    (wantsWhole ? waiters.waiting : waiters.undecided).add(client);
    return true;
  }

  /**
   * False when a client just authenticated for `documentName` has nothing to wait for: the
   * document is in memory, or its load is past reading.
   */
  accepts(documentName: string): boolean {
    if (this.options.isLoaded(documentName)) return false;
    return !this.options.isLoading(documentName) || this.reading.has(documentName);
  }

  /** An undecided client's sync request arrived: it wants the whole document, or not. */
  decide(documentName: string, client: EarlySyncClient, wantsWhole: boolean): void {
    const waiters = this.documents.get(documentName);
    if (!waiters?.undecided.delete(client)) return;
    if (wantsWhole) waiters.waiting.add(client);
    this.checkDecided(waiters);
  }

  /** Forgets `client` (its socket closed, or its authentication was withdrawn). */
  unregister(documentName: string, client: EarlySyncClient): void {
    const waiters = this.documents.get(documentName);
    if (!waiters) return;
    waiters.waiting.delete(client);
    waiters.served.delete(client);
    if (waiters.undecided.delete(client)) this.checkDecided(waiters);
    if (waiters.undecided.size + waiters.waiting.size + waiters.served.size === 0 && !this.reading.has(documentName)) {
      this.documents.delete(documentName);
    }
  }

  /** The persistence extension starts reading `documentName`. */
  begin(documentName: string): void {
    this.reading.add(documentName);
  }

  /**
   * `documentName` was read from the store and is about to be applied: serves every client that
   * asked for the whole document. Returns null when nobody is waiting, otherwise a promise to
   * await before applying, resolved once the undecided clients have decided and the stored state
   * is written to the sockets of those who asked (so it leaves while the server is free to write
   * it), or after `waitMs`.
   */
  stored(documentName: string, updates: Uint8Array[]): Promise<void> | null {
    const waiters = this.documents.get(documentName);
    if (!waiters || waiters.undecided.size + waiters.waiting.size === 0) return null;
    if (updates.length === 0 || updates.length > this.options.maxUpdates) return null;
    const deadline = performance.now() + this.options.waitMs;
    const decided =
      waiters.undecided.size === 0
        ? Promise.resolve()
        : new Promise<void>((resolve) => {
            waiters.onDecided = resolve;
          });
    return withDeadline(decided, deadline).then(() => {
      waiters.onDecided = null;
      const flushed: Promise<void>[] = [];
      for (const client of waiters.waiting) {
        waiters.served.add(client);
        this.options.onServed?.();
        flushed.push(client.serve(updates));
      }
      waiters.waiting.clear();
      return withDeadline(Promise.all(flushed), deadline);
    });
  }

  /**
   * The load of `documentName` ended: `stateVector` is the loaded document's, or null when the
   * load failed. Every registered client's frames are released.
   */
  loaded(documentName: string, stateVector: Uint8Array | null): void {
    this.reading.delete(documentName);
    const waiters = this.documents.get(documentName);
    this.documents.delete(documentName);
    if (!waiters) return;
    for (const client of waiters.served) client.release(stateVector);
    for (const client of [...waiters.waiting, ...waiters.undecided]) client.release(null);
  }

  private checkDecided(waiters: Waiters): void {
    if (waiters.undecided.size > 0 || !waiters.onDecided) return;
    const resolve = waiters.onDecided;
    waiters.onDecided = null;
    resolve();
  }
}

/** Resolves when `promise` settles or at `deadline` (a `performance.now()` time), whichever is first. */
function withDeadline(promise: Promise<unknown>, deadline: number): Promise<void> {
  const remaining = deadline - performance.now();
  if (remaining <= 0) return Promise.resolve();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, remaining);
  });
  return Promise.race([
    promise.then(
      () => undefined,
      () => undefined,
    ),
    timeout,
  ]).finally(() => clearTimeout(timer));
}
