import type { IncomingMessage } from 'node:http';
import type { DocumentStore } from '../../persistence/DocumentStore';
import type { AuditLog } from '../audit/AuditLog';
import { addBackupRoute } from '../backup/backupRoute';
import type { Config } from '../config';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';
import type { PersistenceExtension } from '../extensions/PersistenceExtension';
import type { HistoryService } from '../history/HistoryService';
import type { ImageService } from '../images/ImageService';
import type { ShareLinks } from '../links/ShareLinks';
import type { Logger } from '../logger';
import type { Metrics } from '../metrics';
import type { ClientAddresses } from '../net/ClientAddresses';
import { addAuthRoutes } from '../workspace/authRoutes';
import type { Workspace } from '../workspace/Workspace';
import { addApiRoutes } from './apiRoutes';
import { addAppLinkRoutes } from './appLinkRoutes';
import { addAppRoutes } from './appRoutes';
import { addAuditRoutes } from './auditRoutes';
import { BrowserIdentities } from './browserIdentity';
import { addCommentApiRoutes } from './commentApiRoutes';
import { addCspReportRoute } from './cspReportRoute';
import { addHealthRoutes } from './healthRoutes';
import { addHistoryApiRoutes } from './historyApiRoutes';
import { addHistoryAppRoutes } from './historyAppRoutes';
import { addImageRoutes } from './imageRoutes';
import { addLinkApiRoutes } from './linkApiRoutes';
import type { Router } from './Router';

/** What the collab server's HTTP routes work with. */
export interface ServerRouteParts {
  config: Config;
  store: DocumentStore;
  authSecret: string;
  logger: Logger;
  metrics: Metrics;
  persistence: Pick<PersistenceExtension, 'failingDocuments' | 'sizeOf'>;
  /** False once the server is stopping (`/readyz` says so). */
  accepting: () => boolean;
  addresses: ClientAddresses;
  /** Takes one creation from the request's address budget: 0, or the seconds to wait. */
  takeCreation: (request: IncomingMessage) => number;
  images: ImageService;
  documents: DocumentService;
  shareLinks: ShareLinks;
  conversions: ConversionPool;
  workspace: Workspace | null;
  audit: AuditLog;
  historyService: HistoryService;
}

/** Adds every HTTP route of the collab server to `router`: health, backup, the app's, the content API's. */
export function addServerRoutes(router: Router, parts: ServerRouteParts): void {
  const {
    config,
    store,
    authSecret,
    logger,
    metrics,
    persistence,
    accepting,
    addresses,
    takeCreation,
    images,
    documents,
    shareLinks,
    conversions,
    workspace,
    audit,
    historyService,
  } = parts;
  addHealthRoutes(router, {
    store,
    metrics,
    failingDocuments: () => persistence.failingDocuments(),
    accepting,
  });
  addCspReportRoute(router, { logger, addressOf: (request) => addresses.of(request) });
  addBackupRoute(router, { store, authSecret, logger, metrics });
  const identities = new BrowserIdentities(authSecret);
  addAppRoutes(router, {
    images,
    documents,
    links: shareLinks,
    identities,
    authSecret,
    takeCreation,
    addresses,
    linkTokenSeconds: config.linkTokenSeconds,
    conversions,
    creator: workspace ? (request, response) => (workspace as Workspace).creator(request, response) : undefined,
    audit,
    members: workspace?.memberAccessOf,
  });
  if (workspace) workspace.addRoutes(router);
  else addAuthRoutes(router, { workspace: null });
  addAppLinkRoutes(router, { links: shareLinks, identities, members: workspace?.memberAccessOf });
  addHistoryAppRoutes(router, { links: shareLinks, identities, history: historyService, conversions, audit, members: workspace?.memberAccessOf });
  addHistoryApiRoutes(router, { history: historyService, documents, authSecret, conversions, audit });
  addLinkApiRoutes(router, { links: shareLinks, authSecret, addresses });
  addAuditRoutes(router, { audit, links: shareLinks, authSecret, identities, members: workspace?.memberAccessOf });
  addImageRoutes(router, {
    images,
    authSecret,
    links: shareLinks,
    addresses,
    allowedOrigins: config.allowedOrigins,
    memberMayEdit: async (name, userId) => {
      const access = await workspace?.store.accessOf(name, userId);
      return access?.role === 'owner' || access?.role === 'editor';
    },
  });
  addCommentApiRoutes(router, { documents, authSecret, conversions });
  addApiRoutes(router, {
    documents,
    conversions,
    authSecret,
    maxNameLength: config.maxNameLength,
    maxBodyBytes: config.maxMessageBytes,
    maxDocumentBytes: config.maxDocumentBytes,
    sizeOf: (name) => persistence.sizeOf(name),
    shareLinks,
    addresses,
    images,
    audit,
  });
}
