import { createHash } from 'node:crypto';
import * as Y from 'yjs';
import { commentsMap, readThread, type ThreadView } from '../../shared/comments/threadModel';
import { commentEvent, type WebhookEvent } from './events';

/** Characters of a comment's text a `comment.created` event carries. */
export const EXCERPT_LENGTH = 500;

/**
 * Watches the comment threads of a live document and tells `announce` of every new comment
 * (`comment.created`) and every thread resolved (`comment.resolved`), whoever wrote them (the
 * app, the content API, any Yjs client): they are read from the changes Yjs applied, so an update
 * sent again (a client reconnecting) changes nothing and announces nothing. Returns the function
 * that stops watching.
 */
export function watchComments(documentName: string, doc: Y.Doc, announce: (event: WebhookEvent) => void): () => void {
  const root = commentsMap(doc);
  const observer = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
    for (const event of events) {
      const target = event.target;
      if (target === root) {
        for (const [key, change] of (event as Y.YMapEvent<unknown>).keys) {
          const map = root.get(key);
          if (change.action !== 'add' || !(map instanceof Y.Map)) continue;
          const thread = readThread(key, map);
          for (const comment of thread.comments) announce(created(documentName, thread, comment.id));
        }
      } else if (target instanceof Y.Array && target._item?.parentSub === 'comments') {
        const threadMap = target.parent as Y.Map<unknown>;
        const threadId = threadMap._item?.parentSub;
        if (!threadId || threadMap.parent !== root) continue;
        const thread = readThread(threadId, threadMap);
        for (const item of event.changes.added) {
          const content = item.content;
          if (content instanceof Y.ContentType && content.type instanceof Y.Map) announce(created(documentName, thread, content.type.get('id') as string));
        }
      } else if (target instanceof Y.Map && target.parent === root && (event as Y.YMapEvent<unknown>).keysChanged.has('status')) {
        const thread = readThread(target._item?.parentSub ?? '', target);
        if (thread.status === 'resolved') announce(resolved(documentName, thread));
      }
    }
  };
  root.observeDeep(observer);
  return () => root.unobserveDeep(observer);
}

function created(documentName: string, thread: ThreadView, commentId: string): WebhookEvent {
  const comment = thread.comments.find((entry) => entry.id === commentId);
  const mentions = comment?.mentions ?? [];
  return commentEvent(eventId(documentName, 'created', thread.id, commentId), 'comment.created', documentName, {
    occurredAt: comment?.created || Date.now(),
    thread: threadSummary(thread),
    comment: {
      id: commentId,
      author: { id: comment?.author ?? '', name: comment?.authorName ?? '' },
      text: (comment?.text ?? '').slice(0, EXCERPT_LENGTH),
      created: new Date(comment?.created ?? 0).toISOString(),
      mentions,
    },
    mentioned: [...new Set(mentions.map((mention) => mention.id))],
  });
}

function resolved(documentName: string, thread: ThreadView): WebhookEvent {
  return commentEvent(eventId(documentName, 'resolved', thread.id, String(thread.statusAt ?? 0)), 'comment.resolved', documentName, {
    occurredAt: thread.statusAt ?? Date.now(),
    thread: threadSummary(thread),
    resolvedBy: { id: thread.statusBy ?? '', name: thread.statusByName ?? '' },
  });
}

const threadSummary = (thread: ThreadView) => ({ id: thread.id, quote: thread.quote, status: thread.status });

/** A UUID-shaped id derived from what the event announces: a receiver that sees it twice knows it is the same. */
function eventId(...parts: string[]): string {
  const hex = createHash('sha256').update(parts.join('\0')).digest('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-a${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
