import type { connectedPayload, Document, Extension, onAuthenticatePayload, onTokenSyncPayload } from '@hocuspocus/server';
import { decodeJwt } from 'jose';
import { CloseCodes } from '../../shared/closeCodes';
import { ROLES, type Role, type TokenClaims } from '../../shared/token';
import type { ConnectionContext } from '../context';
import type { Logger } from '../logger';

export interface MemberAccessOptions {
  /** The role `userId` holds on `document` now, or null when they have no access. */
  roleOf: (document: string, userId: string) => Promise<Role | null>;
  /** The loaded document `name`, if any. */
  document: (name: string) => Document | undefined;
  logger: Logger;
}

/**
 * Connections opened with a token minted for a signed-in member last only as long as that
 * person's access: a token whose holder no longer has access, or has less than the token says,
 * is refused with `4411 access-revoked` (`admit`, before anything loads), and removing or
 * lowering someone's access ends their open sessions on that document with the same code
 * (`revoke`), on both protocols. Access is checked again once the connection joined (a change
 * that landed meanwhile) and on every renewed token: not only at connect. The same shape as
 * `LinkAccessExtension`, which does this for share links.
 */
export class MemberAccessExtension implements Extension {
  readonly extensionName = 'MemberAccess';

  constructor(private readonly options: MemberAccessOptions) {}

  /** Refuses (throws `AccessRevoked`) a member token whose holder's access is gone or lower than the token's role. */
  async admit({ documentName, claims, socketId }: { documentName: string; claims: TokenClaims; socketId: string }): Promise<void> {
    if (!claims.member || (await this.holds(documentName, claims.sub, claims.role))) return;
    this.options.logger.info({ socket: socketId, document: documentName, user: claims.sub }, 'connection refused: the member no longer has this access');
    throw CloseCodes.AccessRevoked;
  }

  /** Marks the connection as a member's (for `revoke`); runs after `AuthExtension` admitted the token. */
  async onAuthenticate({ token }: onAuthenticatePayload): Promise<Partial<ConnectionContext>> {
    return memberClaim(token) ? { member: true } : {};
  }

  /** Checks again once joined: a removal that landed while it authenticated did not find it among the connections. */
  async connected({ context, documentName, connection }: connectedPayload): Promise<void> {
    const { member, user, role } = context as Partial<ConnectionContext>;
    if (member && user && role && !(await this.holds(documentName, user.id, role))) connection.close(CloseCodes.AccessRevoked);
  }

  /** A renewed token on an open connection is checked against the access as it is now. */
  async onTokenSync({ token, documentName, connection, context }: onTokenSyncPayload): Promise<void> {
    const { member, user, role } = context as Partial<ConnectionContext>;
    if ((member || memberClaim(token)) && user && role && !(await this.holds(documentName, user.id, role))) connection.close(CloseCodes.AccessRevoked);
  }

  /** Ends `userId`'s member sessions on `document` (their access was removed or changed; they reconnect with what they have now). */
  revoke(document: string, userId: string): void {
    for (const connection of this.options.document(document)?.getConnections() ?? []) {
      const context = connection.context as Partial<ConnectionContext> | undefined;
      if (context?.member && context.user?.id === userId) connection.close(CloseCodes.AccessRevoked);
    }
  }

  /**
   * Checks every member session open on `document` against the access as it is now, and ends
   * (`4411`) those whose holder lost it or holds less: for changes this node was not told of.
   */
  async recheck(document: string): Promise<void> {
    for (const connection of this.options.document(document)?.getConnections() ?? []) {
      const { member, user, role } = (connection.context ?? {}) as Partial<ConnectionContext>;
      if (member && user && role && !(await this.holds(document, user.id, role))) connection.close(CloseCodes.AccessRevoked);
    }
  }

  private async holds(document: string, userId: string, role: Role): Promise<boolean> {
    const current = await this.options.roleOf(document, userId);
    return current !== null && ROLES.indexOf(current) >= ROLES.indexOf(role);
  }
}

function memberClaim(token: string): boolean {
  try {
    return decodeJwt(token).member === true;
  } catch {
    return false;
  }
}
