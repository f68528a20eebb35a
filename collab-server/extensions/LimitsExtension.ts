import type {
  beforeHandleAwarenessPayload,
  beforeHandleMessagePayload,
  connectedPayload,
  Extension,
  onConnectPayload,
  onDisconnectPayload,
} from '@hocuspocus/server';
import { CloseCodes } from '../../shared/closeCodes';
import type { Role } from '../../shared/token';
import { isConnectionContext } from '../context';
import { MessageType, readHeader } from '../transport/frames';
import { dropScratchState, ownedElsewhere } from './presenceStates';

export interface LimitsOptions {
  maxConnectionsPerDocument: number;
  /** Open document connections per token subject (admin tokens are not counted). */
  maxConnectionsPerUser: number;
  maxDocumentBytes: number;
  /** Largest presence state, in bytes of JSON, per client id. */
  maxPresenceBytes: number;
  /** Presence client ids one connection may speak for in one document. */
  maxPresenceClients: number;
  /** Bytes of presence states a connection may send per second (bursts of 3×). */
  maxPresenceBytesPerSecond: number;
  /** Stored plus queued bytes of a loaded document. */
  sizeOf: (documentName: string) => number;
}

/**
 * Per-document and per-user limits (the per-socket ones live in the transport's InboundGuard):
 * connections to one document and per user, the size a document may grow to, and the presence a
 * connection may send. A breach closes only the offending connection, with a named reason, before
 * anything is applied.
 */
export class LimitsExtension implements Extension {
  readonly extensionName = 'Limits';
  /** Open document connections per user id (token `sub`). */
  private readonly perUser = new Map<string, number>();
  /**
   * The connections counted in `perUser`, by socket and document (a socket may hold a document
   * more than once, under session ids), with their user: each is released once, by
   * `onDisconnect`, whatever became of its context meanwhile.
   */
  private readonly counted = new Map<string, { user: string; count: number }>();
  /** What each connection may still send of presence now (see `spendPresence`). */
  private readonly presenceBudgets = new WeakMap<object, { bytes: number; at: number }>();

  constructor(private readonly options: LimitsOptions) {}

  async onConnect({ documentName, instance }: onConnectPayload): Promise<void> {
    const document = instance.documents.get(documentName);
    if (document && document.getConnectionsCount() >= this.options.maxConnectionsPerDocument) throw CloseCodes.TooManyConnections;
  }

  /**
   * Refuses a user already holding `maxConnectionsPerUser` document connections, before anything
   * is loaded or created for them; called once their token is accepted (see `AuthExtension.admit`).
   * Connections being set up are not counted yet: `connected` holds the exact limit.
   */
  checkUser(userId: string, role: Role): void {
    if (role !== 'admin' && (this.perUser.get(userId) ?? 0) >= this.options.maxConnectionsPerUser) throw CloseCodes.TooManyConnections;
  }

  /**
   * Counts an established connection against its user; one past the limit (several were set up
   * at once) is closed with too-many-connections. The unit is the document connection, not the
   * socket: one /collab socket carries many documents, each with its own token, and each costs
   * the server as much as a y-websocket socket does.
   */
  async connected({ context, connection, socketId, documentName }: connectedPayload): Promise<void> {
    if (!isConnectionContext(context) || context.role === 'admin') return;
    // A connection closed while it was being set up has already had its onDisconnect.
    if (!connection.document.hasConnection(connection)) return;
    const user = context.user.id;
    const open = this.perUser.get(user) ?? 0;
    if (open >= this.options.maxConnectionsPerUser) {
      connection.close(CloseCodes.TooManyConnections);
      return;
    }
    this.perUser.set(user, open + 1);
    const key = `${socketId}\0${documentName}`;
    const entry = this.counted.get(key) ?? { user, count: 0 };
    entry.count += 1;
    this.counted.set(key, entry);
  }

  async onDisconnect({ socketId, documentName }: onDisconnectPayload): Promise<void> {
    const key = `${socketId}\0${documentName}`;
    const entry = this.counted.get(key);
    if (!entry) return;
    if (--entry.count <= 0) this.counted.delete(key);
    const { user } = entry;
    const open = (this.perUser.get(user) ?? 1) - 1;
    if (open > 0) this.perUser.set(user, open);
    else this.perUser.delete(user);
  }

  /** Open document connections of `userId` (for tests and metrics). */
  connectionsOf(userId: string): number {
    return this.perUser.get(userId) ?? 0;
  }

  async beforeHandleMessage({ documentName, update }: beforeHandleMessagePayload): Promise<void> {
    if (readHeader(update).type !== MessageType.Sync) return;
    if (this.options.sizeOf(documentName) + update.byteLength > this.options.maxDocumentBytes) throw CloseCodes.DocumentTooLarge;
  }

  /**
   * Presence is kept for every client id a connection ever spoke for (until it leaves) and relayed
   * to every connection of the document, so before anything is kept: a state over
   * `maxPresenceBytes` (not counting `user`, which the auth extension replaces by the token's
   * identity), or a message taking the connection past `maxPresenceClients` ids, closes it with
   * presence-too-large; more than `maxPresenceBytesPerSecond` (bursts of 3×) with rate-limited.
   *
   * Only what the sender speaks for counts. Plain y-websocket clients send back every state they
   * receive: states of ids another connection owns are dropped by the auth extension (which runs
   * next), and ids that already left the document (an echo that crossed its owner's departure)
   * are not new ids of the sender. Removals never get here: Hocuspocus passes on only the states a
   * message sets.
   */
  async beforeHandleAwareness({ states, connection, document }: beforeHandleAwarenessPayload): Promise<void> {
    if (!connection) return;
    dropScratchState(states);
    const { maxPresenceBytes, maxPresenceClients } = this.options;
    const own = document.connections.get(connection)?.clients;
    const { awareness } = document;
    let ids = own?.size ?? 0;
    let bytes = 0;
    for (const [clientId, state] of states) {
      if (ownedElsewhere(document, connection, clientId)) continue;
      const size = presenceBytes(state);
      if (size > maxPresenceBytes) throw CloseCodes.PresenceTooLarge;
      const departed = awareness.meta.has(clientId) && !awareness.states.has(clientId);
      if (!own?.has(clientId) && !departed) ids += 1;
      bytes += size;
    }
    if (ids > maxPresenceClients) throw CloseCodes.PresenceTooLarge;
    this.spendPresence(connection, bytes);
  }

  /** Takes `bytes` from the connection's presence budget (a token bucket); rate-limited when it is spent. */
  private spendPresence(connection: object, bytes: number): void {
    const rate = this.options.maxPresenceBytesPerSecond;
    const now = performance.now();
    const budget = this.presenceBudgets.get(connection) ?? { bytes: rate * 3, at: now };
    budget.bytes = Math.min(rate * 3, budget.bytes + ((now - budget.at) / 1000) * rate) - bytes;
    budget.at = now;
    this.presenceBudgets.set(connection, budget);
    if (budget.bytes < 0) throw CloseCodes.RateLimited;
  }
}

/** Bytes of a presence state as JSON, without `user` (the server sets that from the token). */
function presenceBytes(state: Record<string, unknown>): number {
  const { user: _user, ...rest } = state;
  return Buffer.byteLength(JSON.stringify(rest));
}
