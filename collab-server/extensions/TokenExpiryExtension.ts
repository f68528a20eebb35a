import type { beforeHandleMessagePayload, Connection, connectedPayload, Extension, onDisconnectPayload, onTokenSyncPayload } from '@hocuspocus/server';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { coversDocument, TokenError, verifyToken } from '../../shared/token';
import { isConnectionContext } from '../context';
import type { Logger } from '../logger';
import { type Deadline, ExpiryQueue } from './ExpiryQueue';

/**
 * How long before its token expires a connection is asked for a fresh one, at most: a quarter of
 * the token's remaining life, up to a minute (a ten-minute token is renewed after nine).
 */
const MAX_RENEWAL_LEAD_MS = 60_000;

/**
 * What one document connection's token allows it, and until when. `AuthExtension` creates it
 * with the accepted token; it travels in the connection's context (as a reference, so the copies
 * Hocuspocus makes of a context all share it), and `TokenExpiryExtension` keeps it current.
 */
export class TokenLease implements Deadline {
  dueAt = Number.POSITIVE_INFINITY;
  slot = -1;
  /** The connection, once it is set up; null before, and once it expired or closed. */
  connection: Connection | null = null;
  /** The client was asked for a fresh token for the current `expiresAt`. */
  requested = false;
  /** The connection closed or expired: nothing may renew or schedule this lease any more. */
  ended = false;

  /** @param expiresAt The token's `exp`, in milliseconds since the epoch. */
  constructor(public expiresAt: number) {}

  /** A lease for a token whose `exp` claim (seconds since the epoch) is `exp`. */
  static ofToken(exp: number): TokenLease {
    return new TokenLease(exp * 1000);
  }

  /** True once the token's expiry has passed by `now` (ms since the epoch). */
  expiredBy(now: number): boolean {
    return now >= this.expiresAt;
  }
}

export interface TokenExpiryOptions {
  secret: string;
  logger: Logger;
}

/**
 * A token's `exp` holds on open connections too. Each document connection authenticated with a
 * token (on `/collab` every document of a socket has its own) is closed with `4402
 * token-expired` when its token expires; nothing it sends is applied from that moment on, and
 * any frame found waiting when it expired is dropped. Shortly before, the server asks the client
 * for a fresh token (the Hocuspocus token-sync request, which `@hocuspocus/provider` answers by
 * calling its token function): a client that answers with a valid token for the same user, role
 * and document goes on without a reconnection. y-websocket has no such message, so its clients
 * reconnect with a fresh token. Server-side direct connections carry no token and never expire.
 *
 * All leases share one timer (`ExpiryQueue`), released with the connections.
 */
export class TokenExpiryExtension implements Extension {
  readonly extensionName = 'TokenExpiry';
  private readonly queue = new ExpiryQueue<TokenLease>((lease) => this.due(lease));

  constructor(private readonly options: TokenExpiryOptions) {}

  /** Leases waiting for a renewal request or their expiry (one per open, token-bearing document connection). */
  get scheduled(): number {
    return this.queue.size;
  }

  /** True while the shared timer is armed. */
  get armed(): boolean {
    return this.queue.armed;
  }

  async connected({ connection, context }: connectedPayload): Promise<void> {
    const lease = leaseOf(context);
    // A connection closed while it was being set up has no use for a timer.
    if (!lease || lease.ended || !connection.document.hasConnection(connection)) return;
    lease.connection = connection;
    this.schedule(lease);
  }

  /**
   * Every message, before it is applied. A connection's timer may fire a little late, and frames
   * queued while its document loaded reach it only now: either way nothing is applied once the
   * token has expired. (Hocuspocus closes the connection with this reason and drops its queue.)
   */
  async beforeHandleMessage({ context, connection }: beforeHandleMessagePayload): Promise<void> {
    const lease = leaseOf(context);
    if (lease?.expiredBy(Date.now())) {
      this.expire(lease, connection);
      throw CloseCodes.TokenExpired;
    }
  }

  /**
   * A fresh token on an open connection (asked for by `due`, or sent by the client on its own).
   * It must pass every check a new connection's token passes, and be for the same user, role and
   * document; otherwise the connection is closed with the reason a new connection would get.
   */
  async onTokenSync({ token, context, connection, documentName, socketId }: onTokenSyncPayload): Promise<void> {
    const lease = leaseOf(context);
    if (!lease || !isConnectionContext(context)) return;
    const { logger } = this.options;
    const refuse = (reason: CloseReason, detail: string) => {
      logger.info({ event: 'token-refused', socket: socketId, document: documentName, user: context.user.id, reason: reason.reason }, detail);
      this.end(lease);
      connection.close(reason);
    };
    let claims: Awaited<ReturnType<typeof verifyToken>>;
    try {
      claims = await verifyToken(this.options.secret, token);
    } catch (error) {
      const kind = error instanceof TokenError ? error.kind : 'invalid';
      refuse(kind === 'expired' ? CloseCodes.TokenExpired : CloseCodes.Unauthorized, `connection closed: its new token was not accepted (${kind})`);
      return;
    }
    if (!coversDocument(claims, documentName) || claims.sub !== context.user.id || claims.role !== context.role) {
      refuse(CloseCodes.Forbidden, 'connection closed: its new token is for another document, user or role');
      return;
    }
    // The old token may have expired while the new one was checked: then the connection is closed.
    if (lease.ended || lease.connection !== connection) return;
    const expiresAt = claims.exp * 1000;
    // The same token again (a client with a fixed token) changes nothing, and is not asked again.
    if (expiresAt <= lease.expiresAt) return;
    lease.expiresAt = expiresAt;
    lease.requested = false;
    this.schedule(lease);
    logger.debug({ event: 'token-renewed', socket: socketId, document: documentName, user: context.user.id }, 'connection renewed its token');
  }

  async onDisconnect({ context }: onDisconnectPayload): Promise<void> {
    const lease = leaseOf(context);
    if (lease) this.end(lease);
  }

  /**
   * Queues `lease` for its next step: the renewal request, or (once asked) the expiry itself. A
   * token already expired (it passed while the document loaded, say) closes the connection now.
   */
  private schedule(lease: TokenLease): void {
    const now = Date.now();
    if (lease.expiredBy(now)) {
      this.expire(lease);
      return;
    }
    const lead = lease.requested ? 0 : Math.min(MAX_RENEWAL_LEAD_MS, (lease.expiresAt - now) / 4);
    this.queue.schedule(lease, lease.expiresAt - lead);
  }

  private due(lease: TokenLease): void {
    const connection = lease.connection;
    if (!connection || lease.ended) return;
    if (!lease.requested && !lease.expiredBy(Date.now())) {
      lease.requested = true;
      connection.requestToken();
    }
    this.schedule(lease);
  }

  /** Closes the connection of an expired lease. */
  private expire(lease: TokenLease, connection: Connection | null = lease.connection): void {
    this.end(lease);
    if (!connection?.document.hasConnection(connection)) return;
    const context = connection.context;
    this.options.logger.info(
      {
        event: 'token-expired',
        socket: connection.socketId,
        document: connection.document.name,
        user: isConnectionContext(context) ? context.user.id : undefined,
      },
      'connection closed: its token expired',
    );
    connection.close(CloseCodes.TokenExpired);
  }

  private end(lease: TokenLease): void {
    lease.ended = true;
    lease.connection = null;
    this.queue.remove(lease);
  }
}

/** The lease in a hook's context; none for server-side direct connections. */
function leaseOf(context: unknown): TokenLease | undefined {
  return isConnectionContext(context) ? context.lease : undefined;
}
