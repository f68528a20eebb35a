import type { connectedPayload, Extension } from '@hocuspocus/server';
import type { AuditActor } from '../../persistence/AuditStore';
import type { TokenClaims } from '../../shared/token';
import { type ConnectionContext, isConnectionContext } from '../context';
import type { AuditLog } from './AuditLog';

/** Who a content API token's holder is, for the audit log (a token minted from a link says which link). */
export function actorOfClaims(claims: Pick<TokenClaims, 'sub' | 'name' | 'link'>): AuditActor {
  return { id: claims.sub, name: claims.name, via: claims.link?.kind ?? 'token' };
}

/** Who a connection is, for the audit log. */
export function actorOfConnection(context: ConnectionContext): AuditActor {
  return { id: context.user.id, name: context.user.name, via: context.link?.kind ?? 'token' };
}

/**
 * Logs who opened each document, on both protocols: once a connection has joined its document
 * (so a refused one logs nothing), at most once per identity and window (`AuditLog.opened`). The
 * server's own connections have no identity and are not logged. Never delays the connection.
 */
export class AuditExtension implements Extension {
  readonly extensionName = 'Audit';

  constructor(private readonly audit: Pick<AuditLog, 'opened'>) {}

  async connected({ context, documentName }: connectedPayload): Promise<void> {
    if (!isConnectionContext(context)) return;
    void this.audit.opened(documentName, actorOfConnection(context));
  }
}
