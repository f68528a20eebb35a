import { MAX_DEPTH } from '../shared/schemaRules';
import { MIN_SECRET_LENGTH } from '../shared/token';

/**
 * The collab server's options: each one's environment variable (the CLI flag is its kebab-case
 * form), default, bounds and meaning, in one table that `config.ts` parses and `--help` and the
 * README's table are generated from.
 */

export interface OptionBase {
  /** Environment variable; the CLI flag is its kebab-case form (`MAX_MESSAGE_BYTES` → `--max-message-bytes`). */
  env: string;
  description: string;
}
export interface IntegerOption extends OptionBase {
  kind: 'integer';
  default: number;
  min: number;
  max?: number;
}
export interface StringOption extends OptionBase {
  kind: 'string';
  default: string | undefined;
}
export interface ListOption extends OptionBase {
  kind: 'list';
  default: string[];
}
export interface BooleanOption extends OptionBase {
  kind: 'boolean';
  default: boolean;
}
export type Option = IntegerOption | StringOption | ListOption | BooleanOption;

const MiB = 1024 * 1024;

/** Defaults of `npm start` (the app and the server on one port) that differ from the collab server's. */
export const APP_DEFAULTS: Readonly<Record<string, string>> = { PORT: '3000' };

/** Every option. Keep descriptions short: they are the `--help` text and the README table. */
export const OPTIONS = {
  port: {
    env: 'PORT',
    kind: 'integer',
    default: 1234,
    min: 0,
    max: 65535,
    description: 'TCP port to listen on (0 picks a free one)',
  },
  host: { env: 'HOST', kind: 'string', default: '127.0.0.1', description: 'Address to listen on; use 0.0.0.0 to accept connections from other machines' },
  dataDir: { env: 'DATA_DIR', kind: 'string', default: './data', description: 'Folder for the LevelDB documents and the generated auth secret' },
  authSecret: {
    env: 'AUTH_SECRET',
    kind: 'string',
    default: undefined,
    description: `HS256 secret for tokens (at least ${MIN_SECRET_LENGTH} characters); unset: generated once and kept in DATA_DIR`,
  },
  allowedOrigins: {
    env: 'ALLOWED_ORIGINS',
    kind: 'list',
    default: [],
    description: "Comma-separated browser origins allowed to connect, besides the server's own origin; * allows any",
  },
  trustProxy: {
    env: 'TRUST_PROXY',
    kind: 'list',
    default: [],
    description:
      'Comma-separated reverse proxies (addresses, CIDR ranges, or loopback, linklocal, uniquelocal) whose X-Forwarded-For/-Host/-Proto are believed; others are ignored',
  },
  logLevel: { env: 'LOG_LEVEL', kind: 'string', default: 'info', description: 'fatal, error, warn, info, debug, trace or silent' },
  createOnConnect: {
    env: 'CREATE_ON_CONNECT',
    kind: 'boolean',
    default: true,
    description: 'Let an editor token create its document by connecting (deleted documents are never re-created this way)',
  },
  linkManagerRoles: {
    env: 'LINK_MANAGER_ROLES',
    kind: 'list',
    default: ['editor', 'admin'],
    description:
      'Roles that may create and reset share links: API tokens with them, and links opening the document as them (edit link: editor, view link: viewer); nobody may touch a link granting more than they have',
  },
  maxMessageBytes: {
    env: 'MAX_MESSAGE_BYTES',
    kind: 'integer',
    default: 8 * MiB,
    min: 1024,
    description: 'Largest WebSocket frame accepted; larger closes that socket',
  },
  maxDocumentBytes: {
    env: 'MAX_DOCUMENT_BYTES',
    kind: 'integer',
    default: 64 * MiB,
    min: 1024,
    description: 'Largest stored document; an update that would pass it closes the sender',
  },
  maxMessagesPerSecond: {
    env: 'MAX_MESSAGES_PER_SECOND',
    kind: 'integer',
    default: 300,
    min: 1,
    description: 'Sustained messages per second per connection (bursts of 3x allowed)',
  },
  maxPresenceBytes: {
    env: 'MAX_PRESENCE_BYTES',
    kind: 'integer',
    default: 4096,
    min: 256,
    description: 'Largest presence (awareness) state per client id, in bytes of JSON; larger closes the sender',
  },
  maxPresenceClients: {
    env: 'MAX_PRESENCE_CLIENTS',
    kind: 'integer',
    default: 8,
    min: 1,
    max: 1000,
    description: 'Presence client ids one connection may speak for in a document (a provider uses one at a time)',
  },
  maxPresenceBytesPerSecond: {
    env: 'MAX_PRESENCE_BYTES_PER_SECOND',
    kind: 'integer',
    default: 32768,
    min: 1024,
    description: 'Sustained bytes of presence states per second a connection may send for its own client ids (bursts of 3x allowed)',
  },
  maxConnectionsPerIp: { env: 'MAX_CONNECTIONS_PER_IP', kind: 'integer', default: 500, min: 1, description: 'Open WebSocket connections per client address' },
  maxConnectionsPerUser: {
    env: 'MAX_CONNECTIONS_PER_USER',
    kind: 'integer',
    default: 100,
    min: 1,
    description: 'Open document connections per token subject (sub), both protocols; admin tokens are not counted',
  },
  maxNewConnectionsPerMinute: {
    env: 'MAX_NEW_CONNECTIONS_PER_MINUTE',
    kind: 'integer',
    default: 600,
    min: 1,
    description: 'New WebSocket connections per client address per minute (all at once allowed)',
  },
  maxCreationsPerMinute: {
    env: 'MAX_CREATIONS_PER_MINUTE',
    kind: 'integer',
    default: 30,
    min: 1,
    description: 'Documents one client address may create per minute in the app or by connecting (admin tokens are not counted)',
  },
  maxApiRequestsPerMinute: {
    env: 'MAX_API_REQUESTS_PER_MINUTE',
    kind: 'integer',
    default: 600,
    min: 1,
    description: 'Requests to /api/… per client address per minute (all at once allowed); more get 429 with Retry-After',
  },
  maxConnectionsPerDocument: { env: 'MAX_CONNECTIONS_PER_DOCUMENT', kind: 'integer', default: 1000, min: 1, description: 'Connections to one document' },
  maxPendingMessages: {
    env: 'MAX_PENDING_MESSAGES',
    kind: 'integer',
    default: 200,
    min: 1,
    description: 'Messages a connection may send before it is authenticated',
  },
  maxPendingDocuments: {
    env: 'MAX_PENDING_DOCUMENTS',
    kind: 'integer',
    default: 20,
    min: 1,
    description: 'Documents a connection may open before one is authenticated',
  },
  maxNameLength: { env: 'MAX_NAME_LENGTH', kind: 'integer', default: 200, min: 1, max: 10000, description: 'Longest document name, in characters' },
  compactLogEntries: {
    env: 'COMPACT_LOG_ENTRIES',
    kind: 'integer',
    default: 500,
    min: 1,
    description: "Fold a document's update log into its snapshot once it has this many entries…",
  },
  commitIntervalMs: {
    env: 'COMMIT_INTERVAL_MS',
    kind: 'integer',
    default: 50,
    min: 0,
    max: 1000,
    description: 'Under load, start a synced LevelDB write at most this often; edits arriving meanwhile share it (an idle server writes at once)',
  },
  compactLogBytes: { env: 'COMPACT_LOG_BYTES', kind: 'integer', default: 4 * MiB, min: 1, description: '…or this many bytes' },
  idleTimeoutMs: {
    env: 'IDLE_TIMEOUT_MS',
    kind: 'integer',
    default: 60_000,
    min: 1000,
    description: 'Close a connection that sends nothing (or does not authenticate) for this long',
  },
  idleDocumentGraceMs: {
    env: 'IDLE_DOCUMENT_GRACE_MS',
    kind: 'integer',
    default: 300_000,
    min: 0,
    description:
      'Keep a document loaded this long after its last connection leaves, so reconnecting does not load it again (0: unload at once; a cluster node always unloads at once)',
  },
  idleDocumentsMaxBytes: {
    env: 'IDLE_DOCUMENTS_MAX_BYTES',
    kind: 'integer',
    default: 256 * MiB,
    min: 0,
    description: 'Stored size of the documents kept loaded with nobody connected; past it, the longest idle unload first',
  },
  shutdownTimeoutMs: {
    env: 'SHUTDOWN_TIMEOUT_MS',
    kind: 'integer',
    default: 30_000,
    min: 0,
    description: 'On SIGTERM, how long to keep retrying pending writes before exiting with an error',
  },
  linkTokenSeconds: {
    env: 'LINK_TOKEN_SECONDS',
    kind: 'integer',
    default: 600,
    min: 2,
    max: 7 * 24 * 3600,
    description: 'Lifetime of the token the app hands out for a share link; open editors renew theirs before it expires',
  },
  auditMaxEntries: {
    env: 'AUDIT_MAX_ENTRIES',
    kind: 'integer',
    default: 1000,
    min: 10,
    max: 1_000_000,
    description: "Entries kept in each document's audit log (openings, link changes, renames, deletion, restores); older ones are dropped",
  },
  auditOpenWindowSeconds: {
    env: 'AUDIT_OPEN_WINDOW_SECONDS',
    kind: 'integer',
    default: 3600,
    min: 0,
    max: 7 * 24 * 3600,
    description: 'An identity opening a document again within this many seconds of its last logged opening is not logged again',
  },
  embedOrigins: {
    env: 'EMBED_ORIGINS',
    kind: 'list',
    default: [],
    description: "Comma-separated origins whose pages may show /embed/<document> in a frame, besides the app's own; * allows any",
  },
  webhookUrls: {
    env: 'WEBHOOK_URLS',
    kind: 'list',
    default: [],
    description: 'Comma-separated URLs that receive document.created, document.changed and document.deleted as signed POSTs',
  },
  webhookSecret: {
    env: 'WEBHOOK_SECRET',
    kind: 'string',
    default: undefined,
    description: `Key for the HMAC-SHA256 Quire-Signature header of webhooks (at least ${MIN_SECRET_LENGTH} characters); required with WEBHOOK_URLS`,
  },
  webhookDebounceMs: {
    env: 'WEBHOOK_DEBOUNCE_MS',
    kind: 'integer',
    default: 2000,
    min: 0,
    description: 'document.changed is sent once a document has had no edit for this long (at most 10 times this while edits go on)',
  },
  webhookMaxAttempts: {
    env: 'WEBHOOK_MAX_ATTEMPTS',
    kind: 'integer',
    default: 10,
    min: 1,
    max: 100,
    description: 'Delivery attempts per event and URL before giving up',
  },
  webhookRetryMs: {
    env: 'WEBHOOK_RETRY_MS',
    kind: 'integer',
    default: 1000,
    min: 10,
    description: 'Wait before the first retry of a failed delivery; it doubles with each attempt, up to 10 minutes',
  },
  historyIdleMs: {
    env: 'HISTORY_IDLE_MS',
    kind: 'integer',
    default: 30_000,
    min: 10,
    description: 'Capture an automatic version once a document has had no edit for this long (and when its last editor leaves)…',
  },
  historyMaxIntervalMs: {
    env: 'HISTORY_MAX_INTERVAL_MS',
    kind: 'integer',
    default: 300_000,
    min: 10,
    description: '…and at least this often while edits go on',
  },
  historyKeepDays: {
    env: 'HISTORY_KEEP_DAYS',
    kind: 'integer',
    default: 30,
    min: 1,
    description: 'Keep automatic versions this many days (all of the last day, then one per hour, after a week one per day); named versions are kept',
  },
  historyMaxAutoVersions: {
    env: 'HISTORY_MAX_AUTO_VERSIONS',
    kind: 'integer',
    default: 200,
    min: 1,
    description: 'Keep at most this many automatic versions per document; the oldest go first',
  },
  maxImageBytes: {
    env: 'MAX_IMAGE_BYTES',
    kind: 'integer',
    default: 10 * MiB,
    min: 1024,
    description: 'Largest image file accepted for upload (PNG, JPEG, GIF or WebP)',
  },
  maxDocumentImageBytes: {
    env: 'MAX_DOCUMENT_IMAGE_BYTES',
    kind: 'integer',
    default: 100 * MiB,
    min: 1024,
    description: 'Largest total of the image files one document keeps; an upload that would pass it is refused',
  },
  maxImagePixels: {
    env: 'MAX_IMAGE_PIXELS',
    kind: 'integer',
    default: 50_000_000,
    min: 1,
    description: 'Most pixels (width × height, read from the file header) an uploaded image may have',
  },
  maxImageUploadsPerMinute: {
    env: 'MAX_IMAGE_UPLOADS_PER_MINUTE',
    kind: 'integer',
    default: 60,
    min: 1,
    description: 'Image uploads per client address, and per user (token sub), per minute (all at once allowed)',
  },
  databaseUrl: {
    env: 'DATABASE_URL',
    kind: 'string',
    default: undefined,
    description:
      'PostgreSQL connection string (postgres://user:password@host:5432/db): documents live there instead of LevelDB, and several nodes may share it (a cluster); never logged',
  },
  nodeId: {
    env: 'NODE_ID',
    kind: 'string',
    default: undefined,
    description: 'With DATABASE_URL: the name of this node in the lease table; unset: the host name and a random suffix, new at every start',
  },
  nodeUrl: {
    env: 'NODE_URL',
    kind: 'string',
    default: undefined,
    description: 'With DATABASE_URL: the http:// address other nodes reach this one at, to relay connections to it; unset: http://HOST:PORT',
  },
  leaseTtlMs: {
    env: 'LEASE_TTL_MS',
    kind: 'integer',
    default: 10_000,
    min: 1000,
    description: 'With DATABASE_URL: how long the lease of a document lasts unless renewed; the documents of a dead node move after this',
  },
  leaseRenewMs: {
    env: 'LEASE_RENEW_MS',
    kind: 'integer',
    default: 2500,
    min: 100,
    description:
      'With DATABASE_URL: how often a node renews its leases (and gives back those of documents it no longer serves); less than a third of LEASE_TTL_MS',
  },
  conversionWorkers: {
    env: 'CONVERSION_WORKERS',
    kind: 'integer',
    default: 2,
    min: 1,
    max: 64,
    description: 'Worker threads that convert content (imports, content API reads and writes, version exports and diffs), so the event loop never does',
  },
  conversionQueue: {
    env: 'CONVERSION_QUEUE',
    kind: 'integer',
    default: 16,
    min: 0,
    description: 'Conversions that may wait for a worker; beyond that a request gets 503 with Retry-After',
  },
  conversionTimeoutMs: {
    env: 'CONVERSION_TIMEOUT_MS',
    kind: 'integer',
    default: 10_000,
    min: 100,
    description:
      'Processor time one conversion may use (10 times as long in all); then its worker is stopped (a fresh one takes over) and the request gets 422',
  },
  conversionMemoryMb: {
    env: 'CONVERSION_MEMORY_MB',
    kind: 'integer',
    default: 512,
    min: 32,
    description: 'Heap of each conversion worker, in MB (HTML takes about 10 KB per element); a conversion needing more is stopped and the request gets 413',
  },
  conversionMaxDepth: {
    env: 'CONVERSION_MAX_DEPTH',
    kind: 'integer',
    default: MAX_DEPTH,
    min: 4,
    // Deeper than the schema allows, a document would be flattened when it is next read.
    max: MAX_DEPTH,
    description: `Deepest nesting of lists, quotes, tables and HTML elements accepted in content (at most the schema's ${MAX_DEPTH}); deeper gets 422`,
  },
  conversionMaxNodes: {
    env: 'CONVERSION_MAX_NODES',
    kind: 'integer',
    default: 50_000,
    min: 10,
    description: 'Most nodes (blocks, list items, table cells, text runs, HTML elements) one write or import may create; more gets 422',
  },
  publicUrl: {
    env: 'PUBLIC_URL',
    kind: 'string',
    default: undefined,
    description:
      'The address people reach the app at (https://docs.example.com); required with OIDC_ISSUER (the sign-in redirect is PUBLIC_URL/api/auth/callback)',
  },
  oidcIssuer: {
    env: 'OIDC_ISSUER',
    kind: 'string',
    default: undefined,
    description: "OpenID Connect issuer URL of the organisation's identity provider; set: people sign in, documents have owners and members (workspace mode)",
  },
  oidcClientId: { env: 'OIDC_CLIENT_ID', kind: 'string', default: undefined, description: 'Client id registered for this app at the OpenID provider' },
  oidcClientSecret: {
    env: 'OIDC_CLIENT_SECRET',
    kind: 'string',
    default: undefined,
    description: 'Client secret registered for this app at the OpenID provider',
  },
  sessionDays: {
    env: 'SESSION_DAYS',
    kind: 'integer',
    default: 14,
    min: 1,
    max: 400,
    description: 'How long a sign-in lasts, in days (sessions are kept on the server; signing out ends one at once)',
  },
} satisfies Record<string, Option>;
