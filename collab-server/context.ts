import type { LinkClaim, Role } from '../shared/token';
import type { TokenLease } from './extensions/TokenExpiryExtension';

/** The identity a connection proved with its token; presence shows this (name and id cut to `MAX_SHOWN_IDENTITY_CHARS`). */
export interface Identity {
  id: string;
  name: string;
  color: string;
}

/** What `AuthExtension.onAuthenticate` adds to every Hocuspocus hook's `context`. */
export interface ConnectionContext {
  user: Identity;
  role: Role;
  /** Until when the connection's token holds; none for the server's own (direct) connections. */
  lease?: TokenLease;
  /** For a token minted from a share link: which link and generation (`LinkAccessExtension`). */
  link?: LinkClaim;
  /** For a token minted for a signed-in member of the document (`MemberAccessExtension`). */
  member?: true;
}

/** True when `context` came from an authenticated client connection. */
export function isConnectionContext(context: unknown): context is ConnectionContext {
  return typeof context === 'object' && context !== null && 'role' in context && 'user' in context;
}

/**
 * What the gateway gives each connection before it authenticates: the client's address (see
 * `ClientAddresses`). One frozen object per address, shared by that address's sockets.
 */
export interface SocketContext {
  readonly clientAddress: string;
}

/** The client address in a hook's `context`, when the connection came through the gateway. */
export function clientAddressOf(context: unknown): string | undefined {
  const address = (context as Partial<SocketContext> | null | undefined)?.clientAddress;
  return typeof address === 'string' ? address : undefined;
}
