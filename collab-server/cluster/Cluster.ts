import { randomBytes } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import os from 'node:os';
import type { Duplex } from 'node:stream';
import type pg from 'pg';
import WebSocket from 'ws';
import type * as Y from 'yjs';
import type { DocumentStore } from '../../persistence/DocumentStore';
import { connectionPool } from '../../persistence/postgres/connectionPool';
import { CloseCodes } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import { coversDocument, verifyToken } from '../../shared/token';
import type { Config } from '../config';
import type { ConnectionContext } from '../context';
import { NameLocks } from '../documents/NameLocks';
import { overriding } from '../documents/storeOverrides';
import type { ExpiryChange, Revocation } from '../links/ShareLinks';
import type { Logger } from '../logger';
import type { ClientSocket } from '../transport/ClientSocket';
import { Y_WEBSOCKET_PREFIX } from '../transport/WebSocketGateway';
import { type ClusterEvent, ClusterEvents } from './ClusterEvents';
import { ClusterExtension } from './ClusterExtension';
import type { ClusterMetrics } from './clusterMetrics';
import { DatabaseNameLocks } from './DatabaseNameLocks';
import { FrameRouter, type SocketConnection } from './FrameRouter';
import { Leases } from './Leases';
import { LeaseTable } from './LeaseTable';
import { changeElsewhere } from './RemoteChanges';
import { RELAY_HEADER, type Relayed, relayCredential, verifyRelayCredential } from './relayCredential';
import { pipeUpgrade } from './UpgradeRelay';

/**
 * How long a node waits for the node serving a document to answer a relayed connection (to open
 * its socket, or the first bytes of a piped upgrade); then the client is sent to reconnect.
 */
const RELAY_TIMEOUT_MS = 3000;

export interface ClusterOptions {
  config: Config & { databaseUrl: string };
  authSecret: string;
  logger: Logger;
  metrics: ClusterMetrics;
  /** The client address of a request as the gateway sees it (trusted proxies applied). */
  addressOf: (request: IncomingMessage) => string;
  /** Told when another node reset a share link: ends the sessions here opened through it. */
  revoke: (revocation: Revocation) => void;
  /** Told when another node gave a share link a new expiry: sessions here whose tokens outlive it renew them. */
  expiryChanged: (change: ExpiryChange) => void;
  /** Told when another node removed or lowered someone's access to a document (workspace mode): ends their sessions here. */
  revokeMember?: (name: string, userId: string) => void;
  /** Told when the cluster event connection is back after being down: checks every open session's access again (events were missed). */
  recheckAccess?: () => void;
  /** Stops saving a loaded document without acknowledging more (its lease was lost). */
  abandon: (name: string, why: string) => void;
  /** The monotonic clock leases are timed by (default `performance.now`). */
  leaseClock?: () => number;
}

/**
 * One node of a Quire cluster (SPEC.md, "PostgreSQL"; README "Running a cluster"): the nodes share
 * one PostgreSQL database, and each document is served by the one node holding its lease. Any node
 * accepts any connection: one for a document another node serves is relayed to it (a plain
 * y-websocket upgrade is piped through whole; a `/collab` socket's frames per document), and a
 * server-side change is applied there as a client would. Deletions and link resets reach the
 * other nodes as events.
 */
export class Cluster {
  readonly nodeId: string;
  readonly leases: Leases;
  readonly extension: ClusterExtension;
  /** Creating on connect and deleting exclude each other across the nodes. */
  readonly locks: DatabaseNameLocks;
  private readonly pool: pg.Pool;
  private readonly events: ClusterEvents;
  private address = '';
  /** Requests relayed here by another node, with what their credential vouches for. */
  private readonly relayed = new WeakMap<IncomingMessage, Relayed>();
  /** Upgrades piped to other nodes, ended on shutdown. */
  private readonly pipes = new Set<Duplex>();

  constructor(private readonly options: ClusterOptions) {
    const { config, logger, metrics } = options;
    this.nodeId = config.nodeId ?? `${os.hostname()}-${randomBytes(4).toString('hex')}`;
    // A database that stops answering (rather than refusing) must not hold up a lease renewal past
    // the TTL: the renewal then fails, and the leases count as lost in time ([PG5]).
    const timeoutMs = Math.max(1000, config.leaseTtlMs / 2);
    this.pool = connectionPool({ connectionString: config.databaseUrl, max: 6, query_timeout: timeoutMs, connectionTimeoutMillis: timeoutMs }, (error) =>
      logger.warn({ err: error }, 'an idle cluster database connection failed; it is replaced'),
    );
    this.leases = new Leases({
      table: new LeaseTable(this.pool, config.leaseTtlMs),
      nodeId: this.nodeId,
      address: () => this.address,
      ttlMs: config.leaseTtlMs,
      renewMs: config.leaseRenewMs,
      inUse: (name) => this.extension.inUse(name),
      onLost: (name) => this.drop(name),
      logger,
      events: metrics,
      now: options.leaseClock,
    });
    metrics.watchLeases(() => this.leases.count);
    this.extension = new ClusterExtension(this.leases, logger);
    this.locks = new DatabaseNameLocks(this.pool, new NameLocks());
    this.events = new ClusterEvents({
      url: config.databaseUrl,
      pool: this.pool,
      nodeId: this.nodeId,
      logger,
      onEvent: (event) => this.receive(event),
      onReconnected: () => this.options.recheckAccess?.(),
    });
  }

  /** The epoch of this node's lease on `name` that the loaded copy was loaded under (every write of its content carries it), or null. */
  fence(name: string): number | null {
    return this.extension.fence(name);
  }

  /** Starts renewing leases and listening to the other nodes, with the address they reach this node at. */
  async start(port: number): Promise<void> {
    const { nodeUrl, host } = this.options.config;
    this.address = nodeUrl ?? `http://${host === '0.0.0.0' || host === '::' ? os.hostname() : host}:${port}`;
    this.leases.start();
    await this.events.start();
    this.options.logger.info({ event: 'cluster-node', node: this.nodeId, address: this.address }, `cluster node ${this.nodeId} at ${this.address}`);
  }

  /** Gives back every lease and closes the database connections (after the last write). */
  async close(): Promise<void> {
    for (const pipe of this.pipes) pipe.destroy();
    await this.leases.close();
    await this.events.close();
    await this.pool.end();
  }

  /** `store`, whose deletions are told to the other nodes (they close the document's editors). */
  announcingDeletions(store: DocumentStore): DocumentStore {
    return overriding(store, {
      delete: async (name: string) => {
        const deleted = await store.delete(name);
        if (deleted) await this.events.publish({ type: 'deleted', name });
        return deleted;
      },
    });
  }

  /** Tells the other nodes that `userId`'s access to `name` was removed or lowered. */
  announceMemberRemoval(name: string, userId: string): void {
    void this.events.publish({ type: 'member-removed', name, userId });
  }

  /** Tells the other nodes a share link was reset or removed. */
  announceRevocation(revocation: Revocation): void {
    void this.events.publish({ type: 'revoked', revocation });
  }

  /** Tells the other nodes a share link has a new expiry. */
  announceExpiry(change: ExpiryChange): void {
    void this.events.publish({ type: 'expiry', change });
  }

  /** The client address a relaying node vouched for, if `request` was relayed. */
  relayedAddress(request: IncomingMessage): string | undefined {
    return this.relayed.get(request)?.clientAddress;
  }

  /**
   * Takes a WebSocket upgrade: one relayed by another node is served here (`local`); a plain
   * y-websocket one for a document another node serves is piped to it; `/collab` sockets are
   * served here and routed per frame (see `routeFrames`). A document whose owner is gone and whose
   * lease has not expired yet is refused with `document-moved`, which clients retry.
   */
  async handleUpgrade(
    request: IncomingMessage,
    socket: Duplex,
    head: Buffer,
    local: () => void,
    refuse: (reason: typeof CloseCodes.DocumentMoved) => void,
  ): Promise<void> {
    const relayed = await verifyRelayCredential(this.options.authSecret, request.headers[RELAY_HEADER]);
    if (relayed) this.relayed.set(request, relayed);
    const url = new URL(request.url ?? '/', 'http://placeholder');
    const documentName = relayed || !url.pathname.startsWith(Y_WEBSOCKET_PREFIX) ? null : await this.pipeable(url);
    if (documentName === null) {
      local();
      return;
    }
    let route: Awaited<ReturnType<Leases['route']>>;
    try {
      route = await this.leases.route(documentName);
    } catch (error) {
      this.options.logger.error({ err: error, document: documentName }, 'finding the node that serves a document failed');
      refuse(CloseCodes.DocumentMoved);
      return;
    }
    if (route.local) {
      local();
      return;
    }
    if (route.address === null) {
      refuse(CloseCodes.DocumentMoved);
      return;
    }
    const credential = await relayCredential(this.options.authSecret, { node: this.nodeId, clientAddress: this.options.addressOf(request) });
    try {
      await pipeUpgrade(request, socket, head, route.address, credential, RELAY_TIMEOUT_MS, () => {
        this.pipes.delete(socket);
        this.options.metrics.relayEnded();
      });
      this.pipes.add(socket);
      this.options.metrics.relayed('upgrade');
    } catch (error) {
      this.options.logger.info(
        { err: error, document: documentName, node: route.address },
        'the node serving the document cannot be reached; the client retries',
      );
      refuse(CloseCodes.DocumentMoved);
    }
  }

  /** Routes the frames of a `/collab` socket per document (a socket relayed here is served here, never relayed again). */
  routeFrames(connection: SocketConnection, client: ClientSocket, request: IncomingMessage): SocketConnection {
    const relayed = this.relayed.get(request);
    return new FrameRouter(connection, client, {
      authSecret: this.options.authSecret,
      route: async (name) => {
        const route = await this.leases.route(name);
        // Relayed here because the other node saw this one as the owner: if it is not, the client
        // reconnects (through the balancer) rather than being passed around.
        return relayed && !route.local ? { local: false, address: null } : route;
      },
      connect: (address) => this.connectTo(address, relayed?.clientAddress ?? this.options.addressOf(request)),
      logger: this.options.logger,
      onRelayed: () => this.options.metrics.relayed('frames'),
    });
  }

  /**
   * Applies a server-side change on the node serving `name` when that is another node; false when
   * it is (or may become) this one, and the caller changes it here.
   */
  async changeElsewhere(name: string, change: (doc: Y.Doc) => void, by: ConnectionContext): Promise<boolean> {
    const route = await this.leases.route(name);
    if (route.local) return false;
    if (route.address === null) throw new Error(`document "${name}" is moving to another node; retry in a few seconds`);
    this.options.metrics.relayed('change');
    const address = route.address;
    await changeElsewhere(address, name, change, by, {
      authSecret: this.options.authSecret,
      headers: async () => ({ [RELAY_HEADER]: await relayCredential(this.options.authSecret, { node: this.nodeId, clientAddress: '127.0.0.1' }) }),
    });
    return true;
  }

  /** The document name of a y-websocket upgrade worth routing: a valid name with a token valid for it; else null (served here, and refused here). */
  private async pipeable(url: URL): Promise<string | null> {
    let name: string;
    try {
      name = decodeURIComponent(url.pathname.slice(Y_WEBSOCKET_PREFIX.length));
    } catch {
      return null;
    }
    if (documentNameProblem(name, this.options.config.maxNameLength)) return null;
    const claims = await verifyToken(this.options.authSecret, url.searchParams.get('token')).catch(() => null);
    return claims && coversDocument(claims, name) ? name : null;
  }

  private async connectTo(address: string, clientAddress: string): Promise<WebSocket> {
    const credential = await relayCredential(this.options.authSecret, { node: this.nodeId, clientAddress });
    const ws = new WebSocket(`${address.replace(/^http/, 'ws')}/collab`, {
      headers: { [RELAY_HEADER]: credential },
      perMessageDeflate: false,
      // An owner that accepts TCP but does not answer (paused, overloaded) is given up on.
      handshakeTimeout: RELAY_TIMEOUT_MS,
    });
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    ws.on('close', () => this.options.metrics.relayEnded());
    return ws;
  }

  /** The lease of `name` was lost: stop acknowledging its updates and send its editors to the new owner. */
  private drop(name: string): void {
    this.options.abandon(name, 'its lease was lost');
    this.extension.closeSockets(name, CloseCodes.DocumentMoved);
  }

  private receive(event: ClusterEvent): void {
    if (event.type === 'deleted') {
      for (const connection of this.extension.document(event.name)?.getConnections() ?? []) connection.close(CloseCodes.DocumentDeleted);
    } else if (event.type === 'revoked') this.options.revoke(event.revocation);
    else if (event.type === 'expiry') this.options.expiryChanged(event.change);
    else if (event.type === 'member-removed') this.options.revokeMember?.(event.name, event.userId);
  }
}
