/**
 * The shapes the Quire server sends: content API answers and webhook deliveries. The server's
 * routes and webhook sender are typed with these same declarations, so a client built on them
 * reads exactly what the server writes.
 */

/** What the content API tells about a document. Link secrets and other properties are never included. */
export interface DocumentDescription {
  name: string;
  title: string;
  /** ISO 8601. */
  created: string;
  /** ISO 8601: the last durable change. */
  updated: string;
  /** Bytes stored. */
  size: number;
}

/** What a document exports to: the content formats, and Word (.docx) and PDF files. */
export const EXPORT_FORMATS = ['json', 'html', 'markdown', 'text', 'docx', 'pdf'] as const;
/** A format `GET /api/docs/<name>/content` answers in. */
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
/** A format content can be written in (`docx`: the file in base64). */
export type ImportFormat = Exclude<ExportFormat, 'pdf'>;

/** What a webhook announces. */
export type WebhookEventType = 'document.created' | 'document.changed' | 'document.deleted' | 'comment.created' | 'comment.resolved';

/** Someone whose edits or comments an event covers (the token identity; `server` for server-side changes). */
export interface EventPerson {
  id: string;
  name: string;
}

/**
 * The JSON body of a delivery. `id` is the same on every retry of one event, so a receiver can
 * ignore duplicates; `occurredAt` orders events, since deliveries (and retries) may arrive out
 * of order.
 */
export interface WebhookEvent {
  id: string;
  type: WebhookEventType;
  /** ISO 8601: when it happened (for `document.changed`, the last change covered). */
  occurredAt: string;
  /** The document as the content API describes it; only `name` for `document.deleted` and comment events. */
  document: DocumentDescription | { name: string };
  /** `document.changed` only: whose edits this event covers. */
  changedBy?: EventPerson[];
  /** `comment.*` only: the thread. */
  thread?: { id: string; quote: string; status: string };
  /** `comment.created` only: the new comment, with the people it mentions. */
  comment?: { id: string; author: EventPerson; text: string; created: string; mentions: EventPerson[] };
  /** `comment.created` only: the ids of the people mentioned, for the host to notify. */
  mentioned?: string[];
  /** `comment.resolved` only: who resolved the thread. */
  resolvedBy?: EventPerson;
}
