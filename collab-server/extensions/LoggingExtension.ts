import type {
  afterLoadDocumentPayload,
  afterUnloadDocumentPayload,
  connectedPayload,
  Extension,
  onConnectPayload,
  onDisconnectPayload,
} from '@hocuspocus/server';
import { clientAddressOf, isConnectionContext } from '../context';
import type { Logger } from '../logger';

/**
 * One structured log line per connection and document event, each with an `event` field, the
 * `document` name and the connection's `socket` id (Hocuspocus' id for the WebSocket; the other
 * extensions log refusals and failures with the same id), and `connect` the client address.
 * Nothing else from the request is logged but these ids and the token's identity: never the
 * token, never a query string.
 */
export class LoggingExtension implements Extension {
  readonly extensionName = 'Logging';

  constructor(private readonly logger: Logger) {}

  async onConnect({ documentName, socketId, context }: onConnectPayload): Promise<void> {
    this.logger.info({ event: 'connect', socket: socketId, document: documentName, address: clientAddressOf(context) }, 'connection opening a document');
  }

  async connected({ documentName, socketId, context, connectionConfig }: connectedPayload): Promise<void> {
    const identity = isConnectionContext(context) ? { user: context.user.id, role: context.role } : {};
    this.logger.info(
      { event: 'authenticated', socket: socketId, document: documentName, ...identity, readOnly: connectionConfig.readOnly },
      'connection authenticated',
    );
  }

  async onDisconnect({ documentName, socketId, context, clientsCount }: onDisconnectPayload): Promise<void> {
    const user = isConnectionContext(context) ? context.user.id : undefined;
    this.logger.info({ event: 'disconnected', socket: socketId, document: documentName, user, remaining: clientsCount }, 'connection left the document');
  }

  async afterLoadDocument({ documentName, socketId }: afterLoadDocumentPayload): Promise<void> {
    this.logger.info({ event: 'document-loaded', document: documentName, socket: socketId }, 'document loaded');
  }

  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.logger.info({ event: 'document-unloaded', document: documentName }, 'document unloaded');
  }
}
