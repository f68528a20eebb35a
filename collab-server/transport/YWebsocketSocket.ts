import type { Duplex } from 'node:stream';
import * as decoding from 'lib0/decoding';
import * as encoding from 'lib0/encoding';
import type { WebSocket } from 'ws';
import { CloseCodes } from '../../shared/closeCodes';
import { ClientSocket, type ClientSocketHooks } from './ClientSocket';
import { AuthType, authFrame, MessageType, prefixAddress, readHeader } from './frames';
import { namedClose } from './hocuspocusCloses';
import type { InboundLimits } from './InboundGuard';
import { SHARED_MESSAGE_LIMIT } from './wire';

/**
 * A socket speaking the plain y-websocket protocol (`/y/<document>?token=…`), as used by
 * `y-websocket`'s WebsocketProvider and every editor binding built on it.
 *
 * y-websocket frames are Hocuspocus frames without the leading document address, for the
 * message types they share (sync, awareness, query-awareness). So this socket adds the address
 * on the way in, strips it on the way out, turns the token from the URL into the auth frame a
 * Hocuspocus provider would send, and turns refusals into named close codes. Everything else
 * (auth, roles, limits, persistence) is the same code path as for `/collab`.
 */
export class YWebsocketSocket extends ClientSocket {
  constructor(
    ws: WebSocket,
    socket: Duplex,
    hooks: ClientSocketHooks,
    limits: InboundLimits,
    private readonly documentName: string,
  ) {
    super(ws, socket, hooks, limits);
  }

  /** The frame that authenticates this socket, fed to Hocuspocus before any client frame. */
  authenticate(token: string): Uint8Array {
    return authFrame(this.documentName, token);
  }

  protected translate(data: Uint8Array): Uint8Array[] {
    const type = data.length > 0 ? data[0] : -1;
    if (type !== MessageType.Sync && type !== MessageType.Awareness && type !== MessageType.QueryAwareness) {
      throw CloseCodes.BadMessage;
    }
    return [prefixAddress(this.documentName, data)];
  }

  send(data: Uint8Array): void {
    if (data === lastTranslated.from) {
      this.observeOutgoing(data, lastTranslated.type, this.documentName);
      this.transmit(lastTranslated.to);
      return;
    }
    const { type, decoder } = readHeader(data);
    this.observeOutgoing(data, type, this.documentName);
    const payload = data.subarray(decoder.pos);
    switch (type) {
      case MessageType.Sync:
      case MessageType.SyncReply:
        this.transmit(translated(data, type, withType(MessageType.Sync, payload)));
        return;
      case MessageType.Awareness:
      case MessageType.QueryAwareness:
        this.transmit(translated(data, type, withType(type, payload)));
        return;
      case MessageType.Auth: {
        if (decoding.readVarUint(decoder) === AuthType.PermissionDenied) this.closeFor(decoding.readVarString(decoder));
        return;
      }
      case MessageType.Close:
        this.closeFor(decoding.readVarString(decoder));
        return;
      case MessageType.SyncStatus:
        // y-websocket has no acknowledgements; the frame still takes its turn in the ordering.
        this.sendInOrder(data, null);
        return;
      default:
      // Stateless and the rest have no y-websocket equivalent.
    }
  }

  protected clientSyncFrame(_address: string, step: number, payload: Uint8Array): Uint8Array {
    const encoder = encoding.createEncoder();
    encoding.writeVarUint(encoder, MessageType.Sync);
    encoding.writeVarUint(encoder, step);
    encoding.writeVarUint8Array(encoder, payload);
    return encoding.toUint8Array(encoder);
  }

  private closeFor(reason: string): void {
    const named = namedClose(undefined, reason);
    this.close(named?.code ?? 1000, named?.reason ?? reason.slice(0, 120));
  }
}

/**
 * The last Hocuspocus frame translated for y-websocket clients, with its type and its translation.
 * A broadcast hands every socket of a document the same frame: the first socket translates it,
 * the others send the same array, which `wireMessage` then frames once for all of them.
 */
const lastTranslated: { from: Uint8Array | null; type: number; to: Uint8Array } = { from: null, type: -1, to: new Uint8Array(0) };

function translated(from: Uint8Array, type: number, to: Uint8Array): Uint8Array {
  // A large frame goes to one client (a sync answer): keeping it would only hold on to its memory.
  if (to.byteLength > SHARED_MESSAGE_LIMIT) return to;
  lastTranslated.from = from;
  lastTranslated.type = type;
  lastTranslated.to = to;
  return to;
}

function withType(type: number, payload: Uint8Array): Uint8Array {
  const frame = new Uint8Array(payload.length + 1);
  frame[0] = type;
  frame.set(payload, 1);
  return frame;
}
