import * as Y from 'yjs';
import { COMMENTS_FIELD } from '../documentFields';

/**
 * Comment threads as they are stored in a document's Y.Doc (`COMMENTS_FIELD`), their limits, and
 * a tolerant reader that turns them into plain objects. The rules are in `COMMENTS.md` beside this
 * file; the server checks every write against them (`collab-server/comments/commentGuard.ts`).
 *
 *   comments: Y.Map  thread id → thread
 *   thread:   Y.Map  kind, start, end, quote, author, authorName, created, status, statusBy,
 *                    statusByName, statusAt, comments (Y.Array of comment Y.Maps)
 *   comment:  Y.Map  id, author, authorName, created, text, mentions, edited, deleted
 */

/** Kinds of thread. A suggestion will be one more kind: a card with accept and reject. */
export const THREAD_KINDS = ['comment'] as const;
export type ThreadKind = (typeof THREAD_KINDS)[number];

export const THREAD_STATUSES = ['open', 'resolved'] as const;
export type ThreadStatus = (typeof THREAD_STATUSES)[number];

/** Bounds every write must keep ([CM5] in COMMENTS.md). */
export const COMMENT_LIMITS = {
  /** Threads in one document. */
  threadsPerDocument: 2000,
  /** Comments in one thread. */
  commentsPerThread: 500,
  /** Characters of one comment. */
  commentLength: 10_000,
  /** Characters of the quoted text kept with a thread. */
  quoteLength: 1000,
  /** People mentioned in one comment. */
  mentionsPerComment: 20,
  /** Characters of an id (thread, comment, person) and of a name. */
  idLength: 128,
  nameLength: 200,
  /** Bytes of one encoded anchor position. */
  anchorBytes: 64,
} as const;

/** Keys of a thread map, with the kind of value each holds. */
export const THREAD_KEYS = {
  kind: 'string',
  start: 'binary',
  end: 'binary',
  quote: 'string',
  author: 'string',
  authorName: 'string',
  created: 'number',
  status: 'string',
  statusBy: 'string',
  statusByName: 'string',
  statusAt: 'number',
  comments: 'array',
} as const;
export type ThreadKey = keyof typeof THREAD_KEYS;

/** Keys of a comment map. */
export const COMMENT_KEYS = {
  id: 'string',
  author: 'string',
  authorName: 'string',
  created: 'number',
  text: 'string',
  mentions: 'mentions',
  edited: 'number',
  deleted: 'boolean',
} as const;
export type CommentKey = keyof typeof COMMENT_KEYS;

/** Thread keys anyone who may comment may change on an existing thread: resolving and reopening ([CM3]). */
export const STATUS_KEYS: readonly ThreadKey[] = ['status', 'statusBy', 'statusByName', 'statusAt'];
/** Thread keys only editors may change on an existing thread: moving the anchor with the text ([AN4], [CM7]). */
export const ANCHOR_KEYS: readonly ThreadKey[] = ['start', 'end'];
/** Comment keys its author may change: editing and deleting ([CM4]). */
export const OWN_COMMENT_KEYS: readonly CommentKey[] = ['text', 'mentions', 'edited', 'deleted'];

/** Someone mentioned in a comment. */
export interface Mention {
  id: string;
  name: string;
}

/** A comment, read. */
export interface CommentView {
  id: string;
  author: string;
  authorName: string;
  created: number;
  text: string;
  mentions: Mention[];
  edited: number | null;
  deleted: boolean;
}

/** A thread, read. `start` and `end` are the encoded anchor positions (null when missing). */
export interface ThreadView {
  id: string;
  kind: ThreadKind;
  start: Uint8Array | null;
  end: Uint8Array | null;
  quote: string;
  author: string;
  authorName: string;
  created: number;
  status: ThreadStatus;
  statusBy: string | null;
  statusByName: string | null;
  statusAt: number | null;
  comments: CommentView[];
}

/** The comments field of `doc`. */
export function commentsMap(doc: Y.Doc): Y.Map<Y.Map<unknown>> {
  return doc.getMap(COMMENTS_FIELD);
}

const ID_PATTERN = /^[A-Za-z0-9_-]+$/;

/** True for a valid thread or comment id: letters, digits, `-` and `_`, at most `idLength`. */
export function isValidId(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= COMMENT_LIMITS.idLength && ID_PATTERN.test(value);
}

/** A fresh random id for a thread or comment. */
export function newId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
}

/**
 * What is wrong with `value` as the value of `key` in a thread (`'thread'`) or comment map, or
 * null when it is valid. Y types (`comments`) are checked by their place, not here.
 */
export function valueProblem(map: 'thread' | 'comment', key: string, value: unknown): string | null {
  const kinds: Record<string, string> = map === 'thread' ? THREAD_KEYS : COMMENT_KEYS;
  if (!Object.hasOwn(kinds, key)) return `"${key}" is not a key of a ${map} (the keys are ${Object.keys(kinds).join(', ')})`;
  const kind = kinds[key];
  const where = `${map} "${key}"`;
  switch (kind) {
    case 'array':
      return `${where} must be a Y.Array`;
    case 'binary':
      return value instanceof Uint8Array && value.byteLength > 0 && value.byteLength <= COMMENT_LIMITS.anchorBytes && decodesAsPosition(value)
        ? null
        : `${where} must be an encoded relative position of at most ${COMMENT_LIMITS.anchorBytes} bytes`;
    case 'number':
      return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 ? null : `${where} must be a time in milliseconds (a whole number ≥ 0)`;
    case 'boolean':
      return value === true ? null : `${where} must be true`;
    case 'mentions':
      return mentionsProblem(value, where);
  }
  if (typeof value !== 'string') return `${where} must be a string`;
  const limit =
    key === 'text'
      ? COMMENT_LIMITS.commentLength
      : key === 'quote'
        ? COMMENT_LIMITS.quoteLength
        : key.endsWith('Name')
          ? COMMENT_LIMITS.nameLength
          : COMMENT_LIMITS.idLength;
  if (value.length > limit) return `${where} is ${value.length} characters long; at most ${limit} are allowed`;
  if (key === 'kind' && !(THREAD_KINDS as readonly string[]).includes(value)) return `${where} must be one of ${THREAD_KINDS.join(', ')}`;
  if (key === 'status' && !(THREAD_STATUSES as readonly string[]).includes(value)) return `${where} must be one of ${THREAD_STATUSES.join(', ')}`;
  if ((key === 'id' || key === 'author' || key === 'statusBy') && value.length === 0) return `${where} must not be empty`;
  if (key === 'id' && !isValidId(value)) return `${where} must be letters, digits, "-" and "_"`;
  return null;
}

function mentionsProblem(value: unknown, where: string): string | null {
  if (!Array.isArray(value) || value.length > COMMENT_LIMITS.mentionsPerComment) {
    return `${where} must be a list of at most ${COMMENT_LIMITS.mentionsPerComment} people`;
  }
  for (const entry of value) {
    const { id, name } = (entry ?? {}) as Record<string, unknown>;
    if (
      typeof entry !== 'object' ||
      Object.keys(entry).length !== 2 ||
      typeof id !== 'string' ||
      typeof name !== 'string' ||
      id.length === 0 ||
      id.length > COMMENT_LIMITS.idLength ||
      name.length > COMMENT_LIMITS.nameLength
    ) {
      return `${where} must hold objects { id, name } with a non-empty id`;
    }
  }
  return null;
}

function decodesAsPosition(bytes: Uint8Array): boolean {
  try {
    Y.decodeRelativePosition(bytes);
    return true;
  } catch {
    return false;
  }
}

/** Keys a new thread must have ([CM2]). */
export const REQUIRED_THREAD_KEYS: readonly ThreadKey[] = ['kind', 'start', 'end', 'quote', 'author', 'authorName', 'created', 'status', 'comments'];
/** Keys a new comment must have ([CM2]). */
export const REQUIRED_COMMENT_KEYS: readonly CommentKey[] = ['id', 'author', 'authorName', 'created', 'text', 'mentions'];

/**
 * Every thread of `doc`, oldest first, read tolerantly: a value that breaks the rules (only a
 * document stored before them could hold one) reads as its default; a thread without an anchor
 * reads as on deleted text; nothing throws.
 */
export function readThreads(doc: Y.Doc): ThreadView[] {
  const threads: ThreadView[] = [];
  commentsMap(doc).forEach((value, id) => {
    if (value instanceof Y.Map) threads.push(readThread(id, value));
  });
  return threads.sort((a, b) => a.created - b.created || (a.id < b.id ? -1 : 1));
}

/** One thread read tolerantly (see `readThreads`). */
export function readThread(id: string, map: Y.Map<unknown>): ThreadView {
  const get = (key: ThreadKey) => {
    const value = map.get(key);
    return valueProblem('thread', key, value) === null ? value : undefined;
  };
  const list = map.get('comments');
  const comments: CommentView[] = [];
  if (list instanceof Y.Array) {
    for (const entry of list.toArray()) if (entry instanceof Y.Map) comments.push(readComment(entry));
  }
  return {
    id,
    kind: (get('kind') as ThreadKind | undefined) ?? 'comment',
    start: (get('start') as Uint8Array | undefined) ?? null,
    end: (get('end') as Uint8Array | undefined) ?? null,
    quote: (get('quote') as string | undefined) ?? '',
    author: (get('author') as string | undefined) ?? '',
    authorName: (get('authorName') as string | undefined) ?? '',
    created: (get('created') as number | undefined) ?? 0,
    status: (get('status') as ThreadStatus | undefined) ?? 'open',
    statusBy: (get('statusBy') as string | undefined) ?? null,
    statusByName: (get('statusByName') as string | undefined) ?? null,
    statusAt: (get('statusAt') as number | undefined) ?? null,
    comments,
  };
}

function readComment(map: Y.Map<unknown>): CommentView {
  const get = (key: CommentKey) => {
    const value = map.get(key);
    return valueProblem('comment', key, value) === null ? value : undefined;
  };
  return {
    id: (get('id') as string | undefined) ?? '',
    author: (get('author') as string | undefined) ?? '',
    authorName: (get('authorName') as string | undefined) ?? '',
    created: (get('created') as number | undefined) ?? 0,
    text: (get('text') as string | undefined) ?? '',
    mentions: (get('mentions') as Mention[] | undefined) ?? [],
    edited: (get('edited') as number | undefined) ?? null,
    deleted: get('deleted') === true,
  };
}

/** True when every comment of the thread was deleted: it is shown nowhere (its record stays). */
export function isEmptyThread(thread: ThreadView): boolean {
  return thread.comments.every((comment) => comment.deleted);
}
