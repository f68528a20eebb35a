import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { Hocuspocus } from '@hocuspocus/server';
import type { AuditStore } from '../persistence/AuditStore';
import type { BlobStore } from '../persistence/BlobStore';
import type { DocumentStore } from '../persistence/DocumentStore';
import { LevelDocumentStore } from '../persistence/LevelDocumentStore';
import { PostgresDocumentStore } from '../persistence/postgres/PostgresDocumentStore';
import type { VersionStore } from '../persistence/VersionStore';
import type { WorkspaceStore } from '../persistence/WorkspaceStore';
import type { BatchReport } from '../persistence/WriteQueue';
import { levelWorkspaceStore, postgresWorkspaceStore } from '../persistence/workspace/KeyValueWorkspaceStore';
import { CloseCodes } from '../shared/closeCodes';
import { AuditLog } from './audit/AuditLog';
import { resolveAuthSecret } from './authSecret';
import { Cluster } from './cluster/Cluster';
import { clusterMetrics } from './cluster/clusterMetrics';
import type { Config } from './config';
import { ConversionPool } from './conversion/ConversionPool';
import { conversionMetrics } from './conversion/conversionMetrics';
import { prepareDataFolder } from './dataFolder';
import { ConnectAdmission } from './documents/ConnectAdmission';
import { DocumentService } from './documents/DocumentService';
import { withDocumentIdentity } from './documents/documentIdentity';
import { IdleDocuments } from './documents/IdleDocuments';
import { NameLocks } from './documents/NameLocks';
import { overriding } from './documents/storeOverrides';
import { LimitsExtension } from './extensions/LimitsExtension';
import { PersistenceExtension } from './extensions/PersistenceExtension';
import { TokenExpiryExtension } from './extensions/TokenExpiryExtension';
import { HistoryExtension } from './history/HistoryExtension';
import { HistoryService } from './history/HistoryService';
import { historyMetrics } from './history/historyMetrics';
import { captureVersion } from './history/versionDelta';
import { createHocuspocus } from './hocuspocusSetup';
import { Router, sendJson } from './http/Router';
import { CSP_REPORT_PATH, rawRefusal, reachedOverHttps, setApiHeaders } from './http/securityHeaders';
import { addServerRoutes } from './http/serverRoutes';
import { ImageCollector } from './images/ImageCollector';
import { ImageService } from './images/ImageService';
import { LinkAccessExtension } from './links/LinkAccessExtension';
import { ShareLinks } from './links/ShareLinks';
import { createLogger, type Logger } from './logger';
import { Metrics } from './metrics';
import { ClientAddresses } from './net/ClientAddresses';
import { RateLimit } from './net/RateLimit';
import { EarlySync } from './transport/EarlySync';
import { WebSocketGateway } from './transport/WebSocketGateway';
import { WholeStateCache } from './transport/WholeStateCache';
import { withDocumentEvents } from './webhooks/storeEvents';
import { type WebhookExtension, webhooksFromConfig } from './webhooks/WebhookExtension';
import { Workspace } from './workspace/Workspace';

/** The LevelDB folder inside DATA_DIR. */
export const DOCUMENTS_FOLDER = 'documents';

/** The LevelDB folder inside DATA_DIR for people, sessions and access (workspace mode). */
export const WORKSPACE_FOLDER = 'workspace';

/**
 * How long one encoding of a whole document answers the clients joining it, in ms (any change to
 * the document ends it sooner): long enough to cover a burst of joins, short enough that an idle
 * document does not keep a second copy of itself.
 */
const WHOLE_STATE_KEEP_MS = 1000;

export interface CollabServerOptions {
  config: Config;
  logger?: Logger;
  /** A store to use instead of LevelDB in DATA_DIR (tests inject faulty or in-memory stores). */
  store?: DocumentStore & VersionStore & BlobStore & AuditStore;
  /** With OIDC_ISSUER: a workspace store to use instead of LevelDB in DATA_DIR/workspace. */
  workspaceStore?: WorkspaceStore;
  /** In a cluster: the monotonic clock document leases are timed by (tests drive it); default `performance.now`. */
  leaseClock?: () => number;
}

/**
 * The collab server: Hocuspocus with this project's extensions, the WebSocket endpoints and the
 * HTTP routes, over one document store. It does not listen by itself; `listen` (standalone) or
 * the app server (`npm start`) passes it requests and upgrades.
 */
export class CollabServer {
  readonly hocuspocus: Hocuspocus;
  readonly router = new Router();
  readonly gateway: WebSocketGateway;
  readonly persistence: PersistenceExtension;
  readonly metrics: Metrics;
  /** Server-side document operations (create, read, change, delete) for routes and features. */
  readonly documents: DocumentService;
  readonly store: DocumentStore;
  /** Captures versions as people work; `historyService` reads, names and restores them. */
  readonly history: HistoryExtension;
  readonly historyService: HistoryService;
  /** Webhook deliveries, when WEBHOOK_URLS is set. */
  readonly webhooks: WebhookExtension | null;
  /** The web app's share links: checked, created, reset and removed here. */
  readonly shareLinks: ShareLinks;
  /** Each document's audit log: who opened it, changed its links, renamed, deleted it, restored a version. */
  readonly audit: AuditLog;
  /** Images stored by the server: uploads and reads. */
  readonly images: ImageService;
  /** Removes the images no version of their document refers to any more. */
  readonly imageCollector: ImageCollector;
  /** The client address of a request (from trusted proxies' X-Forwarded-For). */
  readonly addresses: ClientAddresses;
  /** Documents kept loaded for a while after their last connection left, so reconnecting does not load them again. */
  readonly idle: IdleDocuments;
  /** The per-user connection count and the other per-document limits. */
  readonly limits: LimitsExtension;
  /** Requests to /api/… per client address. */
  private readonly apiRequests: RateLimit;
  /** Renews or closes each connection as its token expires. */
  readonly tokenExpiry: TokenExpiryExtension;
  /** With DATABASE_URL: this node of a cluster (leases, relaying, events); null on LevelDB. */
  readonly cluster: Cluster | null;
  /** Worker threads that convert content (imports, the content API, exports, diffs) off the event loop. */
  readonly conversions: ConversionPool;
  /** With OIDC_ISSUER: sign-in, sessions, owners and members; null in link mode. */
  readonly workspace: Workspace | null;
  private closing: Promise<void> | null = null;
  /** The background migration of clear-text link secrets (see `migrateLinks`); settles, never rejects. */
  private linkMigration: Promise<void> = Promise.resolve();
  /** Whole-document encodings shared by clients that join a loaded document at about the same time. */
  private readonly wholeState: WholeStateCache;

  private constructor(
    readonly config: Config,
    openedStore: DocumentStore & VersionStore & BlobStore & AuditStore,
    readonly logger: Logger,
    readonly authSecret: string,
    workspaceStore: WorkspaceStore | null,
    leaseClock?: () => number,
  ) {
    this.metrics = new Metrics({
      connections: () => this.gateway.connectionCount,
      documents: () => this.hocuspocus.getDocumentsCount(),
      logBytes: () => this.persistence.logBytes(),
      logEntries: () => this.persistence.logEntries(),
      unsavedDocuments: () => this.persistence.unsavedDocuments().length,
      failingDocuments: () => this.persistence.failingDocuments().length,
    });
    this.webhooks = webhooksFromConfig(config, {
      logger,
      registry: this.metrics.registry,
      getMeta: (name) => openedStore.getMeta(name),
      whenSaved: (name) => this.persistence.ackGate(name),
    });
    const { databaseUrl } = config;
    this.idle = new IdleDocuments({
      // A cluster node unloads at once, as before: keeping documents idle there lost acknowledged
      // updates across a database outage in clusterDatabaseOutage.test.ts (not yet understood).
      graceMs: databaseUrl ? 0 : config.idleDocumentGraceMs,
      maxBytes: config.idleDocumentsMaxBytes,
      sizeOf: (name) => this.persistence.sizeOf(name),
      logger,
    });
    this.cluster = databaseUrl
      ? new Cluster({
          config: { ...config, databaseUrl },
          authSecret,
          logger,
          metrics: clusterMetrics(this.metrics.registry),
          addressOf: (request) => this.addresses.of(request),
          revoke: (revocation) => linkAccess.revoke(revocation),
          revokeMember: (name, userId) => this.workspace?.memberAccess.revoke(name, userId),
          recheckAccess: () => void this.recheckAccess(linkAccess),
          expiryChanged: (change) => linkAccess.expiryChanged(change),
          abandon: (name, why) => {
            this.persistence.abandon(name, why);
            this.idle.unloadNow(name);
          },
          deleted: (name) => this.idle.unloadNow(name),
          leaseClock,
        })
      : null;
    // Every feature creates and deletes documents through the store, so webhooks hear of it there,
    // and every new document gets its identity there. In a cluster the other nodes hear of deletions.
    const announced = this.cluster ? this.cluster.announcingDeletions(openedStore) : openedStore;
    const identified = withDocumentIdentity(this.webhooks ? withDocumentEvents(announced, this.webhooks, logger) : announced);
    // A deleted document does not stay loaded for its grace period, and nobody keeps access to it.
    const store = overriding(identified, {
      delete: (name: string) =>
        identified
          .delete(name)
          .then(async (removed) => {
            if (removed) await this.forgetAccess(workspaceStore, name);
            return removed;
          })
          .finally(() => this.idle.unloadNow(name)),
    });
    this.store = store;

    this.wholeState = new WholeStateCache({
      document: (name) => this.hocuspocus.documents.get(name),
      keepMs: WHOLE_STATE_KEEP_MS,
      onReused: () => this.metrics.sharedSyncAnswers.inc(),
    });
    const earlySync = new EarlySync({
      // In a cluster, a document another node serves is never loaded here: nothing to wait for.
      isLoaded: (name) => this.hocuspocus.documents.has(name) || (this.cluster !== null && this.cluster.fence(name) === null),
      isLoading: (name) => this.hocuspocus.loadingDocuments.has(name),
      // A log past the compaction threshold is replayed rather than sent update by update.
      maxUpdates: config.compactLogEntries + 1,
      waitMs: 50,
      onServed: () => this.metrics.earlySyncs.inc(),
    });
    const locks = this.cluster?.locks ?? new NameLocks();
    this.persistence = new PersistenceExtension({
      earlySync,
      store,
      logger,
      compactLogEntries: config.compactLogEntries,
      compactLogBytes: config.compactLogBytes,
      locks,
      onWrite: ({ ok, bytes, seconds }) => {
        this.metrics.storeWriteSeconds.observe(seconds);
        if (ok) this.metrics.storeBytesWritten.inc(bytes);
        else this.metrics.storeWriteFailures.inc();
      },
      onCompact: ({ ok }) => this.metrics.compactions.inc({ result: ok ? 'ok' : 'failed' }),
      onLoad: ({ ok, seconds }) => {
        this.metrics.documentLoads.inc({ result: ok ? 'ok' : 'failed' });
        if (ok) this.metrics.documentLoadSeconds.observe(seconds);
      },
      onFenced: (name) => this.cluster?.extension.closeSockets(name, CloseCodes.DocumentMoved),
    });

    this.history = new HistoryExtension({
      store: openedStore,
      listDocuments: async () => (await store.list()).map((meta) => meta.name),
      storedState: (name) => this.documents.storedState(name),
      // While stopping, the workers are gone: the last captures run here, where nobody waits any more.
      delta: (state, previous) =>
        this.closing ? Promise.resolve(captureVersion(state, previous)) : this.conversions.run({ kind: 'capture', state, previous }),
      whenSaved: (name) => this.persistence.ackGate(name),
      logger,
      idleMs: config.historyIdleMs,
      maxIntervalMs: config.historyMaxIntervalMs,
      retention: { keepDays: config.historyKeepDays, maxAutoVersions: config.historyMaxAutoVersions },
      ...historyMetrics(this.metrics.registry),
    });

    const linkAccess = new LinkAccessExtension({
      links: { isCurrent: (name, link) => this.shareLinks.isCurrent(name, link) },
      document: (name) => this.hocuspocus.documents.get(name),
      logger,
    });
    this.audit = new AuditLog({
      store: openedStore,
      maxEntries: config.auditMaxEntries,
      openWindowMs: config.auditOpenWindowSeconds * 1000,
      logger,
    });
    this.shareLinks = new ShareLinks({
      store,
      managerRoles: config.linkManagerRoles,
      onRevoked: (revocation) => {
        linkAccess.revoke(revocation);
        this.cluster?.announceRevocation(revocation);
      },
      onExpiryChanged: (change) => {
        linkAccess.expiryChanged(change);
        this.cluster?.announceExpiry(change);
      },
      audit: this.audit,
      logger,
    });
    this.addresses = new ClientAddresses(config.trustProxy);
    this.apiRequests = new RateLimit(config.maxApiRequestsPerMinute);
    // One budget per client address for documents created in the app and by connecting.
    const creations = new RateLimit(config.maxCreationsPerMinute);
    // Each connection, by its own token, finds its document or creates it before anything loads it.
    const admission = new ConnectAdmission({
      store,
      logger,
      createOnConnect: config.createOnConnect,
      locks,
      isDeleting: (name) => this.persistence.isDeleting(name),
      takeCreation: (address) => creations.take(address) === 0,
    });
    this.limits = new LimitsExtension({
      maxConnectionsPerDocument: config.maxConnectionsPerDocument,
      maxConnectionsPerUser: config.maxConnectionsPerUser,
      maxDocumentBytes: config.maxDocumentBytes,
      maxPresenceBytes: config.maxPresenceBytes,
      maxPresenceClients: config.maxPresenceClients,
      maxPresenceBytesPerSecond: config.maxPresenceBytesPerSecond,
      sizeOf: (name) => this.persistence.sizeOf(name),
    });

    this.tokenExpiry = new TokenExpiryExtension({ secret: authSecret, logger });
    this.workspace = workspaceStore
      ? new Workspace({
          config,
          store: workspaceStore,
          authSecret,
          logger,
          documents: {
            getMeta: (name) => this.documents.getMeta(name),
            state: (name) => this.documents.state(name),
          },
          conversions: { run: (job) => this.conversions.run(job) },
          document: (name) => this.hocuspocus.documents.get(name),
          overHttps: (request) => this.reachedOverHttps(request),
          announceRemoval: this.cluster ? (document, userId) => this.cluster?.announceMemberRemoval(document, userId) : undefined,
        })
      : null;
    // The extensions, in the order they act (the server's table of contents), are in hocuspocusSetup.ts.
    this.hocuspocus = createHocuspocus({
      config,
      logger,
      authSecret,
      cluster: this.cluster,
      limits: this.limits,
      linkAccess,
      memberAccess: this.workspace?.memberAccess,
      admission,
      tokenExpiry: this.tokenExpiry,
      idle: this.idle,
      persistence: this.persistence,
      metrics: this.metrics,
      history: this.history,
      webhooks: this.webhooks,
      audit: this.audit,
    });

    this.gateway = new WebSocketGateway({
      hocuspocus: this.hocuspocus,
      logger,
      allowedOrigins: config.allowedOrigins,
      // A socket another node relayed here comes from the client that node vouches for.
      addresses: this.cluster ? relayAwareAddresses(this.addresses, this.cluster) : this.addresses,
      limits: config,
      wrapConnection: this.cluster ? (connection, client, request) => (this.cluster as Cluster).routeFrames(connection, client, request) : undefined,
      hooks: {
        ackGate: (name) => this.persistence.ackGate(name),
        onFrame: (direction) => this.metrics.countMessage(direction),
        earlySync,
        wholeState: this.wholeState,
      },
    });

    this.conversions = new ConversionPool({
      workers: config.conversionWorkers,
      queueLength: config.conversionQueue,
      timeoutMs: config.conversionTimeoutMs,
      memoryMb: config.conversionMemoryMb,
      limits: { maxDepth: config.conversionMaxDepth, maxNodes: config.conversionMaxNodes },
      logger,
      ...conversionMetrics(this.metrics.registry, () => this.conversions),
    });
    this.documents = new DocumentService(
      this.hocuspocus,
      store,
      this.persistence,
      logger,
      this.cluster ? (name, change, by) => (this.cluster as Cluster).changeElsewhere(name, change, by) : undefined,
    );
    this.historyService = new HistoryService({ store: openedStore, documents: this.documents, history: this.history, conversions: this.conversions });

    this.images = new ImageService({
      store: openedStore,
      maxImageBytes: config.maxImageBytes,
      maxDocumentImageBytes: config.maxDocumentImageBytes,
      maxImagePixels: config.maxImagePixels,
      uploadsPerMinute: config.maxImageUploadsPerMinute,
    });
    this.imageCollector = new ImageCollector({ store: openedStore, read: (name, read) => this.documents.read(name, read), logger });
    addServerRoutes(this.router, {
      config,
      store,
      authSecret,
      logger,
      metrics: this.metrics,
      persistence: this.persistence,
      accepting: () => this.closing === null,
      addresses: this.addresses,
      takeCreation: (request) => creations.take(this.addresses.of(request)),
      images: this.images,
      documents: this.documents,
      shareLinks: this.shareLinks,
      conversions: this.conversions,
      workspace: this.workspace,
      audit: this.audit,
      historyService: this.historyService,
    });
  }

  /** Opens the store (failing clearly if it is locked, corrupt or foreign) and builds the server. */
  static async create(options: CollabServerOptions): Promise<CollabServer> {
    const { config } = options;
    const logger = options.logger ?? createLogger(config.logLevel);
    // LevelDB creates only the last folder of its path; a fresh DATA_DIR must exist first.
    await prepareDataFolder(config.dataDir, config.oidcIssuer ? [DOCUMENTS_FOLDER, WORKSPACE_FOLDER] : [DOCUMENTS_FOLDER], logger);
    const authSecret = await resolveAuthSecret(config.authSecret, config.dataDir);
    let server: CollabServer | undefined;
    const onBatch = (report: BatchReport) => server?.metrics.observeBatch(report);
    const store =
      options.store ??
      (config.databaseUrl
        ? new PostgresDocumentStore({
            url: config.databaseUrl,
            commitIntervalMs: config.commitIntervalMs,
            onBatch,
            // Every write of a document's content carries this node's lease epoch ([PG6]).
            fence: (name) => server?.cluster?.fence(name) ?? null,
            // A transaction left open by a stalled node ends before its leases could be taken over.
            idleInTransactionTimeoutMs: config.leaseTtlMs,
            onPoolError: (error) => logger.warn({ err: error }, 'an idle database connection failed; it is replaced'),
          })
        : new LevelDocumentStore({ location: path.join(config.dataDir, DOCUMENTS_FOLDER), commitIntervalMs: config.commitIntervalMs, onBatch }));
    await store.open();
    // People, sessions and access live beside the documents: in PostgreSQL for a cluster (every node shares them).
    const workspaceStore = !config.oidcIssuer
      ? null
      : (options.workspaceStore ??
        (config.databaseUrl ? postgresWorkspaceStore(config.databaseUrl) : levelWorkspaceStore(path.join(config.dataDir, WORKSPACE_FOLDER))));
    try {
      await workspaceStore?.open();
    } catch (error) {
      await store.close();
      throw error;
    }
    server = new CollabServer(config, store, logger, authSecret, workspaceStore, options.leaseClock);
    server.migrateLinks();
    return server;
  }

  /**
   * Checks the access of every session open here (share links and members) against the database,
   * ending those it no longer grants: after this node missed the cluster's events for a while.
   */
  /**
   * A deleted document's access records go with it (the lists already hide it): a document made
   * again under its name starts with nobody's access. The deletion itself stands if this fails.
   */
  private async forgetAccess(workspaceStore: WorkspaceStore | null, name: string): Promise<void> {
    try {
      await workspaceStore?.forgetDocument(name);
    } catch (error) {
      this.logger.warn({ event: 'access-not-forgotten', document: name, err: error }, "the deleted document's access records could not be removed");
    }
  }

  private async recheckAccess(linkAccess: LinkAccessExtension): Promise<void> {
    for (const name of [...this.hocuspocus.documents.keys()]) {
      try {
        await linkAccess.recheck(name);
        await this.workspace?.memberAccess.recheck(name);
      } catch (error) {
        this.logger.warn({ err: error, document: name }, 'checking the access of open sessions failed; the next token renewal checks it');
      }
    }
  }

  /**
   * Replaces the link secrets earlier builds stored in clear with hashes, in the background (a
   * document's links are also migrated the first time they are used, so nothing waits for this).
   */
  private migrateLinks(): void {
    this.linkMigration = this.shareLinks.migrateAll().then(
      (count) => {
        if (count > 0) this.logger.info({ event: 'links-migrated', documents: count }, `stored the share links of ${count} document(s) as hashes`);
      },
      (error) => this.logger.error({ err: error }, 'migrating share links to hashes failed; they are migrated as each document is used'),
    );
  }

  /** True when this server answers `path` (HTTP routes or WebSocket endpoints). */
  handles(path: string): boolean {
    return WebSocketGateway.handles(path) || this.router.handles(path);
  }

  /** Answers an HTTP request; false when no route matches (the caller may pass it on). */
  async handleRequest(request: IncomingMessage, response: ServerResponse): Promise<boolean> {
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (!this.router.handles(path)) return false;
    setApiHeaders(response, this.reachedOverHttps(request));
    // Which node of a cluster answered: for checking what the load balancer does.
    if (this.cluster) response.setHeader('x-quire-node', this.cluster.nodeId);
    // The CSP report endpoint has its own per-address limit (browsers send those by themselves).
    if (path.startsWith('/api/') && path !== CSP_REPORT_PATH) {
      const wait = this.apiRequests.take(this.addresses.of(request));
      if (wait > 0) {
        sendJson(response, 429, { error: `too many requests from this address; retry in ${wait} s` }, { 'retry-after': String(wait) });
        return true;
      }
    }
    return this.router.handle(request, response);
  }

  /**
   * Call once the server listens, with its port: in a cluster, the node starts renewing leases and
   * tells the others where it takes relayed connections.
   */
  async listening(port: number): Promise<void> {
    await this.cluster?.start(port);
  }

  /** True when the client reached this server over HTTPS, on its socket or as a trusted proxy says (`reachedOverHttps`). */
  reachedOverHttps(request: IncomingMessage): boolean {
    return reachedOverHttps(request, this.addresses.viaTrustedProxy(request));
  }

  /** Takes a WebSocket upgrade; false when the path is not one of ours. */
  handleUpgrade(request: IncomingMessage, socket: Duplex, head: Buffer): boolean {
    const path = new URL(request.url ?? '/', 'http://placeholder').pathname;
    if (!WebSocketGateway.handles(path)) return false;
    if (this.cluster) {
      // The document may be served by another node: relay it there (see `Cluster.handleUpgrade`).
      const local = () => this.gateway.handleUpgrade(request, socket, head);
      this.cluster
        .handleUpgrade(request, socket, head, local, (reason) => this.gateway.refuseUpgrade(request, socket, head, reason))
        .catch((error) => {
          this.logger.error({ err: error }, 'routing a WebSocket upgrade failed');
          socket.destroy();
        });
    } else this.gateway.handleUpgrade(request, socket, head);
    return true;
  }

  /**
   * Graceful stop: accept nothing new and stop reading sockets; apply the frames already read;
   * write every pending update (acknowledging them as they land); then close the sockets and
   * the store. Rejects, naming the documents, if writes still fail after `shutdownTimeoutMs`.
   */
  close(): Promise<void> {
    this.closing ??= this.shutdown();
    return this.closing;
  }

  private async shutdown(): Promise<void> {
    this.gateway.pause();
    // Requests still converting are answered 503: nothing of theirs was applied yet.
    await this.conversions.close();
    const connections = [...this.hocuspocus.documents.values()].flatMap((document) => document.getConnections());
    await Promise.all(connections.map((connection) => connection.waitForPendingMessages()));
    const deadline = new Promise<false>((resolve) => setTimeout(resolve, this.config.shutdownTimeoutMs, false).unref());
    const allSaved = () => Promise.race([this.persistence.whenAllSaved().then(() => true), deadline]);
    let saved = await allSaved();
    // Wait for the sockets to close: until then a connection whose authentication finished late
    // could still apply the frames it queued. Whatever was applied meanwhile is written too.
    await this.gateway.closeAll(CloseCodes.ServerShutdown);
    this.gateway.close();
    this.wholeState.clear();
    this.idle.close();
    if (saved) saved = await allSaved();
    if (!saved) {
      const unsaved = this.persistence.unsavedDocuments();
      this.logger.fatal({ documents: unsaved }, 'shutting down with unsaved updates: the store kept failing');
      throw new Error(`updates of ${unsaved.length} document(s) could not be written: ${unsaved.join(', ')}`);
    }
    await this.webhooks?.close(Math.min(5000, this.config.shutdownTimeoutMs));
    // The last editors' departure started captures; they write before the store closes.
    await this.history.close(Math.min(5000, this.config.shutdownTimeoutMs));
    await this.imageCollector.close();
    await this.linkMigration;
    // Leases go back only once everything is written: the next owner loads all of it.
    await this.cluster?.close();
    await this.store.close();
    await this.workspace?.close();
    this.logger.info('collab server stopped; every received update is stored');
  }
}

/** `addresses`, except for a socket another node of the cluster relayed here: its client is the one that node vouches for. */
function relayAwareAddresses(addresses: ClientAddresses, cluster: Cluster): Pick<ClientAddresses, 'of'> {
  return overriding(addresses, { of: (request: IncomingMessage) => cluster.relayedAddress(request) ?? addresses.of(request) });
}

/** Serves `server` alone on an HTTP server of its own (the standalone collab server). */
export async function listen(server: CollabServer, port: number, host: string): Promise<Server> {
  const http = createServer((request, response) => {
    server.handleRequest(request, response).then(
      (handled) => {
        if (!handled) {
          setApiHeaders(response, server.reachedOverHttps(request));
          response.writeHead(404, { 'content-type': 'application/json' });
          response.end(JSON.stringify({ error: `nothing at ${new URL(request.url ?? '/', 'http://x').pathname}` }));
        }
      },
      (error) => server.logger.error({ err: error }, 'HTTP request failed'),
    );
  });
  http.on('upgrade', (request, socket, head) => {
    if (!server.handleUpgrade(request, socket, head)) socket.end(rawRefusal(404, 'Not Found'));
  });
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, () => resolve());
  });
  await server.listening(portOf(http));
  return http;
}

/** The port an HTTP server listens on. */
export function portOf(http: Server): number {
  return (http.address() as AddressInfo).port;
}
