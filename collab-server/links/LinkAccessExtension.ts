import type { connectedPayload, Document, Extension, onAuthenticatePayload, onTokenSyncPayload } from '@hocuspocus/server';
import { decodeJwt } from 'jose';
import { CloseCodes } from '../../shared/closeCodes';
import { type LinkClaim, linkClaimOf, type TokenClaims } from '../../shared/token';
import type { ConnectionContext } from '../context';
import type { Logger } from '../logger';
import type { ExpiryChange, Revocation, ShareLinks } from './ShareLinks';

export interface LinkAccessOptions {
  links: Pick<ShareLinks, 'isCurrent'>;
  /** The loaded document `name`, if any. */
  document: (name: string) => Document | undefined;
  logger: Logger;
}

/**
 * Connections opened with a token minted from a share link last only as long as that link's
 * secret: a token from an older secret (the link was reset or removed since) or an expired link
 * is refused with `4411 access-revoked` (`admit`, which authentication calls once the token is
 * verified, before a document can be created), and a reset ends the sessions already open
 * through the old secret with the same code, on both protocols.
 */
export class LinkAccessExtension implements Extension {
  readonly extensionName = 'LinkAccess';

  constructor(private readonly options: LinkAccessOptions) {}

  /** Refuses (throws `AccessRevoked`) a verified token minted from a link that no longer has its secret. */
  async admit({ documentName, claims, socketId }: { documentName: string; claims: TokenClaims; socketId: string }): Promise<void> {
    if (!claims.link || (await this.options.links.isCurrent(documentName, claims.link))) return;
    this.options.logger.info(
      { socket: socketId, document: documentName, link: claims.link.kind },
      'connection refused: its share link was reset or removed, or expired',
    );
    throw CloseCodes.AccessRevoked;
  }

  /**
   * Records in the connection's context which link it came through (for `revoke`). It runs after
   * `AuthExtension`, which verified the token and admitted it by then: a refused token never gets here.
   */
  async onAuthenticate({ token }: onAuthenticatePayload): Promise<Partial<ConnectionContext>> {
    const link = linkOf(token);
    return link ? { link } : {};
  }

  /**
   * Checks the link again once the connection has joined the document: a reset that landed while
   * it authenticated found it not yet among the document's connections (see `revoke`).
   */
  async connected({ context, documentName, connection }: connectedPayload): Promise<void> {
    const link = (context as Partial<ConnectionContext>).link;
    if (link && !(await this.options.links.isCurrent(documentName, link))) connection.close(CloseCodes.AccessRevoked);
  }

  /**
   * A fresh token on an open connection (`TokenExpiryExtension` renews them) must not come from a
   * link that was reset since: such a token closes the connection with `4411` instead of keeping
   * it open. Only ever closes; which link the connection came through stays as it was.
   */
  async onTokenSync({ token, documentName, connection }: onTokenSyncPayload): Promise<void> {
    let link: LinkClaim | undefined;
    try {
      link = linkClaimOf(decodeJwt(token));
    } catch {
      return; // Not a token at all: TokenExpiryExtension refuses it.
    }
    if (link && !(await this.options.links.isCurrent(documentName, link))) connection.close(CloseCodes.AccessRevoked);
  }

  /**
   * Ends the sessions opened through secrets of the link older than `generation` (all of them
   * when the link was removed). The connections of `spare`, who made the new secret, move to it
   * instead, so the person who resets a link keeps editing.
   */
  revoke({ name, kind, generation, id, spare }: Revocation): void {
    for (const connection of this.options.document(name)?.getConnections() ?? []) {
      const context = connection.context as Partial<ConnectionContext> | undefined;
      const link = context?.link;
      if (!link || link.kind !== kind || (generation !== null && link.generation >= generation)) continue;
      if (generation !== null && id !== null && spare !== undefined && context?.user?.id === spare) {
        context.link = { kind, generation, id };
        continue;
      }
      connection.close(CloseCodes.AccessRevoked);
    }
  }

  /**
   * Checks every session open on `document` through a share link against the link as it is now,
   * and ends (`4411`) those whose link was reset, turned off or expired: for changes this node was
   * not told of.
   */
  async recheck(document: string): Promise<void> {
    for (const connection of this.options.document(document)?.getConnections() ?? []) {
      const link = (connection.context as Partial<ConnectionContext> | undefined)?.link;
      if (link && !(await this.options.links.isCurrent(document, link))) connection.close(CloseCodes.AccessRevoked);
    }
  }

  /**
   * Link `kind` of document `name` now expires at `expiresAt`: connections through it whose token
   * outlives that are closed with `4402 token-expired`, so their clients fetch a token, which never
   * outlives the link ([K3]); a later expiry (or none) closes nothing.
   */
  expiryChanged({ name, kind, expiresAt }: ExpiryChange): void {
    if (expiresAt === null) return;
    for (const connection of this.options.document(name)?.getConnections() ?? []) {
      const context = connection.context as Partial<ConnectionContext> | undefined;
      if (context?.link?.kind !== kind || (context.lease && context.lease.expiresAt <= expiresAt)) continue;
      connection.close(CloseCodes.TokenExpired);
    }
  }
}

/** The `link` claim of a token AuthExtension accepted; undefined for tokens not minted from a link. */
function linkOf(token: string): LinkClaim | undefined {
  try {
    return linkClaimOf(decodeJwt(token));
  } catch {
    // AuthExtension accepted the token, so it decodes; a malformed link claim opens nothing.
    throw CloseCodes.Unauthorized;
  }
}
