import * as Y from 'yjs';
import { type DocumentStore, StoreError } from '../../persistence/DocumentStore';
import { TITLE_FIELD } from '../../shared/documentFields';
import type { Logger } from '../logger';

export interface DocumentSaverOptions {
  store: DocumentStore;
  logger: Logger;
  /** Fold the log into a snapshot once it has this many entries… */
  compactLogEntries: number;
  /** …or this many bytes. */
  compactLogBytes: number;
  /** Told after each write attempt, so readiness and metrics follow failures. */
  onWrite?: (event: { name: string; ok: boolean; bytes: number; seconds: number; error?: unknown }) => void;
  /** Told after each compaction attempt. */
  onCompact?: (event: { name: string; ok: boolean; bytes: number; seconds: number }) => void;
  /** Told when nothing is left to write. */
  onIdle?: () => void;
  /** Told when the store no longer has the document (deleted while loaded). */
  onDeleted?: () => void;
  /** Told when a write was refused because another node serves the document now (a cluster's lease moved on). */
  onFenced?: () => void;
}

const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

/**
 * Writes one loaded document's updates to the store, in order, one write in flight at a time
 * (the store groups the writes of all documents into one synced batch).
 *
 * An update counts as saved only once a write holding it has resolved. A failed write keeps its
 * updates queued, ahead of newer ones, and is retried with backoff for as long as it takes;
 * nothing is dropped and nothing unsaved is reported saved.
 */
export class DocumentSaver {
  private queued: Uint8Array[] = [];
  private queuedBytes = 0;
  private received = 0;
  private saved = 0;
  private running: Promise<void> | null = null;
  private failures = 0;
  private waiters: Array<{ upTo: number; resolve: () => void; reject: (error: StoreError) => void }> = [];
  private logCount: number;
  private logBytes: number;
  private storedBytes: number;
  private writingBytes = 0;
  private lastTitle: string;
  private retryTimer: { timer: NodeJS.Timeout; wake: () => void } | null = null;
  private stopped = false;
  /** Set when the store reports the document gone: nothing can be saved any more. */
  private deleted: StoreError | null = null;

  constructor(
    readonly name: string,
    private readonly document: Y.Doc,
    private readonly options: DocumentSaverOptions,
    stored: { logCount: number; logBytes: number; size: number; title: string },
  ) {
    this.logCount = stored.logCount;
    this.logBytes = stored.logBytes;
    this.storedBytes = stored.size;
    this.lastTitle = stored.title;
    if (this.needsCompaction()) this.start();
  }

  /** Queues an update the document has applied. */
  push(update: Uint8Array): void {
    if (this.deleted) return;
    this.queued.push(update);
    this.queuedBytes += update.byteLength;
    this.received += 1;
    this.start();
  }

  /** True when every update received so far is durably stored (or the document was deleted). */
  get isSaved(): boolean {
    return this.deleted !== null || this.saved === this.received;
  }

  /** True once the store reported the document deleted. */
  get isDeleted(): boolean {
    return this.deleted !== null;
  }

  /** True while the last write attempt failed. */
  get isFailing(): boolean {
    return this.failures > 0;
  }

  /** Bytes stored for this document, plus those being written and those still queued. */
  get size(): number {
    return this.storedBytes + this.writingBytes + this.queuedBytes;
  }

  /** Bytes in this document's stored update log (what the next compaction folds in). */
  get logBytesStored(): number {
    return this.logBytes;
  }

  /** Entries in this document's stored update log. */
  get logEntriesStored(): number {
    return this.logCount;
  }

  /**
   * Resolves once every update received before this call is durably stored. Rejects with
   * StoreError `NOT_FOUND` if the document is deleted first: those updates will never be saved,
   * so they must never be acknowledged.
   */
  whenSaved(): Promise<void> {
    if (this.deleted) return Promise.reject(this.deleted);
    if (this.isSaved) return Promise.resolve();
    const upTo = this.received;
    return new Promise((resolve, reject) => this.waiters.push({ upTo, resolve, reject }));
  }

  /** Retries a failing write now instead of after its backoff (used when shutting down). */
  retryNow(): void {
    this.retryTimer?.wake();
  }

  /** Stops compacting; queued updates are still written. Called when the document unloads. */
  stop(): void {
    this.stopped = true;
  }

  private start(): void {
    if (this.running) return;
    this.running = this.run().finally(() => {
      this.running = null;
      if (this.queued.length > 0) this.start();
      else this.options.onIdle?.();
    });
  }

  private async run(): Promise<void> {
    while (this.queued.length > 0 || this.needsCompaction()) {
      if (this.queued.length > 0) {
        const batch = this.queued;
        const upTo = this.received;
        // The batch is neither queued nor stored while it is written; `size` (which the document
        // size limit reads) must still count it.
        this.writingBytes = this.queuedBytes;
        this.queued = [];
        this.queuedBytes = 0;
        const written = await this.write(batch).finally(() => {
          this.writingBytes = 0;
        });
        if (!written) {
          if (this.deleted) return;
          // Keep the batch ahead of anything that arrived meanwhile, then wait before retrying.
          this.queued = batch.concat(this.queued);
          this.queuedBytes += batch.reduce((sum, update) => sum + update.byteLength, 0);
          await this.backoff();
          continue;
        }
        if (this.deleted) return;
        this.saved = upTo;
        this.resolveWaiters();
      }
      if (this.needsCompaction()) await this.compact();
    }
  }

  private async write(batch: Uint8Array[]): Promise<boolean> {
    const update = batch.length === 1 ? batch[0] : Y.mergeUpdates(batch);
    const title = this.document.getText(TITLE_FIELD).toString();
    const started = performance.now();
    try {
      await this.options.store.append(this.name, update, title === this.lastTitle ? {} : { title });
    } catch (error) {
      if (error instanceof StoreError && (error.code === 'NOT_FOUND' || error.code === 'FENCED')) {
        // The document was deleted while these updates were queued, or (in a cluster) another node
        // serves it now: there is nowhere to keep them. They are dropped unacknowledged, and the
        // editors still attached are closed (the new owner gets their updates when they reconnect).
        const why = error.code === 'FENCED' ? 'another node serves the document now' : 'document deleted';
        this.options.logger.warn({ document: this.name, updates: batch.length }, `${why} with updates queued; they are dropped unacknowledged`);
        this.markDeleted(error);
        return true;
      }
      this.failures += 1;
      this.options.onWrite?.({ name: this.name, ok: false, bytes: update.byteLength, seconds: (performance.now() - started) / 1000, error });
      this.options.logger.error(
        { err: error, document: this.name, updates: batch.length, attempt: this.failures },
        'writing document updates failed; they stay in memory, unacknowledged, and will be retried',
      );
      return false;
    }
    if (this.failures > 0) this.options.logger.info({ document: this.name, attempts: this.failures + 1 }, 'document write succeeded after retrying');
    this.failures = 0;
    this.lastTitle = title;
    this.logCount += 1;
    this.logBytes += update.byteLength;
    this.storedBytes += update.byteLength;
    this.options.onWrite?.({ name: this.name, ok: true, bytes: update.byteLength, seconds: (performance.now() - started) / 1000 });
    return true;
  }

  private needsCompaction(): boolean {
    if (this.stopped) return false;
    return this.logCount >= this.options.compactLogEntries || this.logBytes >= this.options.compactLogBytes;
  }

  private async compact(): Promise<void> {
    // The in-memory document holds every update appended so far (and maybe newer ones, which is
    // harmless: applying an update twice changes nothing), so it is a valid snapshot of the log.
    const snapshot = Y.encodeStateAsUpdate(this.document);
    const started = performance.now();
    const report = (ok: boolean) =>
      this.options.onCompact?.({ name: this.name, ok, bytes: snapshot.byteLength, seconds: (performance.now() - started) / 1000 });
    try {
      await this.options.store.compact(this.name, snapshot);
      this.logCount = 0;
      this.logBytes = 0;
      this.storedBytes = snapshot.byteLength;
      report(true);
    } catch (error) {
      report(false);
      this.options.logger.warn({ err: error, document: this.name }, 'compacting the update log failed; the log is kept and compaction retried later');
      this.failures += 1;
      await this.backoff();
    }
  }

  private backoff(): Promise<void> {
    const delay = Math.min(MAX_RETRY_MS, MIN_RETRY_MS * 2 ** Math.min(this.failures - 1, 10));
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer);
        this.retryTimer = null;
        resolve();
      };
      const timer = setTimeout(wake, delay);
      this.retryTimer = { timer, wake };
    });
  }

  /**
   * Stops saving for good (another node serves the document now, `FENCED`): nothing received is
   * acknowledged any more, and the editors are closed so they reconnect to the new owner.
   */
  abandon(error: StoreError): void {
    if (!this.deleted) this.markDeleted(error);
  }

  private markDeleted(error: StoreError): void {
    this.deleted = error;
    this.queued = [];
    this.queuedBytes = 0;
    this.stopped = true;
    for (const waiter of this.waiters) waiter.reject(error);
    this.waiters = [];
    if (error.code === 'FENCED') this.options.onFenced?.();
    else this.options.onDeleted?.();
  }

  private resolveWaiters(): void {
    const remaining: typeof this.waiters = [];
    for (const waiter of this.waiters) {
      if (waiter.upTo <= this.saved) waiter.resolve();
      else remaining.push(waiter);
    }
    this.waiters = remaining;
  }
}
