import WebSocket from 'ws';
import { AuthKind, FrameType, readServerFrame, type ServerFrame } from './rawFrames';
import { waitFor } from './waitFor';

/** How a socket ended: the close code and reason the server sent. */
export interface Closed {
  code: number;
  reason: string;
}

export interface RawSocketOptions {
  origin?: string;
  headers?: Record<string, string>;
  /** The local address to connect from (any of 127.0.0.0/8 works on Linux): a second "client machine". */
  localAddress?: string;
  /** Over TLS (`wss://`), the one certificate (authority) the socket trusts. */
  ca?: Buffer;
}

/**
 * A bare WebSocket to the collab server that sends exactly the bytes a test gives it and keeps
 * every frame it receives. No provider logic: nothing is answered, retried or reconnected.
 */
export class RawSocket {
  readonly ws: WebSocket;
  /** Every binary frame received, in order. */
  readonly received: Uint8Array[] = [];
  /** Resolves when the socket is open; rejects if it closes first. */
  readonly opened: Promise<void>;
  /** Resolves with the close code and reason, however the socket ends. */
  readonly closed: Promise<Closed>;
  private closedWith: Closed | null = null;
  /** Transport errors (e.g. writes after the server closed); kept, not thrown. */
  readonly errors: Error[] = [];

  constructor(url: string, options: RawSocketOptions = {}) {
    this.ws = new WebSocket(url, {
      headers: options.headers,
      origin: options.origin,
      localAddress: options.localAddress,
      ca: options.ca,
      perMessageDeflate: false,
    });
    this.ws.binaryType = 'nodebuffer';
    this.ws.on('message', (data: Buffer, isBinary) => {
      if (isBinary) this.received.push(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    });
    this.ws.on('error', (error) => this.errors.push(error));
    this.closed = new Promise((resolve) =>
      this.ws.on('close', (code, reason) => {
        this.closedWith = { code, reason: reason.toString() };
        resolve(this.closedWith);
      }),
    );
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      void this.closed.then((closed) => reject(new Error(`socket closed before opening: ${closed.code} ${closed.reason}`)));
    });
    // Callers that never await `opened` must not see an unhandled rejection.
    this.opened.catch(() => undefined);
  }

  /** Opens a socket and waits until it is open. */
  static async open(url: string, options?: RawSocketOptions): Promise<RawSocket> {
    const socket = new RawSocket(url, options);
    await socket.opened;
    return socket;
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** The close, once it happened. */
  get closeInfo(): Closed | null {
    return this.closedWith;
  }

  /** Sends binary frames; silently stops once the socket is no longer open. */
  send(...frames: Uint8Array[]): void {
    for (const frame of frames) {
      if (!this.isOpen) return;
      this.ws.send(frame, { binary: true });
    }
  }

  /** Sends a text frame. */
  sendText(text: string): void {
    if (this.isOpen) this.ws.send(text, { binary: false });
  }

  /** Resolves once everything sent so far has been handed to the operating system. */
  flushed(): Promise<void> {
    return waitFor(() => this.ws.bufferedAmount === 0 || !this.isOpen, { message: 'the socket to flush' }).then(() => undefined);
  }

  /** Waits for the server to close the socket. */
  waitClosed(timeoutMs = 10_000): Promise<Closed> {
    return Promise.race([
      this.closed,
      new Promise<Closed>((_, reject) => setTimeout(() => reject(new Error(`socket still open after ${timeoutMs} ms`)), timeoutMs).unref()),
    ]);
  }

  /** Frames received on the Hocuspocus protocol, decoded (undecodable ones are skipped). */
  frames(): ServerFrame[] {
    const out: ServerFrame[] = [];
    for (const data of this.received) {
      try {
        out.push(readServerFrame(data));
      } catch {
        // Not a Hocuspocus frame (this is a y-websocket socket); callers decode those themselves.
      }
    }
    return out;
  }

  /** Waits for the Hocuspocus auth answer for `address`: `authenticated <scope>` or the denial reason. */
  async authResult(address: string): Promise<string> {
    const frame = await waitFor(
      () => this.frames().find((candidate) => candidate.address === address && candidate.type === FrameType.Auth && candidate.subtype !== AuthKind.Token),
      { message: `the auth answer for "${address}"` },
    );
    return frame.subtype === AuthKind.Authenticated ? `authenticated ${frame.text}` : (frame.text ?? 'permission-denied');
  }

  close(): void {
    if (this.ws.readyState === WebSocket.CONNECTING || this.ws.readyState === WebSocket.OPEN) this.ws.terminate();
  }
}
