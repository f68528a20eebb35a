import type { beforeHandleAwarenessPayload, beforeHandleMessagePayload, Extension, onConnectPayload } from '@hocuspocus/server';
import { CloseCodes } from '../../shared/closeCodes';
import { MessageType, readHeader } from '../transport/frames';
import { dropScratchState, ownedElsewhere } from './presenceStates';

export interface LimitsOptions {
  maxConnectionsPerDocument: number;
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
 * Per-document limits (the per-socket ones live in the transport's InboundGuard): connections to
 * one document, the size a document may grow to, and the presence client ids one connection may
 * speak for. A breach closes only the offending connection, with a named reason, before anything
 * is applied.
 */
export class LimitsExtension implements Extension {
  readonly extensionName = 'Limits';
  /** What each connection may still send of presence now (see `spendPresence`). */
  private readonly presenceBudgets = new WeakMap<object, { bytes: number; at: number }>();

  constructor(private readonly options: LimitsOptions) {}

  async onConnect({ documentName, instance }: onConnectPayload): Promise<void> {
    const document = instance.documents.get(documentName);
    if (document && document.getConnectionsCount() >= this.options.maxConnectionsPerDocument) throw CloseCodes.TooManyConnections;
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
