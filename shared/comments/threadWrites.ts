import * as Y from 'yjs';
import { COMMENT_LIMITS, commentsMap, type Mention, newId, type ThreadView } from './threadModel';

/**
 * The writes the app, the content API and tests make to comment threads. Each one writes exactly
 * what the rules of `COMMENTS.md` allow its author to write, so the server's checks accept it.
 * Call them inside a transaction when several must land together.
 */

/** Who writes: the token identity (`sub` and name). */
export interface Author {
  id: string;
  name: string;
}

/** A new thread's content. */
export interface NewThread {
  /** Encoded anchor positions (see `anchors.ts`). */
  start: Uint8Array;
  end: Uint8Array;
  quote: string;
  text: string;
  mentions?: Mention[];
  id?: string;
  commentId?: string;
  /** Milliseconds since the epoch; now by default. */
  at?: number;
}

/** Creates a thread with its first comment; returns its id and the comment's. */
export function createThread(doc: Y.Doc, author: Author, thread: NewThread): { threadId: string; commentId: string } {
  const threadId = thread.id ?? newId();
  const at = thread.at ?? Date.now();
  const commentId = thread.commentId ?? newId();
  doc.transact(() => {
    const map = new Y.Map<unknown>();
    const comments = new Y.Array<Y.Map<unknown>>();
    comments.push([commentMap(author, commentId, thread.text, thread.mentions ?? [], at)]);
    map.set('kind', 'comment');
    map.set('start', thread.start);
    map.set('end', thread.end);
    map.set('quote', thread.quote.slice(0, COMMENT_LIMITS.quoteLength));
    map.set('author', author.id);
    map.set('authorName', author.name.slice(0, COMMENT_LIMITS.nameLength));
    map.set('created', at);
    map.set('status', 'open');
    map.set('comments', comments);
    commentsMap(doc).set(threadId, map as Y.Map<unknown>);
  });
  return { threadId, commentId };
}

/** Adds a reply to thread `threadId`; returns the comment's id, or null when there is no such thread. */
export function addReply(doc: Y.Doc, author: Author, threadId: string, text: string, mentions: Mention[] = [], at = Date.now()): string | null {
  const comments = threadMap(doc, threadId)?.get('comments');
  if (!(comments instanceof Y.Array)) return null;
  const id = newId();
  comments.push([commentMap(author, id, text, mentions, at)]);
  return id;
}

/** Resolves (`resolved`) or reopens (`open`) a thread; false when there is no such thread. */
export function setThreadStatus(doc: Y.Doc, author: Author, threadId: string, status: ThreadView['status'], at = Date.now()): boolean {
  const map = threadMap(doc, threadId);
  if (!map) return false;
  doc.transact(() => {
    map.set('status', status);
    map.set('statusBy', author.id);
    map.set('statusByName', author.name.slice(0, COMMENT_LIMITS.nameLength));
    map.set('statusAt', at);
  });
  return true;
}

/** Changes the text of one's own comment; false when there is no such comment. */
export function editComment(doc: Y.Doc, threadId: string, commentId: string, text: string, mentions: Mention[] = [], at = Date.now()): boolean {
  const map = commentMapOf(doc, threadId, commentId);
  if (!map) return false;
  doc.transact(() => {
    map.set('text', text);
    map.set('mentions', mentions);
    map.set('edited', at);
  });
  return true;
}

/**
 * Deletes one's own comment: its text and mentions are removed and it is marked deleted; the
 * record stays so that replies keep their place ([CM4]).
 */
export function deleteComment(doc: Y.Doc, threadId: string, commentId: string): boolean {
  const map = commentMapOf(doc, threadId, commentId);
  if (!map) return false;
  doc.transact(() => {
    map.set('text', '');
    map.set('mentions', []);
    map.set('deleted', true);
  });
  return true;
}

/** Moves a thread's anchor (editors only, [AN4], [CM7]). */
export function setAnchor(doc: Y.Doc, threadId: string, start: Uint8Array, end: Uint8Array): void {
  const map = threadMap(doc, threadId);
  if (!map) return;
  doc.transact(() => {
    map.set('start', start);
    map.set('end', end);
  });
}

/** The map of thread `threadId`, or null. */
export function threadMap(doc: Y.Doc, threadId: string): Y.Map<unknown> | null {
  const map = commentsMap(doc).get(threadId);
  return map instanceof Y.Map ? map : null;
}

function commentMapOf(doc: Y.Doc, threadId: string, commentId: string): Y.Map<unknown> | null {
  const comments = threadMap(doc, threadId)?.get('comments');
  if (!(comments instanceof Y.Array)) return null;
  for (const entry of comments.toArray()) if (entry instanceof Y.Map && entry.get('id') === commentId) return entry;
  return null;
}

function commentMap(author: Author, id: string, text: string, mentions: Mention[], at: number): Y.Map<unknown> {
  const map = new Y.Map<unknown>();
  map.set('id', id);
  map.set('author', author.id);
  map.set('authorName', author.name.slice(0, COMMENT_LIMITS.nameLength));
  map.set('created', at);
  map.set('text', text);
  map.set('mentions', mentions);
  return map;
}
