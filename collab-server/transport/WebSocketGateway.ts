import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Hocuspocus } from '@hocuspocus/server';
import { type WebSocket, WebSocketServer } from 'ws';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import type { SocketContext } from '../context';
import { rawRefusal } from '../http/securityHeaders';
import type { Logger } from '../logger';
import { safeUrl } from '../logger';
import type { ClientAddresses } from '../net/ClientAddresses';
import { RateLimit } from '../net/RateLimit';
import type { ClientSocket, ClientSocketHooks } from './ClientSocket';
import { HocuspocusSocket } from './HocuspocusSocket';
import type { InboundLimits } from './InboundGuard';
import { YWebsocketSocket } from './YWebsocketSocket';

/** Hocuspocus' object for one client socket (its class is not exported). */
type HocuspocusConnection = ReturnType<Hocuspocus['handleConnection']>;

/** Where a socket's frames go: Hocuspocus' connection, or what routes them in a cluster (see `wrapConnection`). */
type SocketConnection = Pick<HocuspocusConnection, 'handleMessage' | 'handleClose'>;

/** What the gateway keeps for each open socket. */
interface OpenSocket {
  client: ClientSocket;
  connection: SocketConnection;
  /** The client's address, for the per-address count and the logs. */
  address: string;
}

/**
 * What the gateway keeps per client address: its open sockets, and the context every connection
 * from it starts from. Hocuspocus only copies that context into each document's hook payload, so
 * one frozen object serves all sockets of an address; left out, Hocuspocus keeps a fresh `{}` for
 * each socket.
 */
interface AddressSlot {
  open: number;
  context: SocketContext;
}

/** The WebSocket paths this server answers. */
export const HOCUSPOCUS_PATH = '/collab';
export const Y_WEBSOCKET_PREFIX = '/y/';

export interface GatewayOptions {
  hocuspocus: Hocuspocus;
  hooks: ClientSocketHooks;
  logger: Logger;
  limits: InboundLimits & { maxMessageBytes: number; maxConnectionsPerIp: number; maxNewConnectionsPerMinute: number; maxNameLength: number };
  /** Browser origins allowed besides the server's own; `*` allows any. */
  allowedOrigins: string[];
  /** The client address of a request (behind trusted proxies, from their X-Forwarded-For). */
  addresses: Pick<ClientAddresses, 'of'>;
  /** In a cluster: routes a Hocuspocus-protocol socket's frames per document (see `FrameRouter`). */
  wrapConnection?: (connection: SocketConnection, client: ClientSocket, request: IncomingMessage) => SocketConnection;
}

/**
 * Accepts WebSocket upgrades on `/collab` (Hocuspocus protocol) and `/y/<document>` (y-websocket
 * protocol), applies the socket-level rules (origin, connections per address, frame size, the
 * inbound guard) and hands each socket to Hocuspocus. It owns the open sockets, so shutdown can
 * pause their input and close them.
 */
export class WebSocketGateway {
  private readonly wss: WebSocketServer;
  private readonly sockets = new Map<WebSocket, OpenSocket>();
  private readonly perAddress = new Map<string, AddressSlot>();
  /** New sockets per address and minute: churn costs a token check and maybe a load each time. */
  private readonly newConnections: RateLimit;
  private accepting = true;
  // The socket listeners, one set for all sockets: `ws` calls them with the socket as `this`.
  private readonly onMessage: (this: WebSocket, data: WebSocket.RawData, isBinary: boolean) => void;
  private readonly onClose: (this: WebSocket, code: number, reason: Buffer) => void;
  private readonly onError: (this: WebSocket, error: Error) => void;

  constructor(private readonly options: GatewayOptions) {
    const gateway = this;
    this.onMessage = function (data, isBinary) {
      gateway.handleMessage(this, data, isBinary);
    };
    this.onClose = function (code, reason) {
      gateway.handleClose(this, code, reason);
    };
    this.onError = function (error) {
      options.logger.info({ err: error, address: gateway.sockets.get(this)?.address }, 'WebSocket error');
    };
    // maxPayload makes `ws` close an oversized frame's socket with 1009 before buffering it.
    // The gateway keeps its own table of open sockets (`sockets`), so `ws` need not keep a second
    // one (and a close listener on every socket to maintain it).
    this.newConnections = new RateLimit(options.limits.maxNewConnectionsPerMinute);
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: options.limits.maxMessageBytes,
      perMessageDeflate: false,
      clientTracking: false,
    });
  }

  /** True when `path` is one of the WebSocket endpoints. */
  static handles(path: string): boolean {
    return isHocuspocusPath(path) || path.startsWith(Y_WEBSOCKET_PREFIX);
  }

  /** Number of open client sockets. */
  get connectionCount(): number {
    return this.sockets.size;
  }

  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): void {
    if (!this.accepting) {
      socket.end(rawRefusal(503, 'Service Unavailable'));
      return;
    }
    this.wss.handleUpgrade(request, socket, head, (ws) => this.accept(ws, request));
  }

  /** Stops accepting sockets and stops reading from open ones; frames already read are handled. */
  pause(): void {
    this.accepting = false;
    for (const ws of this.sockets.keys()) ws.pause();
  }

  /**
   * Closes every socket with `reason` and resolves once all are closed: the closing handshake
   * completes, or the socket is cut after `timeoutMs`. Paused sockets are resumed for this, or the
   * client's answering close frame would never be read; what else they send is ignored.
   */
  async closeAll(reason: CloseReason, timeoutMs = 2000): Promise<void> {
    const closed = [...this.sockets.keys()].map((ws) => new Promise<void>((resolve) => ws.once('close', () => resolve())));
    for (const [ws, { client }] of this.sockets) {
      client.refuse(reason);
      ws.resume();
    }
    const cut = setTimeout(() => {
      for (const ws of this.sockets.keys()) ws.terminate();
    }, timeoutMs);
    await Promise.all(closed);
    clearTimeout(cut);
  }

  close(): void {
    this.wss.close();
  }

  /** Completes an upgrade only to close the socket at once with `reason` (a code the client acts on, such as a retry). */
  refuseUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer, reason: CloseReason): void {
    this.wss.handleUpgrade(request, socket, head, (ws) => ws.close(reason.code, reason.reason));
  }

  private accept(ws: WebSocket, request: IncomingMessage): void {
    const { logger, limits } = this.options;
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const address = this.options.addresses.of(request);
    const refuse = (reason: CloseReason, detail: string) => {
      logger.info({ path: safeUrl(request.url), address, reason: reason.reason }, `WebSocket refused: ${detail}`);
      ws.close(reason.code, reason.reason);
    };

    if (!this.originAllowed(request)) {
      refuse(CloseCodes.Forbidden, 'origin not allowed');
      return;
    }
    const slot = this.perAddress.get(address) ?? { open: 0, context: Object.freeze({ clientAddress: address }) };
    if (slot.open >= limits.maxConnectionsPerIp) {
      refuse(CloseCodes.TooManyConnections, 'too many connections from this address');
      return;
    }
    if (this.newConnections.take(address) > 0) {
      refuse(CloseCodes.RateLimited, 'too many new connections from this address');
      return;
    }

    let client: ClientSocket;
    let firstFrame: Uint8Array | null = null;
    if (isHocuspocusPath(url.pathname)) {
      client = new HocuspocusSocket(ws, request.socket, this.options.hooks, limits);
    } else {
      const documentName = decodeName(url.pathname.slice(Y_WEBSOCKET_PREFIX.length));
      if (documentName === null || documentNameProblem(documentName, limits.maxNameLength)) {
        refuse(CloseCodes.InvalidDocumentName, 'invalid document name');
        return;
      }
      const ySocket = new YWebsocketSocket(ws, request.socket, this.options.hooks, limits, documentName);
      // The token travels in the URL (browsers cannot set WebSocket headers); it is moved into
      // the auth frame here and never kept in the request Hocuspocus and the logs see.
      firstFrame = ySocket.authenticate(url.searchParams.get('token') ?? '');
      client = ySocket;
    }
    slot.open += 1;
    this.perAddress.set(address, slot);
    const handled = this.options.hocuspocus.handleConnection(client, toWebRequest(url.pathname, request), slot.context);
    const connection = this.options.wrapConnection?.(handled, client, request) ?? handled;
    client.connection = connection;
    this.sockets.set(ws, { client, connection, address });
    // The listeners are shared by all sockets (`this` is the socket) and find its state in
    // `sockets`: closures per socket would cost about 0.2 KB per open connection, and ones created
    // here would also keep the whole upgrade request alive.
    ws.on('message', this.onMessage);
    ws.on('close', this.onClose);
    ws.on('error', this.onError);
    if (firstFrame) connection.handleMessage(firstFrame);
  }

  /** Passes one message from a client to Hocuspocus, after the socket's checks. */
  private handleMessage(ws: WebSocket, data: WebSocket.RawData, isBinary: boolean): void {
    // Once the server has decided to close a socket (a broken rule, a shutdown), nothing more
    // it sends is handled: it could otherwise be applied after its document was written out.
    const open = this.sockets.get(ws);
    if (!open || ws.readyState !== ws.OPEN) return;
    const { client, connection, address } = open;
    if (!isBinary) {
      client.refuse(CloseCodes.BadMessage);
      return;
    }
    try {
      for (const frame of client.receive(toUint8Array(data))) connection.handleMessage(frame);
    } catch (reason) {
      const named = reason as CloseReason;
      if (typeof named?.code === 'number') {
        this.options.logger.info({ address, reason: named.reason }, 'closing WebSocket: it broke a rule');
        client.refuse(named);
      } else {
        this.options.logger.error({ err: reason, address }, 'closing WebSocket: unexpected error handling a frame');
        client.refuse(CloseCodes.BadMessage);
      }
    }
  }

  /** Forgets a closed socket and tells Hocuspocus. */
  private handleClose(ws: WebSocket, code: number, reason: Buffer): void {
    const open = this.sockets.get(ws);
    if (!open) return;
    const { client, connection, address } = open;
    this.sockets.delete(ws);
    client.dispose();
    const slot = this.perAddress.get(address);
    if (slot && --slot.open <= 0) this.perAddress.delete(address);
    connection.handleClose({ code, reason: reason.toString() });
  }

  /**
   * Browsers always send Origin; it must be this server's own origin or an allowed one.
   * Clients without Origin (backends, scripts, native apps) are judged by their token alone.
   */
  private originAllowed(request: IncomingMessage): boolean {
    const origin = request.headers.origin;
    if (!origin) return true;
    const allowed = this.options.allowedOrigins;
    if (allowed.includes('*') || allowed.includes(origin)) return true;
    try {
      return new URL(origin).host === request.headers.host;
    } catch {
      return false;
    }
  }
}

/**
 * `/collab`, or `/collab/<document>`: the same multiplexed protocol, the name in the path only a
 * hint for a load balancer that routes by document (the frames say which documents the socket opens).
 */
function isHocuspocusPath(path: string): boolean {
  return path === HOCUSPOCUS_PATH || (path.startsWith(`${HOCUSPOCUS_PATH}/`) && path.length > HOCUSPOCUS_PATH.length + 1);
}

function decodeName(encoded: string): string | null {
  try {
    return decodeURIComponent(encoded);
  } catch {
    return null;
  }
}

function toUint8Array(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return new Uint8Array(Buffer.concat(data));
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** The request headers kept for Hocuspocus' hooks; the rest of the upgrade request is not kept. */
const KEPT_HEADERS = ['host', 'origin', 'user-agent', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip'];

/**
 * The request Hocuspocus 4 keeps for every connection and hands to hooks as `request`,
 * `requestHeaders` and `requestParameters`. Hocuspocus reads only its `url` and `headers`, so this
 * is a plain object with those two, holding the few headers worth keeping: a full web `Request`
 * with every upgrade header costs about 1.7 KB more per open connection (measured with 20,000).
 * The URL is the path alone, as on a Node request (the host is in the `host` header), and carries
 * no query string, so no token. Hocuspocus parses an absolute URL into a `URL` object that each
 * connection's `requestParameters` keeps alive (about 0.3 KB per connection); a path it does not.
 */
function toWebRequest(path: string, request: IncomingMessage): Request {
  const headers = new Headers();
  for (const name of KEPT_HEADERS) {
    const value = request.headers[name];
    if (value === undefined) continue;
    for (const item of Array.isArray(value) ? value : [value]) headers.append(name, item);
  }
  return { url: path, headers } as unknown as Request;
}
