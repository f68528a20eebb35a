import * as decoding from 'lib0/decoding';
import WebSocket from 'ws';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { coversDocument, verifyToken } from '../../shared/token';
import type { Logger } from '../logger';
import { AuthType, MessageType, readHeader } from '../transport/frames';
import type { Route } from './Leases';

/** The part of Hocuspocus' connection for one socket that the gateway uses. */
export interface SocketConnection {
  handleMessage(frame: Uint8Array): void;
  handleClose(event?: { code: number; reason: string }): void;
}

/** The client socket, as far as routing needs it. */
export interface RoutedClient {
  /** Sends a Hocuspocus frame to the client (through the socket's own checks and ordering). */
  send(frame: Uint8Array): void;
  refuse(reason: CloseReason): void;
}

export interface FrameRouterOptions {
  /** The secret tokens are signed with: only a valid token for a document makes this node ask where it is served. */
  authSecret: string;
  route: (documentName: string) => Promise<Route>;
  /** Opens a WebSocket to the `/collab` endpoint of the node at `address`, for this client. */
  connect: (address: string) => Promise<WebSocket>;
  logger: Logger;
  onRelayed?: () => void;
}

type Destination = 'local' | Upstream | { pending: Uint8Array[] };

/** A WebSocket to another node carrying this client's frames for the documents that node serves. */
interface Upstream {
  ws: WebSocket | null;
  /** Frames waiting for the socket to open. */
  queue: Uint8Array[];
}

/**
 * One `/collab` socket's frames, routed per document (SPEC.md [PG8]): frames of documents this node
 * serves go to Hocuspocus here; those of documents another node serves are relayed, unchanged, to
 * that node over one WebSocket per node, and its frames come back to the client as they are. The
 * first frame for a document decides, once its token proved valid for it (an invalid one goes to
 * Hocuspocus here, which refuses it): nobody makes this node look up or take a lease without a
 * token. When a relay ends (the owner stopped, or lost the lease) the client's socket is closed
 * with `document-moved`, and the client reconnects through the load balancer.
 */
export class FrameRouter implements SocketConnection {
  private readonly destinations = new Map<string, Destination>();
  private readonly upstreams = new Map<string, Upstream>();
  private closed = false;

  constructor(
    private readonly local: SocketConnection,
    private readonly client: RoutedClient,
    private readonly options: FrameRouterOptions,
  ) {}

  handleMessage(frame: Uint8Array): void {
    if (this.closed) return;
    let header: ReturnType<typeof readHeader>;
    try {
      header = readHeader(frame);
    } catch {
      this.local.handleMessage(frame);
      return;
    }
    const destination = this.destinations.get(header.address);
    if (destination === 'local') this.local.handleMessage(frame);
    else if (destination && 'pending' in destination) destination.pending.push(frame);
    else if (destination) {
      this.send(destination, frame);
      // The client closed this document here: the next open of it is routed again.
      if (header.type === MessageType.Close) this.destinations.delete(header.address);
    } else if (header.type === MessageType.Auth && decoding.readVarUint(header.decoder) === AuthType.Token) {
      const token = decoding.readVarString(header.decoder);
      const waiting = { pending: [frame] };
      this.destinations.set(header.address, waiting);
      void this.decide(header.address, header.documentName, token, waiting);
    } else this.local.handleMessage(frame);
  }

  handleClose(event?: { code: number; reason: string }): void {
    this.closed = true;
    for (const upstream of this.upstreams.values()) upstream.ws?.close(1000);
    this.upstreams.clear();
    this.local.handleClose(event);
  }

  private async decide(address: string, documentName: string, token: string, waiting: { pending: Uint8Array[] }): Promise<void> {
    let destination: Destination = 'local';
    try {
      const claims = await verifyToken(this.options.authSecret, token).catch(() => null);
      if (claims && coversDocument(claims, documentName)) {
        const route = await this.options.route(documentName);
        if (!route.local) {
          if (route.address === null) {
            // Its owner is gone and its lease not expired yet: the client retries until it is.
            this.client.refuse(CloseCodes.DocumentMoved);
            return;
          }
          destination = this.upstream(route.address);
        }
      }
    } catch (error) {
      this.options.logger.error({ err: error, document: documentName }, 'finding the node that serves a document failed; the socket is closed');
      this.client.refuse(CloseCodes.StorageUnavailable);
      return;
    }
    if (this.closed || this.destinations.get(address) !== waiting) return;
    this.destinations.set(address, destination);
    for (const frame of waiting.pending) {
      if (destination === 'local') this.local.handleMessage(frame);
      else this.send(destination, frame);
    }
  }

  private upstream(address: string): Upstream {
    const known = this.upstreams.get(address);
    if (known) return known;
    const upstream: Upstream = { ws: null, queue: [] };
    this.upstreams.set(address, upstream);
    this.options.onRelayed?.();
    const moved = () => {
      if (!this.closed) this.client.refuse(CloseCodes.DocumentMoved);
    };
    this.options.connect(address).then(
      (ws) => {
        if (this.closed) {
          ws.close(1000);
          return;
        }
        upstream.ws = ws;
        ws.on('message', (data: Buffer, isBinary: boolean) => {
          if (isBinary) this.client.send(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
        });
        ws.on('close', moved);
        ws.on('error', () => undefined);
        for (const frame of upstream.queue) ws.send(frame);
        upstream.queue = [];
      },
      (error) => {
        this.options.logger.info({ err: error, node: address }, 'relaying to the node that serves a document failed; the client reconnects');
        moved();
      },
    );
    return upstream;
  }

  private send(upstream: Upstream, frame: Uint8Array): void {
    if (upstream.ws?.readyState === WebSocket.OPEN) upstream.ws.send(frame);
    else if (!upstream.ws) upstream.queue.push(frame);
  }
}
