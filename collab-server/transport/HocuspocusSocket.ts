import * as decoding from 'lib0/decoding';
import { CloseCodes } from '../../shared/closeCodes';
import { ClientSocket } from './ClientSocket';
import { AuthType, closeFrame, frameType, MessageType, readHeader } from './frames';
import { namedClose } from './hocuspocusCloses';

/** A socket speaking the Hocuspocus protocol (`/collab`): frames pass through unchanged. */
export class HocuspocusSocket extends ClientSocket {
  protected translate(data: Uint8Array): Uint8Array[] {
    return [data];
  }

  send(data: Uint8Array): void {
    const type = frameType(data);
    this.observeOutgoing(data, type);
    if (type === MessageType.Auth && refusedAsMoved(data)) {
      // The provider gives up on a document refused to it, but reconnects a closed socket: a
      // document that moved (or whose copy here went stale) is retried that way, as in a cluster
      // it must be ([PG5]). The socket's other documents reconnect with it and resend what is unacknowledged.
      this.refuse(CloseCodes.DocumentMoved);
      return;
    }
    if (type === MessageType.Close) {
      const closing = this.closingDocument(data);
      // An update built on content the server lacks ([G10]) is fixed by a new sync, which the
      // provider makes after a closed socket only (a closed document stays closed).
      if (closeReason(closing) === CloseCodes.MissingDependencies.reason) this.refuse(CloseCodes.MissingDependencies);
      else this.sendAfterAcknowledgements(closing);
      return;
    }
    this.sendInOrder(data, data);
  }

  /**
   * The server closed this socket's connection to one document (the socket stays open for the
   * others). A reason Hocuspocus chose itself ("Reset Connection" for a frame it could not handle)
   * is replaced by its named reason.
   */
  private closingDocument(data: Uint8Array): Uint8Array {
    const { address, decoder } = readHeader(data);
    const reason = decoding.readVarString(decoder);
    const named = namedClose(undefined, reason);
    return named && named.reason !== reason ? closeFrame(address, named.reason) : data;
  }
}

/** True for a permission-denied answer whose reason is `document-moved`. */
function refusedAsMoved(data: Uint8Array): boolean {
  const { decoder } = readHeader(data);
  return decoding.readVarUint(decoder) === AuthType.PermissionDenied && decoding.readVarString(decoder) === CloseCodes.DocumentMoved.reason;
}

/** The reason of a close frame. */
function closeReason(data: Uint8Array): string {
  return decoding.readVarString(readHeader(data).decoder);
}
