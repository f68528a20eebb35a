import type { Document, Extension, Hocuspocus, onConfigurePayload, onConnectPayload, onLoadDocumentPayload } from '@hocuspocus/server';
import type * as Y from 'yjs';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import type { Logger } from '../logger';
import type { Leases } from './Leases';

/**
 * The cluster's part of a document's life here (SPEC.md [PG5]): a document loads only while this
 * node holds its lease (taking it when free); a connection or a server-side change that finds
 * another node serving it is refused with `document-moved`, and the client reconnects. It runs
 * first, so nothing is read or created for a document this node does not serve.
 *
 * A loaded document writes under the epoch of the lease it was loaded under, not whatever lease
 * this node holds now ([PG6]): if the lease lapsed here and was taken again (by this node, with a
 * new epoch, after another node may have served and stored edits in between), the copy loaded
 * earlier lacks those edits, and its writes and compactions are fenced off; its editors are sent
 * to reconnect, and new connections are refused until it unloads and the document loads afresh.
 */
export class ClusterExtension implements Extension {
  readonly extensionName = 'Cluster';
  readonly priority = 1000;
  private instance: Hocuspocus | null = null;
  /** The lease epoch each loaded document was loaded under. */
  private readonly loadedUnder = new WeakMap<Y.Doc, number>();

  constructor(
    private readonly leases: Pick<Leases, 'route' | 'epochOf'>,
    private readonly logger: Logger,
  ) {}

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
  }

  /** A connection to a loaded copy whose lease has lapsed is refused; the client retries until it loads afresh. */
  async onConnect({ documentName }: onConnectPayload): Promise<void> {
    if (this.instance?.documents.has(documentName) && this.fence(documentName) === null) throw CloseCodes.DocumentMoved;
  }

  async onLoadDocument({ documentName, socketId, document }: onLoadDocumentPayload): Promise<void> {
    let local: boolean;
    try {
      local = (await this.leases.route(documentName)).local;
    } catch (error) {
      this.logger.error({ err: error, document: documentName, socket: socketId }, 'taking the document lease failed; the connection is refused');
      throw CloseCodes.StorageUnavailable;
    }
    if (!local) throw CloseCodes.DocumentMoved;
    const epoch = this.leases.epochOf(documentName);
    if (epoch === null) throw CloseCodes.DocumentMoved;
    this.loadedUnder.set(document, epoch);
  }

  /**
   * The epoch the writes of `name` carry: the lease's, while the loaded copy (if any) was loaded
   * under it; null (fenced) when this node holds no valid lease or the loaded copy is from an older one.
   */
  fence(name: string): number | null {
    const current = this.leases.epochOf(name);
    const loaded = this.document(name);
    const epoch = loaded ? this.loadedUnder.get(loaded) : undefined;
    return epoch === undefined || epoch === current ? current : null;
  }

  /** The loaded document `name`, if any. */
  document(name: string): Document | undefined {
    return this.instance?.documents.get(name);
  }

  /** True while `name` is loaded or loading here. */
  inUse(name: string): boolean {
    return this.instance !== null && (this.instance.documents.has(name) || this.instance.loadingDocuments.has(name));
  }

  /**
   * Closes the sockets of every connection to `name` with `reason`: the whole socket, also on
   * `/collab`, where closing one document would leave the provider waiting instead of reconnecting.
   */
  closeSockets(name: string, reason: CloseReason): void {
    for (const connection of this.document(name)?.getConnections() ?? []) {
      const socket = connection.webSocket as { refuse?: (reason: CloseReason) => void };
      if (socket.refuse) socket.refuse(reason);
      else connection.close(reason);
    }
  }
}
