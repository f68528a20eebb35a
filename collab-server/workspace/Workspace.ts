import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Document } from '@hocuspocus/server';
import type { WorkspaceStore } from '../../persistence/WorkspaceStore';
import { colorFor } from '../../shared/token';
import type { Config } from '../config';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';
import type { MemberAccessOf } from '../http/appAccess';
import { NOT_FOUND } from '../http/appLinkAccess';
import { cookieValue } from '../http/browserIdentity';
import { HttpError, type Router } from '../http/Router';
import type { Logger } from '../logger';
import { addAuthRoutes } from './authRoutes';
import { MemberAccessExtension } from './MemberAccessExtension';
import { OidcLogin } from './OidcLogin';
import { SESSION_COOKIE, Sessions } from './Sessions';
import { requireSameOrigin } from './sameOrigin';
import { addUserAdminRoutes } from './userAdminRoutes';
import { WorkspaceDocuments } from './WorkspaceDocuments';
import { addWorkspaceRoutes } from './workspaceRoutes';

export interface WorkspaceOptions {
  config: Config;
  store: WorkspaceStore;
  authSecret: string;
  logger: Logger;
  documents: Pick<DocumentService, 'getMeta' | 'state'>;
  conversions: Pick<ConversionPool, 'run'>;
  document: (name: string) => Document | undefined;
  overHttps: (request: IncomingMessage) => boolean;
  /** In a cluster: tells the other nodes someone's access was removed or lowered (they end that person's sessions there). */
  announceRemoval?: (document: string, userId: string) => void;
}

/**
 * Workspace mode (OIDC_ISSUER set): people sign in with the organisation's identity provider,
 * each document has an owner and members, and the home page lists them from the server. Share
 * links, tokens minted by host apps, admin tokens and the content API work as in link mode.
 */
export class Workspace {
  readonly sessions: Sessions;
  readonly login: OidcLogin;
  readonly memberAccess: MemberAccessExtension;
  readonly store: WorkspaceStore;
  private readonly publicUrl: string;

  constructor(private readonly options: WorkspaceOptions) {
    const { config, store, logger } = options;
    this.store = store;
    this.publicUrl = config.publicUrl as string;
    this.sessions = new Sessions({ store, lifetimeMs: config.sessionDays * 24 * 60 * 60 * 1000, overHttps: options.overHttps });
    this.login = new OidcLogin({
      issuer: config.oidcIssuer as string,
      clientId: config.oidcClientId as string,
      clientSecret: config.oidcClientSecret as string,
      authSecret: options.authSecret,
      redirectUri: `${this.publicUrl}/api/auth/callback`,
      logger,
    });
    this.memberAccess = new MemberAccessExtension({
      roleOf: async (document, userId) => {
        const access = await store.accessOf(document, userId);
        return access === null ? null : access.role === 'owner' ? 'editor' : access.role;
      },
      document: options.document,
      logger,
    });
  }

  /** Adds the sign-in and workspace routes. */
  addRoutes(router: Router): void {
    const { store, config, authSecret } = this.options;
    addAuthRoutes(router, {
      workspace: {
        login: this.login,
        sessions: this.sessions,
        store,
        publicUrl: this.publicUrl,
        overHttps: this.options.overHttps,
        logger: this.options.logger,
      },
    });
    addWorkspaceRoutes(router, {
      store,
      sessions: this.sessions,
      documents: new WorkspaceDocuments({ store, documents: this.options.documents, conversions: this.options.conversions }),
      authSecret,
      publicOrigin: new URL(this.publicUrl).origin,
      tokenSeconds: config.linkTokenSeconds,
      revoke: (document, userId) => this.revoke(document, userId),
    });
    addUserAdminRoutes(router, { store, authSecret, revoke: (document, userId) => this.revoke(document, userId) });
  }

  /** Ends `userId`'s open sessions on `document`, here and on every other node of a cluster. */
  private revoke(document: string, userId: string): void {
    this.memberAccess.revoke(document, userId);
    this.options.announceRemoval?.(document, userId);
  }

  /**
   * For the app's create route: documents made in workspace mode need a signed-in person, who
   * becomes the owner. Returns who they are and what to do once the document exists.
   */
  async creator(request: IncomingMessage, response: ServerResponse): Promise<{ author: string; makeOwner: (name: string) => Promise<void> }> {
    requireSameOrigin(request, new URL(this.publicUrl).origin);
    const user = await this.sessions.userOf(request, response);
    if (!user) throw new HttpError(401, 'sign in first: documents are created by signed-in people here', 'signed-out');
    return { author: user.id, makeOwner: (name) => this.store.setAccess(name, user.id, 'owner', Date.now()) };
  }

  /**
   * A signed-in member's access to document `name`, for the app's document endpoints
   * (`http/appAccess.ts`): null without a session cookie; with one, the request must come from
   * the app's own pages (403, the cookie alone could be a forgery's), the session must be live
   * (401) and the person must have access (404 otherwise, as for a document that does not exist).
   */
  readonly memberAccessOf: MemberAccessOf = async (request, response, name) => {
    if (!cookieValue(request.headers.cookie, SESSION_COOKIE)) return null;
    requireSameOrigin(request, new URL(this.publicUrl).origin);
    const user = await this.sessions.require(request, response);
    const access = await this.store.accessOf(name, user.id);
    if (!access) throw new HttpError(404, NOT_FOUND);
    return { user: { id: user.id, name: user.name, color: colorFor(user.id) }, role: access.role };
  };

  /** Closes the workspace store (the server's last step, after the documents are written). */
  close(): Promise<void> {
    return this.store.close();
  }
}
