import type { beforeHandleAwarenessPayload } from '@hocuspocus/server';
import type { Identity } from '../context';

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

/** Characters (code points) of the name and of the id the server shows in presence; longer ones are cut. */
export const MAX_SHOWN_IDENTITY_CHARS = 256;

/**
 * The `user` field the server sets in presence: the token's identity with its name and id cut to
 * `MAX_SHOWN_IDENTITY_CHARS` code points. A token may carry any name and `sub`, but the field must
 * fit in the transport's `USER_FIELD_BYTES`: plain y-websocket clients send back every state they
 * receive, and a relayed state larger than the transport's size check would close them. At most 6
 * bytes of JSON per code point (`\u0001`), so the field stays under 3.2 KB.
 */
export function shownIdentity(user: Identity): Identity {
  return { id: cut(user.id), name: cut(user.name), color: user.color };
}

function cut(text: string): string {
  if (text.length <= MAX_SHOWN_IDENTITY_CHARS) return text;
  // A code point is at most two UTF-16 units: slicing first keeps the work bounded for a huge text.
  return Array.from(text.slice(0, MAX_SHOWN_IDENTITY_CHARS * 2))
    .slice(0, MAX_SHOWN_IDENTITY_CHARS)
    .join('');
}
