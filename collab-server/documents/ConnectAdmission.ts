import { type DocumentStore, StoreError } from '../../persistence/DocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { canWrite, type Role } from '../../shared/token';
import type { Logger } from '../logger';
import type { NameLocks } from './NameLocks';

/** One connection whose token was accepted for a document, asking to open it. */
export interface Arrival {
  documentName: string;
  role: Role;
  userId: string;
  socketId: string;
  /** The client's address (see `ClientAddresses`), when the connection came through the gateway. */
  address: string | undefined;
}

export interface ConnectAdmissionOptions {
  store: Pick<DocumentStore, 'getMeta' | 'wasDeleted' | 'create'>;
  logger: Logger;
  /** Whether an editor's connection may create a document that does not exist. */
  createOnConnect: boolean;
  /** Shared with deletion (see `NameLocks`; in a cluster, `DatabaseNameLocks`). */
  locks: Pick<NameLocks, 'run'>;
  /** True while `documentName` is being deleted: it may be neither opened nor created meanwhile. */
  isDeleting(documentName: string): boolean;
  /**
   * Takes one document creation from the budget of `address`; false when it is spent (see
   * `AddressRateLimit`). Not asked for admin tokens, which are the operator's own credentials.
   */
  takeCreation?(address: string): boolean;
}

/**
 * Decides, for each connection on its own, whether it may open a document: the document exists,
 * or this connection may create it, and then it does so, in the store, before anything loads it.
 *
 * Hocuspocus loads a document once for every connection that arrives while it loads, with the
 * context of whichever connection came first; deciding creation there made an editor's fate
 * depend on whether a viewer happened to arrive before it. Here every connection is judged by its
 * own token: an editor allowed to create finds the document created (by itself or by anyone
 * else), a viewer finds it or is refused with `document-not-found`, and the load only ever reads.
 * A deleted document (its tombstone) is never created again this way.
 */
export class ConnectAdmission {
  constructor(private readonly options: ConnectAdmissionOptions) {}

  /** Resolves when `arrival` may open its document; throws the `CloseReason` to refuse it with. */
  async admit(arrival: Arrival): Promise<void> {
    try {
      await this.decide(arrival);
    } catch (error) {
      if (!(error instanceof StoreError)) throw error;
      this.options.logger.error(
        { err: error, document: arrival.documentName, socket: arrival.socketId },
        'reading the document store failed; the connection is refused',
      );
      throw CloseCodes.StorageUnavailable;
    }
  }

  private async decide({ documentName, role, userId, socketId, address }: Arrival): Promise<void> {
    const { store, locks, logger } = this.options;
    if (this.options.isDeleting(documentName)) throw CloseCodes.DocumentDeleted;
    if (await store.getMeta(documentName)) return;
    if (!this.options.createOnConnect || !canWrite(role)) {
      throw (await store.wasDeleted(documentName)) ? CloseCodes.DocumentDeleted : CloseCodes.DocumentNotFound;
    }
    await locks.run(documentName, async () => {
      // Another connection, or the API, may have created it while this one waited.
      if (await store.getMeta(documentName)) return;
      if (await store.wasDeleted(documentName)) throw CloseCodes.DocumentDeleted;
      if (role !== 'admin' && address !== undefined && this.options.takeCreation?.(address) === false) {
        logger.info({ document: documentName, socket: socketId, address }, 'connection refused: too many documents created from this address');
        throw CloseCodes.RateLimited;
      }
      try {
        await store.create(documentName);
      } catch (error) {
        if (error instanceof StoreError && error.code === 'EXISTS') return;
        throw error;
      }
      logger.info({ event: 'document-created', document: documentName, socket: socketId, user: userId }, 'document created on first connection');
    });
  }
}
