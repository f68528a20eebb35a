import type { Duplex } from 'node:stream';
import type { WebSocketLike } from '@hocuspocus/server';
import * as decoding from 'lib0/decoding';
import type { WebSocket } from 'ws';
import type { CloseReason } from '../../shared/closeCodes';
import type { EarlySync, EarlySyncClient } from './EarlySync';
import { AuthType, acknowledgedDocument, isWholeDocumentRequest, MessageType, readHeader, SyncStep, syncFrame } from './frames';
import { namedClose } from './hocuspocusCloses';
import { InboundGuard, type InboundLimits } from './InboundGuard';
import type { WholeStateCache } from './WholeStateCache';
import { sendMessage } from './wire';

/** What a client socket needs from the rest of the server. */
export interface ClientSocketHooks {
  /** Null when `documentName` has nothing unsaved; otherwise resolves once it is durable. */
  ackGate(documentName: string): Promise<void> | null;
  /** Counts frames for metrics. */
  onFrame?(direction: 'in' | 'out'): void;
  /** Serves stored state to clients that ask for a whole document while it loads. */
  earlySync?: EarlySync;
  /** Answers clients that ask for the whole of a loaded document from one encoding. */
  wholeState?: WholeStateCache;
}

/**
 * How long a request for a whole document may be held for `EarlySync` at most. The load releases
 * it long before; this only bounds what an unforeseen path would otherwise hold forever.
 */
const HOLD_TIMEOUT_MS = 10_000;

/**
 * What this socket knows about one address while its document loads (see `EarlySync`): the
 * client's request for the whole document and its frames after it, held; or, when the token was
 * accepted before any request came, that the request is still to come.
 */
interface Hold {
  documentName: string;
  /** `held`: frames are held (the request first). `undecided`: authenticated, request still to come. */
  state: 'held' | 'undecided';
  frames: Uint8Array[];
  /** Set once the server accepted the client's token for the document. */
  waiter: EarlySyncClient | null;
  served: boolean;
  timer: NodeJS.Timeout;
}

/**
 * One client's WebSocket as Hocuspocus sees it. Subclasses translate the client's protocol to
 * Hocuspocus frames (`translate`) and back (`send`).
 *
 * Positive sync acknowledgements are held back until the acknowledged document has nothing
 * unsaved: that is what makes "synced" mean "on disk". Acknowledgements leave in order; every
 * other frame passes at once, so holding an acknowledgement never delays anyone's edits (only the
 * close of a document waits for the acknowledgements before it).
 */
export abstract class ClientSocket implements WebSocketLike {
  private pendingAck: Promise<void> | null = null;
  private readonly guard: InboundGuard;
  /** Held requests by address; null (the usual case) when there are none. */
  private holds: Map<string, Hold> | null = null;
  /** Where frames released from a hold go: Hocuspocus' connection for this socket, set by the gateway. */
  connection: { handleMessage(frame: Uint8Array): void } | null = null;

  /**
   * @param ws The client's WebSocket.
   * @param socket Its TCP (or TLS) socket, which small messages are written to directly (see `sendMessage`).
   */
  constructor(
    protected readonly ws: WebSocket,
    private readonly socket: Duplex,
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
    if (this.holds !== null || (this.hooks.earlySync && frames.some(isWholeDocumentRequest))) return this.holdBack(frames);
    return frames;
  }

  /** Stops holding anything (the socket closed); held frames are dropped, as Hocuspocus drops its queues. */
  dispose(): void {
    for (const address of [...(this.holds?.keys() ?? [])]) this.dropHold(address);
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
      const authType = decoding.readVarUint(header.decoder);
      // The server asking an open connection for a fresh token (it is about to expire) answers nothing.
      if (authType === AuthType.Token) return;
      this.guard.observeAuth(header.documentName, authType);
      this.authAnswered(header.address, header.documentName, authType);
    } else if (type === MessageType.Close) {
      // The server closed the connection to one document: it must authenticate again.
      const header = readHeader(data);
      this.guard.forget(header.documentName);
      this.dropHold(header.address);
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

  /**
   * Sends `frame` once every acknowledgement queued before it has been sent: a client told that a
   * document's connection closed has heard about everything stored before the close, and no
   * acknowledgement of the old connection reaches it after it authenticated again.
   */
  protected sendAfterAcknowledgements(frame: Uint8Array): void {
    if (this.pendingAck === null) {
      this.transmit(frame);
      return;
    }
    const chain: Promise<void> = this.pendingAck.then(() => {
      this.transmit(frame);
      if (this.pendingAck === chain) this.pendingAck = null;
    });
    this.pendingAck = chain;
  }

  /** Sends a frame in the client's protocol; `onWritten` is called once it is written to the socket (or failed to be). */
  protected transmit(frame: Uint8Array, onWritten?: () => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      onWritten?.();
      return;
    }
    this.hooks.onFrame?.('out');
    sendMessage(this.ws, this.socket, frame, onWritten);
  }

  /** The client-protocol form of a sync frame for `address` (the Hocuspocus form; subclasses translate). */
  protected clientSyncFrame(address: string, step: number, payload: Uint8Array): Uint8Array {
    return syncFrame(address, step, payload);
  }

  /**
   * Holds each request for a whole document whose connection is not set up yet, and whatever the
   * client sends to the same address after it, until `EarlySync` releases them (see there).
   */
  private holdBack(frames: Uint8Array[]): Uint8Array[] {
    const passed: Uint8Array[] = [];
    for (const frame of frames) {
      const { address, documentName, type, decoder } = readHeader(frame);
      const hold = this.holds?.get(address);
      const wantsWhole = isWholeDocumentRequest(frame);
      // Tokens always pass: Hocuspocus answers them before it handles anything queued anyway.
      if (type === MessageType.Auth) passed.push(frame);
      else if (hold?.state === 'held') hold.frames.push(frame);
      else if (hold) {
        // Authenticated, waiting to learn what the client asks for: its first sync request tells.
        if (wantsWhole) {
          hold.state = 'held';
          hold.frames.push(frame);
          if (hold.waiter) this.hooks.earlySync?.decide(documentName, hold.waiter, true);
        } else {
          if (type === MessageType.Sync && decoding.readVarUint(decoder) === SyncStep.Step1) this.takeHold(address);
          passed.push(frame);
        }
      } else if (wantsWhole && !this.guard.isSetUp(documentName)) {
        this.addHold(address, documentName, 'held').frames.push(frame);
        // The token may have been accepted already (the request came after the answer).
        if (this.guard.isAuthenticated(documentName)) this.authAnswered(address, documentName, AuthType.Authenticated);
      } else if (wantsWhole) {
        const answer = this.wholeAnswer(address, documentName);
        if (answer) this.transmit(answer.reply);
        passed.push(answer?.request ?? frame);
      } else passed.push(frame);
    }
    return passed;
  }

  /**
   * For a client asking for the whole of loaded document `documentName`, with its token accepted:
   * the sync answer, from the document's shared encoding (see `WholeStateCache`), and the request
   * to pass on in place of the client's, asking only for what came after that encoding (nothing,
   * and the deletions). Null when the document is not loaded or the client not authenticated.
   */
  private wholeAnswer(address: string, documentName: string): { reply: Uint8Array; request: Uint8Array } | null {
    if (!this.guard.isAuthenticated(documentName)) return null;
    const whole = this.hooks.wholeState?.get(documentName);
    if (!whole) return null;
    return { reply: this.clientSyncFrame(address, SyncStep.Step2, whole.update), request: syncFrame(address, SyncStep.Step1, whole.stateVector) };
  }

  private addHold(address: string, documentName: string, state: Hold['state']): Hold {
    this.holds ??= new Map();
    const timer = setTimeout(() => this.releaseHold(address, null), HOLD_TIMEOUT_MS);
    timer.unref();
    const hold: Hold = { documentName, state, frames: [], waiter: null, served: false, timer };
    this.holds.set(address, hold);
    return hold;
  }

  /** The server answered the token for `address`: wait for the load, or let go. */
  private authAnswered(address: string, documentName: string, authType: number): void {
    const earlySync = this.hooks.earlySync;
    if (!earlySync) return;
    if (authType !== AuthType.Authenticated) {
      // Hocuspocus drops what it queued for a refused document; so is what was held for it.
      this.dropHold(address);
      return;
    }
    let hold = this.holds?.get(address);
    if (hold?.waiter || this.guard.isSetUp(documentName)) return;
    if (!earlySync.accepts(documentName)) {
      if (hold) this.releaseHold(address, null);
      return;
    }
    hold ??= this.addHold(address, documentName, 'undecided');
    const waiting = hold;
    const waiter: EarlySyncClient = {
      serve: (updates) => this.serveStored(address, waiting, updates),
      release: (stateVector) => this.releaseHold(address, stateVector),
    };
    hold.waiter = waiter;
    earlySync.register(documentName, waiter, hold.state === 'held');
  }

  /**
   * Sends the stored updates: the log first, as plain updates, and the snapshot last, as the sync
   * answer. A provider counts itself synced on the sync answer, so it must hold everything by
   * then; Yjs keeps log entries that arrive before the content they build on pending until it
   * does, so sending the log first costs nothing (merging it into one update would).
   */
  private serveStored(address: string, hold: Hold, updates: Uint8Array[]): Promise<void> {
    hold.served = true;
    const [first, ...log] = updates;
    for (const update of log) this.transmit(this.clientSyncFrame(address, SyncStep.Update, update));
    return new Promise((resolve) => this.transmit(this.clientSyncFrame(address, SyncStep.Step2, first), resolve));
  }

  /**
   * Hands the held frames to Hocuspocus in order. When the client was served and `stateVector` is
   * the loaded document's, its request asks for what came after that state instead of everything.
   */
  private releaseHold(address: string, stateVector: Uint8Array | null): void {
    const hold = this.takeHold(address);
    if (!hold || this.ws.readyState !== this.ws.OPEN) return;
    const pass = () => {
      for (const frame of hold.frames) this.connection?.handleMessage(frame);
    };
    if (hold.served && stateVector) hold.frames[0] = syncFrame(address, SyncStep.Step1, stateVector);
    else if (!hold.served && hold.state === 'held') {
      // Not served early: the document is loaded by now (or its load failed), so it may be
      // answered from its shared encoding. The answer waits a microtask: a release can run while
      // the token's answer is being sent, and must not overtake it.
      const answer = this.wholeAnswer(address, hold.documentName);
      if (answer) {
        hold.frames[0] = answer.request;
        queueMicrotask(() => {
          this.transmit(answer.reply);
          if (this.ws.readyState === this.ws.OPEN) pass();
        });
        return;
      }
    }
    pass();
  }

  private dropHold(address: string): void {
    this.takeHold(address);
  }

  private takeHold(address: string): Hold | null {
    const hold = this.holds?.get(address);
    if (!hold || !this.holds) return null;
    this.holds.delete(address);
    if (this.holds.size === 0) this.holds = null;
    clearTimeout(hold.timer);
    if (hold.waiter) this.hooks.earlySync?.unregister(hold.documentName, hold.waiter);
    return hold;
  }
}
