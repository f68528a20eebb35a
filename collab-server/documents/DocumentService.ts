import type { Hocuspocus } from '@hocuspocus/server';
import * as Y from 'yjs';
import { type DocumentMeta, type DocumentStore, type MetaPatch, StoreError } from '../../persistence/DocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import type { ConnectionContext } from '../context';
import type { PersistenceExtension } from '../extensions/PersistenceExtension';
import type { Logger } from '../logger';

/** The identity server-side changes carry (history shows it as the author). */
export const SERVER_IDENTITY: ConnectionContext = { user: { id: 'server', name: 'Server', color: '#60646c' }, role: 'admin' };

/**
 * Server-side operations on documents, for the HTTP APIs and features: create, read, change the
 * live document (as an ordinary CRDT change every connected editor receives), delete. A change
 * resolves only once it is durable, like a client's acknowledged edit.
 */
export class DocumentService {
  constructor(
    private readonly hocuspocus: Hocuspocus,
    private readonly store: DocumentStore,
    private readonly persistence: PersistenceExtension,
    private readonly logger: Logger,
    /** In a cluster: applies a change on the node serving the document; false when that is this one. */
    private readonly changeElsewhere?: (name: string, change: (doc: Y.Doc) => void, by: ConnectionContext) => Promise<boolean>,
  ) {}

  /** Creates a document; `update` (a Yjs update) is its initial content. Throws StoreError `EXISTS`. */
  create(name: string, init: { update?: Uint8Array } & MetaPatch = {}): Promise<DocumentMeta> {
    return this.store.create(name, init);
  }

  getMeta(name: string): Promise<DocumentMeta | null> {
    return this.store.getMeta(name);
  }

  updateMeta(name: string, patch: MetaPatch): Promise<DocumentMeta> {
    return this.store.updateMeta(name, patch);
  }

  list(): Promise<DocumentMeta[]> {
    return this.store.list();
  }

  /**
   * Calls `read` with the current state of a document: the live Y.Doc when loaded, otherwise a
   * copy loaded from the store. `read` must not change the document. Throws StoreError `NOT_FOUND`.
   */
  async read<T>(name: string, read: (doc: Y.Doc) => T): Promise<T> {
    const live = this.hocuspocus.documents.get(name);
    if (live && !live.isLoading) return read(live);
    const loaded = await this.store.load(name);
    if (!loaded) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    const doc = new Y.Doc();
    try {
      doc.transact(() => {
        for (const update of loaded.updates) Y.applyUpdate(doc, update);
      });
      return read(doc);
    } finally {
      doc.destroy();
    }
  }

  /**
   * The current state of a document as Yjs updates that rebuild it (for a conversion worker): the
   * stored updates, never applied here, unless the live document holds changes not yet durable
   * (then its whole state, encoded here). A loaded document with everything stored (an idle one
   * kept loaded, or one nobody is typing into) is read from the store like an unloaded one, so
   * repeated reads and exports do not encode it on the event loop ([LC4]).
   * Fresh copies, so they can be moved to a worker. Throws StoreError `NOT_FOUND`.
   */
  async state(name: string): Promise<Uint8Array[]> {
    const live = this.hocuspocus.documents.get(name);
    if (live && !live.isLoading && !this.persistence.isSaved(name)) return [Y.encodeStateAsUpdate(live)];
    return this.storedState(name);
  }

  /**
   * The stored state of a document: every change acknowledged so far (a change made through
   * `change` included, once it resolved), as the store's updates, never encoded or applied here,
   * so it costs the event loop nothing in proportion to the document (encoding a live document
   * of 100,000 paragraphs takes a quarter of a second). Fresh copies, to move to a worker.
   * Throws StoreError `NOT_FOUND`.
   */
  async storedState(name: string): Promise<Uint8Array[]> {
    const loaded = await this.store.load(name);
    if (!loaded) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    return loaded.updates.map((update) => new Uint8Array(update));
  }

  /**
   * Applies `change` to the live document in one transaction, as `by` (default: the server),
   * and resolves once it is durable. Connected editors receive it like any remote edit.
   * Throws StoreError `NOT_FOUND` for a document that does not exist.
   */
  async change(name: string, change: (doc: Y.Doc) => void, by: ConnectionContext = SERVER_IDENTITY): Promise<void> {
    if (!(await this.store.getMeta(name))) throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    if (await this.changeElsewhere?.(name, change, by)) return;
    const connection = await this.hocuspocus.openDirectConnection(name, by);
    try {
      await connection.transact((doc) => change(doc));
      await this.persistence.ackGate(name);
    } finally {
      await connection.disconnect();
    }
  }

  /**
   * Deletes a document: open editors are told (close reason `document-deleted`) and disconnected,
   * everything stored for it goes, and a tombstone keeps stale clients from re-creating it.
   * Updates not yet stored are dropped unacknowledged. Returns false when it did not exist.
   */
  async delete(name: string): Promise<boolean> {
    const closeEditors = () => {
      for (const connection of this.hocuspocus.documents.get(name)?.getConnections() ?? []) connection.close(CloseCodes.DocumentDeleted);
    };
    const existed = await this.persistence.whileDeleting(name, async () => {
      closeEditors();
      // No waiting for queued writes: the store applies writes in order, so the deletion lands
      // after them, and anything queued later fails as NOT_FOUND and is never acknowledged.
      // (Waiting would hang a delete for as long as a failing disk keeps refusing writes.)
      const removed = await this.store.delete(name);
      // A client that joined the loaded document meanwhile is closed too.
      closeEditors();
      return removed;
    });
    if (existed) this.logger.info({ event: 'document-deleted', document: name }, 'document deleted');
    return existed;
  }
}
