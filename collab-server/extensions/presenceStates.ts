import type { beforeHandleAwarenessPayload } from '@hocuspocus/server';

type PresenceDocument = beforeHandleAwarenessPayload['document'];
type PresenceConnection = NonNullable<beforeHandleAwarenessPayload['connection']>;

/**
 * True when a connection of `document` other than `connection` speaks for awareness client
 * `clientId`. Such a state is not the sender's to set: plain y-websocket clients send back every
 * state they receive, so it is dropped (and not counted against the sender's presence limits).
 */
export function ownedElsewhere(document: PresenceDocument, connection: PresenceConnection, clientId: number): boolean {
  for (const [other, { clients }] of document.connections) if (other !== connection && clients.has(clientId)) return true;
  return false;
}

/**
 * Removes from `states` the entry Hocuspocus adds itself. It decodes each incoming awareness
 * message into a scratch `Awareness`, which starts with a state of its own (`{}` under a random
 * client id, the first entry), and passes on every state of it: left there, each message would
 * add a new client id to the document's presence, kept and relayed to everyone until the sender
 * leaves (and echoed back by every client).
 */
export function dropScratchState(states: Map<number, Record<string, unknown>>): void {
  const first = states.entries().next();
  if (first.done) return;
  const [clientId, state] = first.value;
  if (state && typeof state === 'object' && Object.keys(state).length === 0) states.delete(clientId);
}
