import type {
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  beforeUnloadDocumentPayload,
  Extension,
  Hocuspocus,
  onLoadDocumentPayload,
  onStoreDocumentPayload,
} from '@hocuspocus/server';
import * as Y from 'yjs';
import { type DocumentStore, StoreError } from '../../persistence/DocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import type { NameLocks } from '../documents/NameLocks';
import type { Logger } from '../logger';
import type { EarlySync } from '../transport/EarlySync';
import { applyStoredUpdates } from './applyStoredUpdates';
import { DocumentSaver, type DocumentSaverOptions } from './DocumentSaver';

export interface PersistenceOptions {
  store: DocumentStore;
  logger: Logger;
  compactLogEntries: number;
  compactLogBytes: number;
  /** Deleting a document takes its lock, as creating one on connect does (see `ConnectAdmission`). */
  locks: Pick<NameLocks, 'run'>;
  onWrite?: DocumentSaverOptions['onWrite'];
  onCompact?: DocumentSaverOptions['onCompact'];
  /** Told after each attempt to load a document from the store. */
  onLoad?: (event: { name: string; ok: boolean; seconds: number }) => void;
  /** Serves the stored state to clients waiting for it while the document is applied (see `EarlySync`). */
  earlySync?: Pick<EarlySync, 'begin' | 'stored' | 'loaded'>;
  /** In a cluster: told when this node may no longer write a loaded document (its lease moved on). */
  onFenced?: (documentName: string) => void;
}

/**
 * Loads documents from the store and appends every change to its log as it happens.
 *
 * It listens to the Y.Doc's own `update` event rather than Hocuspocus' `onChange` hook: the event
 * fires synchronously inside the transaction that applied a client's update, before Hocuspocus
 * sends that client its sync acknowledgement, so the acknowledgement can be held back until the
 * write is durable (see `ackGate`). `onStoreDocument` then only waits for those writes, which
 * keeps Hocuspocus from unloading a document whose changes are not yet on disk.
 */
export class PersistenceExtension implements Extension {
  readonly extensionName = 'Persistence';
  private readonly savers = new Map<string, DocumentSaver>();
  /** Documents being deleted right now: they must not be loaded again meanwhile. */
  private readonly deleting = new Set<string>();
  private instance: Hocuspocus | null = null;

  constructor(private readonly options: PersistenceOptions) {}

  async onLoadDocument(payload: onLoadDocumentPayload): Promise<void> {
    const { earlySync } = this.options;
    earlySync?.begin(payload.documentName);
    let stateVector: Uint8Array | null = null;
    try {
      await this.load(payload);
      stateVector = Y.encodeStateVector(payload.document);
    } finally {
      earlySync?.loaded(payload.documentName, stateVector);
    }
  }

  /**
   * Reads the document into `document`. It never creates one: a load is shared by every
   * connection that arrives while it runs, so it cannot decide for them; each connection's
   * authentication made sure its document exists, or created it (see `ConnectAdmission`).
   */
  private async load({ documentName, document, instance, socketId }: onLoadDocumentPayload): Promise<void> {
    this.instance = instance;
    const { store, logger } = this.options;
    let loaded: Awaited<ReturnType<DocumentStore['load']>>;
    const started = performance.now();
    let reported = false;
    const report = (ok: boolean) => {
      if (!reported) this.options.onLoad?.({ name: documentName, ok, seconds: (performance.now() - started) / 1000 });
      reported = true;
    };
    if (this.deleting.has(documentName)) throw CloseCodes.DocumentDeleted;
    try {
      loaded = await store.load(documentName);
      report(true);
      // Deleted after the connections were admitted (or never there): nothing to load.
      if (!loaded) throw (await store.wasDeleted(documentName)) ? CloseCodes.DocumentDeleted : CloseCodes.DocumentNotFound;
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      report(false);
      // A failed load must not leave an empty document that would later be saved over the
      // stored one: refuse the connection instead, with a reason the client can show.
      logger.error({ err: error, document: documentName, socket: socketId }, 'loading the document failed; the connection is refused');
      throw CloseCodes.StorageUnavailable;
    }
    // Clients waiting for this document get the stored bytes first, and apply them while this
    // server applies its copy.
    const served = this.options.earlySync?.stored(documentName, loaded.updates);
    if (served) await served;
    applyStoredUpdates(document, loaded.updates);
    // Hocuspocus queues every change for a broadcast on the next turn of the event loop. The stored
    // state is news to nobody, and a client that joins before that turn (as soon as the load ends)
    // would be sent the whole document a second time: send the queue now, to no one.
    document.flush();
    if (document.store.pendingStructs) {
      logger.warn({ document: documentName }, 'stored updates reference missing content; the document loaded without it');
    }
  }

  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    const meta = await this.options.store.getMeta(documentName);
    const saver = new DocumentSaver(
      documentName,
      document,
      {
        ...this.options,
        onIdle: () => this.unloadIfIdle(documentName),
        onDeleted: () => this.closeDeleted(documentName),
        onFenced: () => this.options.onFenced?.(documentName),
      },
      meta ?? { logCount: 0, logBytes: 0, size: 0, title: '' },
    );
    this.savers.set(documentName, saver);
    document.on('update', (update: Uint8Array) => saver.push(update));
  }

  /** Hocuspocus' debounced save: nothing to write here, only wait for the writes in progress. */
  async onStoreDocument({ documentName }: onStoreDocumentPayload): Promise<void> {
    // A deleted document has nothing left to save; it may unload.
    await this.savers
      .get(documentName)
      ?.whenSaved()
      .catch(() => undefined);
  }

  async beforeUnloadDocument({ documentName }: beforeUnloadDocumentPayload): Promise<void> {
    // Never unload with unsaved updates: they exist only in this document's memory.
    // (Rejected without a message so Hocuspocus does not log it as an error.)
    if (this.savers.get(documentName)?.isSaved === false) throw { reason: 'writes-pending' };
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.savers.get(documentName)?.stop();
    this.savers.delete(documentName);
  }

  /**
   * For the transport: null when every update of `documentName` received so far is durable,
   * otherwise a promise that resolves when it is, or rejects (StoreError `NOT_FOUND`) when the
   * document is deleted first. A sync acknowledgement waits for it, and is dropped on rejection.
   */
  ackGate(documentName: string): Promise<void> | null {
    const saver = this.savers.get(documentName);
    if (!saver) return null;
    if (saver.isDeleted) return saver.whenSaved();
    if (saver.isSaved) return null;
    return saver.whenSaved();
  }

  /**
   * Runs `remove` (the store deletion) while `documentName` cannot be loaded: a client that
   * reconnects in the middle is refused instead of loading the copy about to disappear.
   */
  whileDeleting<T>(documentName: string, remove: () => Promise<T>): Promise<T> {
    return this.options.locks.run(documentName, async () => {
      this.deleting.add(documentName);
      try {
        return await remove();
      } finally {
        this.deleting.delete(documentName);
      }
    });
  }

  /**
   * Stops saving a loaded document for good, without acknowledging anything more: in a cluster,
   * when this node lost the document's lease (another node serves it now, and writes it).
   */
  abandon(documentName: string, why: string): void {
    this.savers.get(documentName)?.abandon(new StoreError('FENCED', `document "${documentName}" is no longer served here: ${why}`));
  }

  /** True when every update `documentName` received is durable and it was not deleted or abandoned (or it is not loaded). */
  isSaved(documentName: string): boolean {
    const saver = this.savers.get(documentName);
    return !saver || (saver.isSaved && !saver.isDeleted);
  }

  /** True while `documentName` is being deleted. */
  isDeleting(documentName: string): boolean {
    return this.deleting.has(documentName);
  }

  /** The size a document would have on disk with everything queued: for the size limit. */
  sizeOf(documentName: string): number {
    return this.savers.get(documentName)?.size ?? 0;
  }

  /** Bytes in the stored update logs of the loaded documents (unloaded ones are not counted). */
  logBytes(): number {
    let bytes = 0;
    for (const saver of this.savers.values()) bytes += saver.logBytesStored;
    return bytes;
  }

  /** Entries in the stored update logs of the loaded documents. */
  logEntries(): number {
    let entries = 0;
    for (const saver of this.savers.values()) entries += saver.logEntriesStored;
    return entries;
  }

  /** Names of loaded documents whose last write failed. */
  failingDocuments(): string[] {
    return [...this.savers.values()].filter((saver) => saver.isFailing).map((saver) => saver.name);
  }

  /** Names of loaded documents with updates not yet durable. */
  unsavedDocuments(): string[] {
    return [...this.savers.values()].filter((saver) => !saver.isSaved).map((saver) => saver.name);
  }

  /** Resolves when every update received so far, in every document still stored, is durable. */
  async whenAllSaved(): Promise<void> {
    for (const saver of this.savers.values()) saver.retryNow();
    await Promise.all([...this.savers.values()].map((saver) => saver.whenSaved().catch(() => undefined)));
  }

  /** Closes every editor of a document the store no longer has. */
  private closeDeleted(documentName: string): void {
    for (const connection of this.instance?.documents.get(documentName)?.getConnections() ?? []) connection.close(CloseCodes.DocumentDeleted);
  }

  private unloadIfIdle(documentName: string): void {
    const document = this.instance?.documents.get(documentName);
    if (document && document.getConnectionsCount() === 0) void this.instance?.unloadDocument(document);
  }
}
