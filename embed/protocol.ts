/**
 * The messages `public/embed.js` (in the host page) and the embed page (`/embed/<document>`,
 * in the iframe) exchange with `postMessage`. Every message is an object whose `type` starts
 * with `quire:`; anything else is ignored by both sides.
 *
 * Origins: embed.js accepts messages only from its own iframe's window and from the Quire origin,
 * and sends the token only to the Quire origin. The embed page accepts messages only from its
 * parent window, takes the first `quire:init`'s origin as the host's, ignores other origins from
 * then on, and sends events only to that origin. The token never appears in any URL.
 *
 *   embed page → host   quire:hello           the page is ready for its token
 *   host → embed page   quire:init            { token, readOnly?, theme? }
 *   embed page → host   quire:token-request   { id }: a fresh token for a reconnection
 *   host → embed page   quire:token           { id, token } or { id, error }
 *   embed page → host   quire:event           { event, detail }: ready, change, saved, presence, status, error
 *   embed page → host   quire:resize          { height }: the content height, for height "auto"
 *   host → embed page   quire:options         { readOnly?, theme? }
 *   host → embed page   quire:get-content     { id, format }: json, html or text
 *   embed page → host   quire:content         { id, content } or { id, error }
 */

import type { Role } from '../shared/token';

/** Bumped when a message changes incompatibly; embed.js checks it in `quire:hello`. */
export const EMBED_PROTOCOL_VERSION = 1;

export type EmbedTheme = 'light' | 'dark';

/** What the host page hears about (see `EmbedEventDetail`). */
export type EmbedEventName = 'ready' | 'change' | 'saved' | 'presence' | 'status' | 'error';

/** Someone in the document, as their token names them. */
export interface EmbedPerson {
  id: string;
  name: string;
  color: string;
  /** Their token's role (`viewer`, `editor`, `admin`), as the server says; null from a server too old to say. */
  role: Role | null;
  /** This embed's own user. */
  self: boolean;
}

/** Why the editor cannot go on (or could not start), or why an image was not added. */
export interface EmbedError {
  /**
   * `refused` (token not accepted), `deleted`, `token` (the host could not give a token),
   * `load-failed` (from embed.js), `image` (an image was not added: too large, not an image, offline…).
   */
  code: 'refused' | 'deleted' | 'token' | 'load-failed' | 'image';
  message: string;
}

/** The detail of each event. */
export interface EmbedEventDetail {
  /** The document is loaded and shown; `readOnly` tells whether this user may type. */
  ready: { document: string; readOnly: boolean };
  /** The document changed; `local` when this embed's user made the change. At most a few per second. */
  change: { local: boolean };
  /** Every change made here is durably stored on the server. */
  saved: Record<string, never>;
  /** Who is in the document now, this user first. */
  presence: { people: EmbedPerson[] };
  /** The save state: connecting, saving, saved, offline, refused, deleted or replaced. */
  status: { state: string };
  error: EmbedError;
}

export type EmbedMessage =
  | { type: 'quire:hello'; protocol: number; document: string }
  | { type: 'quire:init'; token: string; readOnly?: boolean; theme?: EmbedTheme }
  | { type: 'quire:token-request'; id: number }
  | { type: 'quire:token'; id: number; token?: string; error?: string }
  | { type: 'quire:event'; event: EmbedEventName; detail: EmbedEventDetail[EmbedEventName] }
  | { type: 'quire:resize'; height: number }
  | { type: 'quire:options'; readOnly?: boolean; theme?: EmbedTheme }
  | { type: 'quire:get-content'; id: number; format: 'json' | 'html' | 'text' }
  | { type: 'quire:content'; id: number; content?: string; error?: string };

/** True for an object that looks like one of these messages. */
export function isEmbedMessage(data: unknown): data is EmbedMessage {
  return (
    typeof data === 'object' && data !== null && typeof (data as { type?: unknown }).type === 'string' && (data as { type: string }).type.startsWith('quire:')
  );
}
