import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import {
  ANCHOR_KEYS,
  COMMENT_LIMITS,
  isValidId,
  OWN_COMMENT_KEYS,
  REQUIRED_COMMENT_KEYS,
  REQUIRED_THREAD_KEYS,
  STATUS_KEYS,
  valueProblem,
} from '../../shared/comments/threadModel';
import type { Role } from '../../shared/token';
import type { Refusal } from '../schema/updateGuard';
import type { Placement, UpdateStructs } from '../schema/updateStructs';

/**
 * The rules for writes into a document's comment threads ([CM1]–[CM8] of
 * `shared/comments/COMMENTS.md`), checked for every client, editors included, before an update
 * is applied: the shape and bounds of every value, a new thread or comment written as its author
 * (the token's `sub`), edits only of one's own comments, resolving and reopening by anyone who may
 * comment, anchors moved only by editors, and nothing of a thread or comment ever removed.
 */

/** Who sends the update: the token identity and role. */
export interface Writer {
  id: string;
  role: Role;
}

/** What kind of container a type of the comments field is. */
type Level = 'root' | 'thread' | 'list' | 'comment' | 'invalid';

/** A container a new item goes into: its level and either its live type or the update's item creating it. */
interface Container {
  level: Level;
  live: Y.AbstractType<unknown> | null;
  createdBy: Y.Item | null;
}

const refuse = (rule: string, message: string): Refusal => ({ close: CloseCodes.InvalidContent, rule, message });

/** Checks the comment writes of one update: `check` each new item, then `finish`. */
export class CommentChecker {
  /** Created threads and comments (their maps' items), checked whole in `finish`. */
  private readonly createdThreads: Y.Item[] = [];
  private readonly createdComments: Y.Item[] = [];
  /** The newest non-deleted item of each key of each created map. */
  private readonly keysOf = new Map<Y.Item, Map<string, Y.Item>>();
  /** New comments per live list, for the per-thread bound. */
  private readonly repliesTo = new Map<Y.AbstractType<unknown>, number>();
  /** New comments per list the update creates (by the item holding the list). */
  private readonly commentsIn = new Map<Y.Item, number>();

  constructor(
    private readonly doc: Y.Doc,
    private readonly structs: UpdateStructs,
    private readonly writer: Writer,
  ) {}

  /** The rules for one new item of the update placed in the comments field. */
  check(item: Y.Item, placement: Exclude<Placement, string>): Refusal | null {
    const container = this.containerOf(placement);
    const key = placement.parentSub;
    const content = item.content;
    const deleted = content instanceof Y.ContentDeleted || this.structs.isDeleted(item.id);
    switch (container.level) {
      case 'root': {
        if (key === null || !isValidId(key)) return refuse('CM1', 'the comments field holds threads under ids made of letters, digits, "-" and "_"');
        const root = container.live as Y.Map<unknown> | null;
        // Integrating any item at a key replaces what the key held: a thread is never replaced or removed.
        if (root?._map.has(key)) return refuse('CM6', `thread "${key}" exists; threads are never replaced or removed (resolve it instead)`);
        if (deleted) return null;
        if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return refuse('CM1', `thread "${key}" must be a Y.Map`);
        this.createdThreads.push(item);
        return null;
      }
      case 'thread':
      case 'comment': {
        if (key === null) return refuse('CM1', `a ${container.level} holds only keys`);
        if (container.live) {
          const permission = this.mayChange(container.level, container.live as Y.Map<unknown>, key);
          if (permission) return permission;
        } else if (!deleted) {
          this.recordKey(container.createdBy as Y.Item, key, item);
        }
        if (deleted) return null;
        if (key === 'comments' && container.level === 'thread') {
          if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Array)) return refuse('CM1', 'thread "comments" must be a Y.Array');
          return null;
        }
        const value = plainValue(content);
        if (value === NOT_PLAIN) return refuse('CM1', `${container.level} "${key}" must be one plain value`);
        const problem = valueProblem(container.level, key, value);
        if (problem) return refuse('CM1', problem);
        if (container.level === 'thread' && key === 'statusBy' && value !== this.writer.id) {
          return refuse('CM3', `a thread is resolved or reopened as oneself: "statusBy" must be "${this.writer.id}"`);
        }
        return null;
      }
      case 'list': {
        if (key !== null) return refuse('CM1', 'the comments of a thread are a list');
        if (deleted) return null;
        if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.Map)) return refuse('CM1', 'a comment must be a Y.Map');
        this.createdComments.push(item);
        if (container.live) this.repliesTo.set(container.live, (this.repliesTo.get(container.live) ?? 0) + 1);
        else if (container.createdBy) this.commentsIn.set(container.createdBy, (this.commentsIn.get(container.createdBy) ?? 0) + 1);
        return null;
      }
      default:
        return refuse('CM1', 'the comments field holds threads, their comment lists and comments, nothing deeper');
    }
  }

  /** The checks that need the whole update: new threads and comments complete and one's own, bounds. */
  finish(): Refusal | null {
    const root = this.doc.share.get('comments') as Y.Map<unknown> | undefined;
    const liveThreads = root ? root._map.size : 0;
    if (liveThreads + this.createdThreads.length > COMMENT_LIMITS.threadsPerDocument) {
      return refuse('CM5', `a document holds at most ${COMMENT_LIMITS.threadsPerDocument} threads`);
    }
    for (const thread of this.createdThreads) {
      const problem = this.completeProblem('thread', thread, REQUIRED_THREAD_KEYS);
      if (problem) return problem;
      const list = this.keysOf.get(thread)?.get('comments');
      const comments = list ? (this.commentsIn.get(list) ?? 0) : 0;
      if (comments === 0) return refuse('CM2', 'a new thread must hold its first comment');
      if (comments > COMMENT_LIMITS.commentsPerThread) return refuse('CM5', `a thread holds at most ${COMMENT_LIMITS.commentsPerThread} comments`);
    }
    for (const comment of this.createdComments) {
      const problem = this.completeProblem('comment', comment, REQUIRED_COMMENT_KEYS);
      if (problem) return problem;
    }
    for (const [list, added] of this.repliesTo) {
      if ((list as Y.Array<unknown>).length + added > COMMENT_LIMITS.commentsPerThread) {
        return refuse('CM5', `a thread holds at most ${COMMENT_LIMITS.commentsPerThread} comments`);
      }
    }
    return null;
  }

  /**
   * A deletion (in the update's delete set) of `item`, a live item of the comments field: allowed
   * only where writing its key is ([CM3], [CM4]); threads and comments themselves are never removed ([CM6]).
   */
  checkDeletion(item: Y.Item): Refusal | null {
    const container = this.containerOf({
      parent: { field: 'comments', kind: 'other', name: '', depth: 0 },
      parentSub: item.parentSub,
      createdBy: null,
      live: item.parent as Y.AbstractType<unknown>,
    });
    if (container.level === 'root') return refuse('CM6', 'threads are never removed (resolve them instead)');
    if (container.level === 'list') return refuse('CM4', 'comments are never removed from a thread (deleting one marks it deleted)');
    if ((container.level === 'thread' || container.level === 'comment') && item.parentSub !== null && container.live) {
      return this.mayChange(container.level, container.live as Y.Map<unknown>, item.parentSub);
    }
    return refuse('CM1', 'the comments field holds threads, their comment lists and comments, nothing deeper');
  }

  /** May the writer change `key` of live thread or comment `map`? */
  private mayChange(level: 'thread' | 'comment', map: Y.Map<unknown>, key: string): Refusal | null {
    if (level === 'thread') {
      if ((STATUS_KEYS as readonly string[]).includes(key)) return null;
      if ((ANCHOR_KEYS as readonly string[]).includes(key)) {
        return this.writer.role === 'editor' || this.writer.role === 'admin' ? null : refuse('CM7', "only editors move a thread's anchor");
      }
      return refuse('CM3', `"${key}" of an existing thread does not change (only its status and, for editors, its anchor)`);
    }
    if (!(OWN_COMMENT_KEYS as readonly string[]).includes(key)) return refuse('CM4', `"${key}" of an existing comment does not change`);
    if (map.get('author') !== this.writer.id) return refuse('CM4', 'only its author edits or deletes a comment');
    return null;
  }

  /** Every required key of created map `item` is there and valid, and it is written as its author ([CM2]). */
  private completeProblem(level: 'thread' | 'comment', item: Y.Item, required: readonly string[]): Refusal | null {
    const keys = this.keysOf.get(item) ?? new Map<string, Y.Item>();
    const missing = required.filter((key) => !keys.has(key));
    if (missing.length > 0) return refuse('CM2', `a new ${level} needs ${missing.map((key) => `"${key}"`).join(', ')}`);
    const author = plainValue((keys.get('author') as Y.Item).content);
    if (author !== this.writer.id) return refuse('CM2', `a ${level} is written as its author: "author" must be the token's user "${this.writer.id}"`);
    return null;
  }

  private recordKey(map: Y.Item, key: string, item: Y.Item): void {
    let keys = this.keysOf.get(map);
    if (!keys) {
      keys = new Map();
      this.keysOf.set(map, keys);
    }
    const known = keys.get(key);
    // The same key set twice in one update: the later item (higher clock of one client) holds.
    if (!known || item.id.clock > known.id.clock) keys.set(key, item);
  }

  /** The level of the container an item is placed in. */
  private containerOf(placement: Exclude<Placement, string>): Container {
    if (placement.createdBy) {
      const holder = placement.createdBy;
      const holderPlacement = this.structs.placementOf(holder);
      if (typeof holderPlacement === 'string') return { level: 'invalid', live: null, createdBy: holder };
      const outer = this.containerOf(holderPlacement).level;
      const type = (holder.content as Y.ContentType).type;
      return { level: childLevel(outer, holder.parentSub, type), live: null, createdBy: holder };
    }
    const live = placement.live ?? null;
    if (!live) return { level: 'root', live: null, createdBy: null };
    return { level: liveLevel(live), live, createdBy: null };
  }
}

/** The level of a live type of the comments field. */
function liveLevel(type: Y.AbstractType<unknown>): Level {
  const item = type._item;
  if (!item) return 'root';
  return childLevel(liveLevel(item.parent as Y.AbstractType<unknown>), item.parentSub, type);
}

/** The level of `type`, held at `key` (null: in a list) in a container of level `outer`. */
function childLevel(outer: Level, key: string | null, type: unknown): Level {
  if (outer === 'root' && key !== null && type instanceof Y.Map) return 'thread';
  if (outer === 'thread' && key === 'comments' && type instanceof Y.Array) return 'list';
  if (outer === 'list' && key === null && type instanceof Y.Map) return 'comment';
  return 'invalid';
}

const NOT_PLAIN = Symbol('not a plain value');

/** The one plain value an item holds (a JSON value or bytes), or NOT_PLAIN. */
function plainValue(content: Y.Item['content']): unknown {
  if (content instanceof Y.ContentAny && content.arr.length === 1) return content.arr[0];
  if (content instanceof Y.ContentBinary) return content.content;
  if (content instanceof Y.ContentString && content.str.length > 0) return NOT_PLAIN;
  return NOT_PLAIN;
}

/**
 * The live items of `doc` the update's delete set removes (those not deleted already), with a
 * callback for each; stops when it returns false. Items the document does not have yet are
 * skipped (Yjs keeps such deletions pending).
 */
export function forEachDeletedItem(doc: Y.Doc, structs: UpdateStructs, visit: (item: Y.Item) => boolean): void {
  for (const [client, ranges] of structs.deleteSet.clients) {
    const list = doc.store.clients.get(client) as Array<Y.Item | Y.GC> | undefined;
    if (!list || list.length === 0) continue;
    const state = Y.getState(doc.store, client);
    for (const { clock, len } of ranges) {
      if (clock >= state) continue;
      const end = Math.min(clock + len, state);
      for (let index = Y.findIndexSS(list as Y.Item[], clock); index < list.length; index++) {
        const struct = list[index];
        if (struct.id.clock >= end) break;
        if (struct instanceof Y.Item && !struct.deleted && !visit(struct)) return;
      }
    }
  }
}
