import { randomUUID } from 'node:crypto';
import type { EventPerson, WebhookEvent, WebhookEventType } from '../../packages/node/src/apiTypes';

// The delivery shapes are declared once, in the package receivers install (`@quire/node`).
export type { WebhookEvent, WebhookEventType };
/** Someone whose edits an event covers. */
export type Editor = EventPerson;

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
