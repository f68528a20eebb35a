import type { beforeHandleMessagePayload, Extension, onConnectPayload } from '@hocuspocus/server';
import { CloseCodes } from '../../shared/closeCodes';
import { MessageType, readHeader } from '../transport/frames';

export interface LimitsOptions {
  maxConnectionsPerDocument: number;
  maxDocumentBytes: number;
  /** Stored plus queued bytes of a loaded document. */
  sizeOf: (documentName: string) => number;
}

/**
 * Per-document limits (the per-socket ones live in the transport's InboundGuard): connections to
 * one document, and the size a document may grow to. A breach closes only the offending
 * connection, with a named reason, before anything is applied.
 */
export class LimitsExtension implements Extension {
  readonly extensionName = 'Limits';

  constructor(private readonly options: LimitsOptions) {}

  async onConnect({ documentName, instance }: onConnectPayload): Promise<void> {
    const document = instance.documents.get(documentName);
    if (document && document.getConnectionsCount() >= this.options.maxConnectionsPerDocument) throw CloseCodes.TooManyConnections;
  }

  async beforeHandleMessage({ documentName, update }: beforeHandleMessagePayload): Promise<void> {
    if (readHeader(update).type !== MessageType.Sync) return;
    if (this.options.sizeOf(documentName) + update.byteLength > this.options.maxDocumentBytes) throw CloseCodes.DocumentTooLarge;
  }
}
