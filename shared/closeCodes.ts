/**
 * Why the collab server closed a connection or refused a document: one list, used by the server,
 * the app and the tests. `code` is the WebSocket close code (4000–4999 are ours); `reason` is the
 * short name sent as the close reason, and as the permission-denied reason on the Hocuspocus
 * protocol, where a refusal concerns one document of a shared socket.
 */
export interface CloseReason {
  readonly code: number;
  readonly reason: string;
}

const define = <T extends Record<string, CloseReason>>(reasons: T): T => reasons;

export const CloseCodes = define({
  /** A frame could not be decoded. */
  BadMessage: { code: 4400, reason: 'bad-message' },
  /** No token, or a token that is forged or malformed. */
  Unauthorized: { code: 4401, reason: 'unauthorized' },
  /** The token's `exp` has passed. */
  TokenExpired: { code: 4402, reason: 'token-expired' },
  /** The token is valid but not for this document or action, or the Origin is not allowed. */
  Forbidden: { code: 4403, reason: 'forbidden' },
  /** The document does not exist and this connection may not create it. */
  DocumentNotFound: { code: 4404, reason: 'document-not-found' },
  /** The connection sent nothing for too long (or did not authenticate in time). */
  Timeout: { code: 4408, reason: 'timeout' },
  /**
   * The client holds a copy of an earlier document of the same name (deleted, then created again):
   * its state is refused, so nothing of the deleted document returns into the new one.
   */
  DocumentReplaced: { code: 4409, reason: 'document-replaced' },
  /** The document was deleted while open. */
  DocumentDeleted: { code: 4410, reason: 'document-deleted' },
  /** The share link this connection was opened through was reset or removed (or has expired). */
  AccessRevoked: { code: 4411, reason: 'access-revoked' },
  /** A single frame exceeded the maximum message size (the WebSocket standard code). */
  MessageTooBig: { code: 1009, reason: 'message-too-big' },
  /** Presence (awareness) too large: a state over the size limit, or too many client ids on one connection. */
  PresenceTooLarge: { code: 4413, reason: 'presence-too-large' },
  /** The document would grow past the maximum document size. */
  DocumentTooLarge: { code: 4414, reason: 'document-too-large' },
  /** The document name breaks the naming rules. */
  InvalidDocumentName: { code: 4422, reason: 'invalid-document-name' },
  /** An update breaks the document schema (`shared/SCHEMA-RULES.md`); it was not applied. */
  InvalidContent: { code: 4423, reason: 'invalid-content' },
  /**
   * A commenter's update builds on content the server does not have (or deletes content it does
   * not have); it was not applied (`shared/SCHEMA-RULES.md` [G10]). Reconnecting resends, in the
   * sync, everything the server is missing. The whole socket is closed
   * (on `/collab` too), with a code in the 4500 range, which y-websocket clients reconnect after
   * (they stop after 4400–4499).
   */
  MissingDependencies: { code: 4504, reason: 'missing-dependencies' },
  /** Too many messages (or presence bytes) per second on this connection, or too many new connections or documents from one address. */
  RateLimited: { code: 4429, reason: 'rate-limited' },
  /** Too many connections from this address or to this document. */
  TooManyConnections: { code: 4430, reason: 'too-many-connections' },
  /** Too many messages or documents before authentication. */
  TooManyPending: { code: 4431, reason: 'too-many-pending' },
  /** The document could not be loaded from storage; nothing was overwritten. */
  StorageUnavailable: { code: 4503, reason: 'storage-unavailable' },
  /**
   * Another node of a cluster serves this document now (or will once the previous one's lease
   * expires): reconnect, through the load balancer, and the connection reaches it.
   */
  DocumentMoved: { code: 4501, reason: 'document-moved' },
  /** The server is shutting down; reconnect later. */
  ServerShutdown: { code: 4500, reason: 'server-shutdown' },
});

export type CloseCodeName = keyof typeof CloseCodes;

/** The named close reason for a code or reason string, if it is one of ours. */
export function closeReasonOf(codeOrReason: number | string): CloseReason | undefined {
  return Object.values(CloseCodes).find((entry) => entry.code === codeOrReason || entry.reason === codeOrReason);
}
