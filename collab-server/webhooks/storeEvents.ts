import type { DocumentMeta, DocumentStore } from '../../persistence/DocumentStore';
import { overriding } from '../documents/storeOverrides';
import type { Logger } from '../logger';

/** Told after a document was created or deleted. */
export interface DocumentEventListener {
  created(meta: DocumentMeta): void;
  deleted(name: string): void;
}

/**
 * `store`, reporting every successful `create` and every `delete` of an existing document to
 * `listener`. The store is where every feature creates and deletes (the app's routes, the content
 * API, an editor's first connection, `DocumentService`), so nothing is missed. Everything else
 * passes through untouched; a listener that throws is logged and never fails the operation.
 */
export function withDocumentEvents(store: DocumentStore, listener: DocumentEventListener, logger: Logger): DocumentStore {
  const tell = (notify: () => void) => {
    try {
      notify();
    } catch (error) {
      logger.error({ err: error }, 'a document event listener failed');
    }
  };
  const create: DocumentStore['create'] = async (name, init) => {
    const meta = await store.create(name, init);
    tell(() => listener.created(meta));
    return meta;
  };
  const remove: DocumentStore['delete'] = async (name) => {
    const existed = await store.delete(name);
    if (existed) tell(() => listener.deleted(name));
    return existed;
  };
  return overriding(store, { create, delete: remove });
}
