import type { beforeHandleAwarenessPayload, Extension, onAuthenticatePayload } from '@hocuspocus/server';
import { CloseCodes } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import { canWrite, colorFor, coversDocument, type TokenClaims, TokenError, verifyToken } from '../../shared/token';
import type { ConnectionContext } from '../context';
import type { Logger } from '../logger';
import { ownedElsewhere, shownIdentity } from './presenceStates';
import { TokenLease } from './TokenExpiryExtension';

export interface AuthOptions {
  secret: string;
  maxNameLength: number;
  logger: Logger;
  /**
   * Last word on a connection whose token was accepted: may it open the document now (it exists
   * or it may create it, the user is under its limits)? Throws the `CloseReason` to refuse with.
   */
  admit?: (arrival: { documentName: string; claims: TokenClaims; context: unknown; socketId: string }) => Promise<void>;
}

/**
 * Every connection proves, with a token, who it is and what it may do with the document it
 * opens. Viewers are made read-only, which Hocuspocus enforces for every sync write it receives,
 * hand-built frames included. Presence is rewritten to the token's identity. The token's expiry
 * goes with the connection as a lease, which `TokenExpiryExtension` enforces.
 */
export class AuthExtension implements Extension {
  readonly extensionName = 'Auth';

  constructor(private readonly options: AuthOptions) {}

  async onAuthenticate({ token, documentName, connectionConfig, socketId, context }: onAuthenticatePayload): Promise<ConnectionContext> {
    const { logger } = this.options;
    const problem = documentNameProblem(documentName, this.options.maxNameLength);
    if (problem) {
      logger.info({ socket: socketId, problem }, 'connection refused: invalid document name');
      throw CloseCodes.InvalidDocumentName;
    }
    let claims: Awaited<ReturnType<typeof verifyToken>>;
    try {
      claims = await verifyToken(this.options.secret, token);
    } catch (error) {
      const kind = error instanceof TokenError ? error.kind : 'invalid';
      logger.info({ socket: socketId, document: documentName, kind }, 'connection refused: token not accepted');
      throw kind === 'expired' ? CloseCodes.TokenExpired : CloseCodes.Unauthorized;
    }
    if (!coversDocument(claims, documentName)) {
      logger.info({ socket: socketId, document: documentName, user: claims.sub }, 'connection refused: token is for another document');
      throw CloseCodes.Forbidden;
    }
    await this.options.admit?.({ documentName, claims, context, socketId });
    connectionConfig.readOnly = !canWrite(claims.role);
    return { user: { id: claims.sub, name: claims.name, color: colorFor(claims.sub) }, role: claims.role, lease: TokenLease.ofToken(claims.exp) };
  }

  /**
   * A client may only speak for its own awareness client ids, and only as itself: states for ids
   * that another connection owns are dropped, and `user` is replaced by the token's identity (its
   * name and id cut to a bounded length, see `shownIdentity`) and role (so a viewer is shown as one,
   * whatever its page claims).
   * Each accepted id is recorded as this connection's, so its state goes when the connection
   * does: Hocuspocus records only ids it sees as new, and a client that reconnects (same id,
   * already known) would otherwise stay in everyone's presence until it times out.
   */
  async beforeHandleAwareness({ states, connection, context, document }: beforeHandleAwarenessPayload): Promise<void> {
    if (!connection || !context) return;
    const { role } = context as ConnectionContext;
    const user = shownIdentity((context as ConnectionContext).user);
    const own = document.connections.get(connection)?.clients;
    for (const [clientId, state] of states) {
      if (ownedElsewhere(document, connection, clientId)) {
        states.delete(clientId);
        continue;
      }
      if (state && typeof state === 'object') {
        state.user = { ...user, role };
        own?.add(clientId);
      }
    }
  }
}
