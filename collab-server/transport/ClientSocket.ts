import type { WebSocketLike } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import type { CloseReason } from '../../shared/closeCodes';
import { acknowledgedDocument, MessageType, readHeader } from './frames';
import { namedClose } from './hocuspocusCloses';
import { InboundGuard, type InboundLimits } from './InboundGuard';

/** What a client socket needs from the rest of the server. */
export interface ClientSocketHooks {
  /** Null when `documentName` has nothing unsaved; otherwise resolves once it is durable. */
  ackGate(documentName: string): Promise<void> | null;
  /** Counts frames for metrics. */
  onFrame?(direction: 'in' | 'out'): void;
}

/**
 * One client's WebSocket as Hocuspocus sees it. Subclasses translate the client's protocol to
 * Hocuspocus frames (`translate`) and back (`send`).
 *
 * Positive sync acknowledgements are held back until the acknowledged document has nothing
 * unsaved: that is what makes "synced" mean "on disk". Acknowledgements leave in order; every
 * other frame passes at once, so holding an acknowledgement never delays anyone's edits.
 */
export abstract class ClientSocket implements WebSocketLike {
  private pendingAck: Promise<void> | null = null;
  private readonly guard: InboundGuard;

  constructor(
    protected readonly ws: WebSocket,
    protected readonly hooks: ClientSocketHooks,
    limits: InboundLimits,
  ) {
    this.guard = new InboundGuard(limits);
  }

  get readyState(): number {
    return this.ws.readyState;
  }

  /**
   * The Hocuspocus frames for one message from the client, after the inbound checks.
   * Throws a `CloseReason` when the message breaks a rule.
   */
  receive(data: Uint8Array): Uint8Array[] {
    this.hooks.onFrame?.('in');
    this.guard.countMessage();
    const frames = this.translate(data);
    for (const frame of frames) this.guard.check(frame);
    return frames;
  }

  /** Sends one Hocuspocus frame to the client, in the client's protocol. */
  abstract send(data: Uint8Array): void;

  /** The Hocuspocus frames for one client message; throws a `CloseReason` to refuse it. */
  protected abstract translate(data: Uint8Array): Uint8Array[];

  /** Closes the socket with a named reason. */
  refuse(reason: CloseReason): void {
    this.close(reason.code, reason.reason);
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === this.ws.CLOSING || this.ws.readyState === this.ws.CLOSED) return;
    // Hocuspocus closes sockets itself ("Connection Timeout", "Reset Connection", …): send our names.
    const named = namedClose(code, reason);
    this.ws.close(named?.code ?? code, named?.reason ?? reason);
  }

  /**
   * Shows the inbound guard one outgoing Hocuspocus frame of message type `type`, so it knows
   * which documents are authenticated, set up, or closed again. Call for every outgoing frame;
   * `documentName` saves decoding the address when the caller knows it.
   */
  protected observeOutgoing(data: Uint8Array, type: number, documentName?: string): void {
    if (type === MessageType.Auth) {
      const header = readHeader(data);
      this.guard.observeAuth(header.documentName, decoding.readVarUint(header.decoder));
    } else if (type === MessageType.Close) {
      // The server closed the connection to one document: it must authenticate again.
      this.guard.forget(documentName ?? readHeader(data).documentName);
    } else if (this.guard.awaitingSetup) {
      this.guard.observeServerFrame(documentName ?? readHeader(data).documentName);
    }
  }

  /**
   * Sends `frame` (the client-protocol form of Hocuspocus frame `data`, or null to send nothing)
   * now, or, when `data` is a positive acknowledgement, once its document is durable.
   */
  protected sendInOrder(data: Uint8Array, frame: Uint8Array | null): void {
    const documentName = acknowledgedDocument(data);
    const gate = documentName === null ? null : this.hooks.ackGate(documentName);
    if (documentName === null || (gate === null && this.pendingAck === null)) {
      if (frame) this.transmit(frame);
      return;
    }
    const settle = () => {
      if (this.pendingAck === chain) this.pendingAck = null;
    };
    const chain: Promise<void> = Promise.all([this.pendingAck, gate]).then(
      () => {
        if (frame) this.transmit(frame);
        settle();
      },
      // The document was deleted before the update was stored: it is never acknowledged.
      settle,
    );
    this.pendingAck = chain;
  }

  protected transmit(frame: Uint8Array): void {
    if (this.ws.readyState !== this.ws.OPEN) return;
    this.hooks.onFrame?.('out');
    this.ws.send(frame);
  }
}
