import type { Document, Extension, Hocuspocus, onConfigurePayload, onLoadDocumentPayload } from '@hocuspocus/server';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import type { Logger } from '../logger';
import type { Leases } from './Leases';

/**
 * The cluster's part of a document's life here (SPEC.md [PG5]): a document loads only while this
 * node holds its lease (taking it when free); a connection or a server-side change that finds
 * another node serving it is refused with `document-moved`, and the client reconnects. It runs
 * first, so nothing is read or created for a document this node does not serve.
 */
export class ClusterExtension implements Extension {
  readonly extensionName = 'Cluster';
  readonly priority = 1000;
  private instance: Hocuspocus | null = null;

  constructor(
    private readonly leases: Pick<Leases, 'route'>,
    private readonly logger: Logger,
  ) {}

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
  }

  async onLoadDocument({ documentName, socketId }: onLoadDocumentPayload): Promise<void> {
    let local: boolean;
    try {
      local = (await this.leases.route(documentName)).local;
    } catch (error) {
      this.logger.error({ err: error, document: documentName, socket: socketId }, 'taking the document lease failed; the connection is refused');
      throw CloseCodes.StorageUnavailable;
    }
    if (!local) throw CloseCodes.DocumentMoved;
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
