import { randomUUID } from 'node:crypto';
import type { DocumentDescription } from '../http/apiRoutes';

/** What a webhook announces. */
export type WebhookEventType = 'document.created' | 'document.changed' | 'document.deleted' | 'comment.created' | 'comment.resolved';

/** Someone whose edits a `document.changed` event covers (the token identity; `server` for server-side changes). */
export interface Editor {
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
  /** The document as the content API describes it; only `name` for `document.deleted`. */
  document: DocumentDescription | { name: string };
  /** `document.changed` only: whose edits this event covers. */
  changedBy?: Editor[];
  /** `comment.*` only: the thread (see `commentEvents.ts`). */
  thread?: { id: string; quote: string; status: string };
  /** `comment.created` only: the new comment, with the people it mentions. */
  comment?: { id: string; author: Editor; text: string; created: string; mentions: Editor[] };
  /** `comment.created` only: the ids of the people mentioned, for the host to notify. */
  mentioned?: string[];
  /** `comment.resolved` only: who resolved the thread. */
  resolvedBy?: Editor;
}

/** A comment event; its `id` is derived from what it announces, so the same comment is never announced under two ids. */
export function commentEvent(
  id: string,
  type: 'comment.created' | 'comment.resolved',
  documentName: string,
  extra: Pick<WebhookEvent, 'thread' | 'comment' | 'mentioned' | 'resolvedBy'> & { occurredAt: number },
): WebhookEvent {
  const { occurredAt, ...rest } = extra;
  return { id, type, occurredAt: new Date(occurredAt).toISOString(), document: { name: documentName }, ...rest };
}

/** A new event with a fresh id. */
export function webhookEvent(
  type: WebhookEventType,
  document: WebhookEvent['document'],
  extra: { occurredAt?: number; changedBy?: Editor[] } = {},
): WebhookEvent {
  return {
    id: randomUUID(),
    type,
    occurredAt: new Date(extra.occurredAt ?? Date.now()).toISOString(),
    document,
    ...(extra.changedBy ? { changedBy: extra.changedBy } : {}),
  };
}
