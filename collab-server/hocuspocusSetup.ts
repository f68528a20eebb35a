import { type Extension, Hocuspocus } from '@hocuspocus/server';
import { documentSchema } from '../shared/conversion';
import { AuditExtension } from './audit/AuditExtension';
import type { AuditLog } from './audit/AuditLog';
import type { Cluster } from './cluster/Cluster';
import type { Config } from './config';
import { clientAddressOf } from './context';
import type { ConnectAdmission } from './documents/ConnectAdmission';
import type { IdleDocuments } from './documents/IdleDocuments';
import { AuthExtension } from './extensions/AuthExtension';
import type { LimitsExtension } from './extensions/LimitsExtension';
import { LoggingExtension } from './extensions/LoggingExtension';
import type { PersistenceExtension } from './extensions/PersistenceExtension';
import { SchemaExtension } from './extensions/SchemaExtension';
import type { TokenExpiryExtension } from './extensions/TokenExpiryExtension';
import type { HistoryExtension } from './history/HistoryExtension';
import type { LinkAccessExtension } from './links/LinkAccessExtension';
import type { Logger } from './logger';
import type { Metrics } from './metrics';
import { schemaMetrics } from './schema/schemaMetrics';
import type { WebhookExtension } from './webhooks/WebhookExtension';
import type { MemberAccessExtension } from './workspace/MemberAccessExtension';

/** The collab server's parts that act on connections and documents, for `createHocuspocus`. */
export interface HocuspocusParts {
  config: Config;
  logger: Logger;
  authSecret: string;
  cluster: Cluster | null;
  limits: LimitsExtension;
  linkAccess: LinkAccessExtension;
  memberAccess: MemberAccessExtension | undefined;
  admission: ConnectAdmission;
  tokenExpiry: TokenExpiryExtension;
  idle: IdleDocuments;
  persistence: PersistenceExtension;
  metrics: Metrics;
  history: HistoryExtension;
  webhooks: WebhookExtension | null;
  audit: AuditLog;
}

/** Hocuspocus configured with the collab server's extensions, in the order they act. */
export function createHocuspocus(parts: HocuspocusParts): Hocuspocus {
  const {
    config,
    logger,
    authSecret,
    cluster,
    limits,
    linkAccess,
    memberAccess,
    admission,
    tokenExpiry,
    idle,
    persistence,
    metrics,
    history,
    webhooks,
    audit,
  } = parts;
  // The server's table of contents: each concern is one extension, in the order they act.
  const extensions: Extension[] = [
    // 0. In a cluster: serve a document only while this node holds its lease.
    ...(cluster ? [cluster.extension] : []),
    // 1. Refuse what breaks a per-document or per-user limit before doing any work for it.
    limits,
    // 2. Who is this, and may they open (or write) this document?
    //    A token minted from a share link is admitted only while that link has the secret it
    //    came from (checked first: a stale one creates nothing).
    new AuthExtension({
      secret: authSecret,
      maxNameLength: config.maxNameLength,
      logger,
      admit: async ({ documentName, claims, context, socketId }) => {
        await linkAccess.admit({ documentName, claims, socketId });
        await memberAccess?.admit({ documentName, claims, socketId });
        limits.checkUser(claims.sub, claims.role);
        // A link opens only the document that has it: it is admitted as one that may not create.
        const role = claims.link ? 'viewer' : claims.role;
        return admission.admit({ documentName, role, userId: claims.sub, socketId, address: clientAddressOf(context) });
      },
    }),
    // 2b. A token holds until its `exp`, on open connections too: renewed before, closed at it.
    tokenExpiry,
    // 3. Which share link a connection came through; ends them when the link is reset.
    linkAccess,
    // 3b. Workspace mode: which member a connection is; ends it when their access is removed.
    ...(memberAccess ? [memberAccess] : []),
    // 3c. Keep a document loaded a while after its last connection leaves (before every
    //     extension that lets go of it on unload).
    idle,
    // 4. Load from and append to the store; holds acknowledgements until durable.
    persistence,
    // 5. Refuse updates that break the document schema; repair invalid stored or left-over
    //    structure as the server (after persistence, so the repair is stored). It applies the
    //    updates it accepts itself, so every other check of a message must come before it.
    new SchemaExtension({ schema: documentSchema(), logger, ...schemaMetrics(metrics.registry) }),
    // 6. Capture versions as people work (after persistence: a version holds only durable changes).
    history,
    // 7. Announce durable changes to webhook receivers (debounced; never blocks editing).
    ...(webhooks ? [webhooks] : []),
    // 8. Who opened each document, in its audit log (once per identity and window).
    new AuditExtension(audit),
    // 9. One structured log line per connection and document event.
    new LoggingExtension(logger),
  ];

  return new Hocuspocus({
    name: 'collab-server',
    quiet: true,
    timeout: config.idleTimeoutMs,
    // Saving happens per update in the persistence extension; this debounce only decides how
    // soon an idle document's (already durable) state is confirmed before unloading.
    debounce: 1000,
    maxDebounce: 5000,
    unloadImmediately: true,
    // The transport's InboundGuard enforces the configured limits with named close codes;
    // Hocuspocus' own limits sit above them as a backstop.
    maxUnauthenticatedQueueMessages: config.maxPendingMessages * 2 + 10,
    maxPendingDocuments: config.maxPendingDocuments + 10,
    maxUnauthenticatedQueueSize: config.maxMessageBytes * 4,
    extensions,
  });
}
