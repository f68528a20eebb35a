import * as Y from 'yjs';
import { attributeProblem } from '../../shared/attributeRules';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { COMMENTS_FIELD } from '../../shared/documentFields';
import { MAX_DEPTH, type SchemaRules, TEXT } from '../../shared/schemaRules';
import { CommentChecker, forEachDeletedItem, type Writer } from '../comments/commentGuard';
import { SuggestionAuthorship } from '../suggestions/suggestionAuthors';
import { type LiveTypes, type NewItem, type Placement, type TypeInfo, UpdateStructs } from './updateStructs';

/**
 * Checks a client's Yjs update against the document schema before it is applied: rules [G1]–[G10]
 * [I2] and [U2] of `shared/SCHEMA-RULES.md`. Only what the update adds is checked; deletions are never
 * refused ([G9]). A keystroke (one string into an existing text) costs a decode and one binary
 * search.
 */

/** Why an update is refused. */
export interface Refusal {
  close: CloseReason;
  rule: string;
  message: string;
}

export interface GuardResult {
  refusal: Refusal | null;
  /**
   * Content waiting in the document's pending set that turned out to break the rules once what
   * it waited for arrived: per client, the clock from which its pending structs must go.
   */
  dropPending: Map<number, number>;
  /** True when some of the update's items wait for content the document does not have yet. */
  waits: boolean;
  /**
   * True when the content of a new element could not be fully checked before applying ([G5]):
   * the update deletes some of its children again, or children of several writers compete for
   * their order. The structure is checked, and repaired, after applying.
   */
  recheck: boolean;
  /**
   * The fields the update writes into (`body`, `title`, `comments`, …; `unknown` for content
   * whose place is not known yet), by its new items and, when `deletedFields` is asked for or the
   * document has comments, its deletions.
   */
  fields: Set<string>;
  /** The new suggestions the update makes (their ids not recorded yet), to record once it is applied ([SG11]). */
  suggestions: SuggestionAuthorship['created'];
}

export interface GuardOptions {
  rules: SchemaRules;
  live: LiveTypes;
  /** Largest pending set (content waiting for missing dependencies) an update may leave, in bytes. */
  maxPendingBytes: number;
  /** Who sends the update; writes into the comment threads are checked against it ([CM1]–[CM8]). Without one they are refused. */
  writer?: Writer;
  /** Also list the fields the update's deletions touch, even in a document without comments. */
  deletedFields?: boolean;
}

/** Checks `update` (a v1 Yjs update from a client) against document `doc`. */
export function checkUpdate(doc: Y.Doc, update: Uint8Array, options: GuardOptions): GuardResult {
  const pending = doc.store.pendingStructs?.update ?? null;
  const structs = new UpdateStructs(doc, update, options.live, pending);
  const authorship = new SuggestionAuthorship(doc, options.writer);
  const result: GuardResult = { refusal: null, dropPending: new Map(), waits: false, recheck: false, fields: new Set(), suggestions: authorship.created };
  const created = new Map<Y.Item, Y.Item[]>();
  const comments = options.writer ? new CommentChecker(doc, structs, options.writer) : null;

  for (const entry of structs.newItems) {
    const placement = structs.placementOf(entry.item);
    if (placement === 'missing') {
      if (!entry.pending) {
        result.waits = true;
        result.fields.add('unknown');
      }
      continue;
    }
    if (placement !== 'dropped' && !entry.pending) result.fields.add(placement.parent.field);
    const refusal =
      placement === 'dropped'
        ? null
        : placement.parent.field === 'comments'
          ? checkCommentItem(entry, placement, comments)
          : checkItem(entry.item, placement, options.rules);
    if (refusal) {
      if (!reject(result, entry, refusal)) return result;
      continue;
    }
    // Suggestion marks are the writer's own or copies of recorded ones ([SG11]); content that
    // waited for missing dependencies was checked when its own writer sent it.
    if (!entry.pending && placement !== 'dropped' && placement.parent.kind === 'text' && placement.parent.field === 'body') {
      const content = entry.item.content;
      const problem = content instanceof Y.ContentFormat && !structs.isDeleted(entry.item.id) ? authorship.check(content) : null;
      if (problem) {
        result.refusal = problem;
        return result;
      }
    }
    if (placement !== 'dropped' && placement.createdBy && placement.parentSub === null && placement.parent.field === 'body') {
      const siblings = created.get(placement.createdBy);
      if (siblings) siblings.push(entry.item);
      else created.set(placement.createdBy, [entry.item]);
    }
  }

  for (const entry of structs.newItems) {
    const { item } = entry;
    if (!(item.content instanceof Y.ContentType) || !(item.content.type instanceof Y.XmlElement) || structs.isDeleted(item.id)) continue;
    const placement = structs.placementOf(item);
    if (typeof placement === 'string' || placement.parent.field !== 'body' || placement.parentSub !== null) continue;
    const children = created.get(item) ?? [];
    // Deletions are never refused ([G9]): what the update's own deletions leave is checked after applying.
    if (children.some((child) => child.content instanceof Y.ContentDeleted || structs.isDeleted(child.id))) {
      result.recheck = true;
      continue;
    }
    const ordered = chainOrder(children);
    if (!ordered) result.recheck = true;
    const refusal = checkCreatedContent(item.content.type.nodeName, children, ordered, options.rules);
    if (refusal && !reject(result, entry, refusal)) return result;
  }

  // Deletions: in the comment threads only what [CM3] and [CM4] allow; the fields they touch.
  const commentsRoot = doc.share.get(COMMENTS_FIELD) as Y.Map<unknown> | undefined;
  if (options.deletedFields || (commentsRoot && commentsRoot._map.size > 0)) {
    forEachDeletedItem(doc, structs, (item) => {
      const field = options.live.infoOf(item.parent as Y.AbstractType<unknown>).field;
      result.fields.add(field);
      if (field !== 'comments') return true;
      result.refusal = comments ? comments.checkDeletion(item) : noWriter();
      return result.refusal === null;
    });
    if (result.refusal) return result;
  }
  if (comments) {
    result.refusal = comments.finish();
    if (result.refusal) return result;
  }

  if (result.waits && (pending?.byteLength ?? 0) + update.byteLength > options.maxPendingBytes) {
    result.refusal = {
      close: CloseCodes.InvalidContent,
      rule: 'G10',
      message: `the update depends on content the document does not have, and more than ${options.maxPendingBytes} bytes of such content would wait`,
    };
  }
  return result;
}

/** Records a refusal: the update's own item refuses the update (false: stop); a pending one is dropped from the pending set. */
function reject(result: GuardResult, entry: NewItem, refusal: Refusal): boolean {
  if (!entry.pending) {
    result.refusal = refusal;
    return false;
  }
  const { client, clock } = entry.item.id;
  const from = result.dropPending.get(client);
  if (from === undefined || clock < from) result.dropPending.set(client, clock);
  return true;
}

/**
 * A new item in the comment threads. Content that waited for missing dependencies is not taken:
 * whose it is cannot be told once another client's update completes it ([CM8]).
 */
function checkCommentItem(entry: NewItem, placement: Exclude<Placement, string>, comments: CommentChecker | null): Refusal | null {
  if (entry.pending) return refuse('CM8', 'comment content that waited for missing dependencies is dropped');
  return comments ? comments.check(entry.item, placement) : noWriter();
}

const noWriter = (): Refusal => refuse('CM2', 'writes into the comment threads need the identity of their author');

/** The content of an item. */
type ItemContent = Y.Item['content'];

const refuse = (rule: string, message: string): Refusal => ({ close: CloseCodes.InvalidContent, rule, message });

/** The rules for one new item at its place. */
function checkItem(item: Y.Item, placement: Exclude<Placement, string>, rules: SchemaRules): Refusal | null {
  const { parent, parentSub } = placement;
  const content = item.content;
  switch (parent.field) {
    case 'identity':
      return { close: CloseCodes.DocumentReplaced, rule: 'I2', message: 'the update writes the document identity, which only the server writes' };
    case 'restores':
      return refuse('U2', 'the update writes the count of restores, which only the server writes');
    case 'suggestionAuthors':
      return refuse('SG11', 'the update writes the record of who made each suggestion, which only the server writes');
    case 'other':
    case 'comments':
      return null;
    case 'title':
      if (parent.depth > 0 || parentSub !== null || !(content instanceof Y.ContentString || content instanceof Y.ContentDeleted)) {
        return refuse('G1', `the title holds plain text only (got ${contentName(content)}${parentSub === null ? '' : ` under key "${parentSub}"`})`);
      }
      return null;
    case 'body':
      if (content instanceof Y.ContentDeleted) return null;
      if (parentSub !== null) return checkAttribute(parent, parentSub, content);
      if (parent.kind === 'text') return checkTextContent(parent, content, rules);
      if (parent.kind === 'fragment' || parent.kind === 'element') return checkChild(item, parent, content, rules);
      return refuse('G2', `content inside ${contentName(content)} is not part of the document schema`);
  }
}

function checkAttribute(parent: TypeInfo, key: string, content: ItemContent): Refusal | null {
  if (parent.kind !== 'element') return refuse('G2', `${parent.kind === 'fragment' ? 'the body' : 'a text'} has no attributes (got key "${key}")`);
  if (!(content instanceof Y.ContentAny) || content.arr.length !== 1)
    return refuse('G6', `attribute "${key}" of "${parent.name}" must be one plain value (got ${contentName(content)})`);
  const problem = attributeProblem('node', parent.name, key, content.arr[0]);
  return problem ? refuse('G6', problem) : null;
}

function checkTextContent(parent: TypeInfo, content: ItemContent, rules: SchemaRules): Refusal | null {
  if (content instanceof Y.ContentString) return null;
  if (!(content instanceof Y.ContentFormat))
    return refuse('G2', `a text in "${parent.name}" holds only characters and formatting (got ${contentName(content)})`);
  const { key, value } = content;
  if (!rules.isMark(key)) return refuse('G7', `"${key}" is not a mark of the schema`);
  if (!rules.allowsMark(parent.name, key)) return refuse('G7', `text in "${parent.name}" may not be formatted as "${key}"`);
  if (value === null) return null;
  if (typeof value !== 'object' || Array.isArray(value)) return refuse('G7', `mark "${key}" must carry an object of attributes or null`);
  for (const [name, attribute] of Object.entries(value as Record<string, unknown>)) {
    const problem = attributeProblem('mark', key, name, attribute);
    if (problem) return refuse('G7', problem);
  }
  return null;
}

function checkChild(item: Y.Item, parent: TypeInfo, content: ItemContent, rules: SchemaRules): Refusal | null {
  if (!(content instanceof Y.ContentType) || !(content.type instanceof Y.XmlElement || content.type instanceof Y.XmlText)) {
    return refuse('G2', `"${parent.name}" holds only elements and texts (got ${contentName(content)})`);
  }
  const child = content.type instanceof Y.XmlText ? TEXT : content.type.nodeName;
  if (child !== TEXT && (!rules.isNode(child) || child === TEXT || child === rules.topNode)) return refuse('G3', `"${child}" is not a node type of the schema`);
  if (!rules.allows(parent.name, child)) return refuse('G4', `"${child}" may not stand in "${parent.name}"`);
  // Inserted at the very start of its parent: it becomes the first child, which some parents fix.
  if (item.origin === null && !rules.allowsFirst(parent.name, child)) return refuse('G4', `"${parent.name}" may not start with "${child}"`);
  if (child !== TEXT && parent.depth + 1 > MAX_DEPTH) return refuse('G8', `elements may be nested at most ${MAX_DEPTH} deep`);
  return null;
}

/**
 * The content an update gives an element it creates must be valid for its type: its children, in
 * the order they will stand. When children of several writers compete for positions (only in a
 * merge of other clients' states), only what does not depend on their order is checked here
 * (a required child is there); the order is checked after applying, and repaired ([R3]).
 */
function checkCreatedContent(name: string, children: Y.Item[], ordered: Y.Item[] | null, rules: SchemaRules): Refusal | null {
  const names = (ordered ?? children).map((child) => {
    const type = (child.content as Y.ContentType).type;
    return type instanceof Y.XmlElement ? type.nodeName : TEXT;
  });
  if (ordered ? rules.validContent(name, names) : names.length > 0 || rules.validContent(name, [])) return null;
  return refuse(
    'G5',
    names.length === 0 ? `a new "${name}" must not be empty` : `a new "${name}" may not hold ${names.map((child) => `"${child}"`).join(', ')} in this order`,
  );
}

/** The order of `children` when each follows the one before it (one writer, no conflicts); null otherwise. */
function chainOrder(children: Y.Item[]): Y.Item[] | null {
  if (children.length <= 1) return children;
  const byLastId = new Map<string, Y.Item>();
  for (const child of children) byLastId.set(idKey(child.id.client, child.id.clock + child.length - 1), child);
  const next = new Map<Y.Item, Y.Item>();
  let first: Y.Item | null = null;
  for (const child of children) {
    if (child.origin === null) {
      if (first) return null;
      first = child;
      continue;
    }
    const before = byLastId.get(idKey(child.origin.client, child.origin.clock));
    if (!before || next.has(before)) return null;
    next.set(before, child);
  }
  const ordered: Y.Item[] = [];
  for (let child: Y.Item | undefined = first ?? undefined; child; child = next.get(child)) ordered.push(child);
  return ordered.length === children.length ? ordered : null;
}

const idKey = (client: number, clock: number) => `${client}:${clock}`;

function contentName(content: ItemContent): string {
  if (content instanceof Y.ContentType) return `a ${content.type.constructor.name.replace(/^Y/, 'Y.')}`;
  return content.constructor.name;
}
