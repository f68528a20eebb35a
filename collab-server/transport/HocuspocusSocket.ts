import * as decoding from 'lib0/decoding';
import { ClientSocket } from './ClientSocket';
import { closeFrame, frameType, MessageType, readHeader } from './frames';
import { namedClose } from './hocuspocusCloses';

/** A socket speaking the Hocuspocus protocol (`/collab`): frames pass through unchanged. */
export class HocuspocusSocket extends ClientSocket {
  protected translate(data: Uint8Array): Uint8Array[] {
    return [data];
  }

  send(data: Uint8Array): void {
    const type = frameType(data);
    this.observeOutgoing(data, type);
    if (type === MessageType.Close) {
      this.sendAfterAcknowledgements(this.closingDocument(data));
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
