import * as Y from 'yjs';
import { BODY_FIELD, COMMENTS_FIELD, IDENTITY_FIELD, RESTORES_FIELD, SUGGESTION_AUTHORS_FIELD, TITLE_FIELD } from '../../shared/documentFields';

/**
 * The content of a Yjs update as it would land in a live document, worked out without applying
 * it: which of its items are new, and under which type (and map key) each one would be inserted.
 *
 * The encoding leaves an item's parent out when it has a left or right neighbour (`origin`,
 * `rightOrigin`): it is the neighbour's parent, found in the live document or among the update's
 * own items (and those waiting in the document's pending set). Chains of neighbours are followed
 * iteratively with memoization, so a long update costs O(n log n) and no deep recursion.
 */

/** Where a type sits, as the schema checks see it. */
export interface TypeInfo {
  /** `body` (the rich-text fragment and everything in it), `title`, `identity`, `restores`, `comments`, `suggestionAuthors`, or `other` (a field Quire does not use). */
  field: 'body' | 'title' | 'identity' | 'restores' | 'comments' | 'suggestionAuthors' | 'other';
  /** `fragment` (the body itself), `element`, `text` (a Y.XmlText or the title), or `other` (any other Y type). */
  kind: 'fragment' | 'element' | 'text' | 'other';
  /** Node type name: the element's name, the body's `doc`; for a text, its element's name. */
  name: string;
  /** Elements between it and the body (the body is 0). */
  depth: number;
}

/** Where a new item would go. */
export type Placement =
  /**
   * Under `parent` (a type of the live document, `live`, or created by the update, `createdBy`),
   * at map key `parentSub` (null: in its list). `live` is null for a root the document does not have yet.
   */
  | { parent: TypeInfo; parentSub: string | null; createdBy: Y.Item | null; live?: Y.AbstractType<unknown> | null }
  /** Yjs would discard it (its neighbour or parent was garbage-collected or is not a type). */
  | 'dropped'
  /** Something it depends on is neither in the document nor in the update. */
  | 'missing';

/** A new item of the update (or of the pending set) and where it would go. */
export interface NewItem {
  item: Y.Item;
  /** True for an item from the document's pending set rather than from the update. */
  pending: boolean;
}

type Struct = Y.Item | Y.GC | Y.Skip;

const ROOT_INFO: Record<string, TypeInfo> = {
  [BODY_FIELD]: { field: 'body', kind: 'fragment', name: 'doc', depth: 0 },
  [TITLE_FIELD]: { field: 'title', kind: 'text', name: 'title', depth: 0 },
  [IDENTITY_FIELD]: { field: 'identity', kind: 'other', name: 'identity', depth: 0 },
  [RESTORES_FIELD]: { field: 'restores', kind: 'other', name: 'restores', depth: 0 },
  [COMMENTS_FIELD]: { field: 'comments', kind: 'other', name: 'comments', depth: 0 },
  [SUGGESTION_AUTHORS_FIELD]: { field: 'suggestionAuthors', kind: 'other', name: 'suggestionAuthors', depth: 0 },
};
const OTHER_ROOT: TypeInfo = { field: 'other', kind: 'other', name: '', depth: 0 };

/** What the schema checks know of the root named `name`. */
export function rootInfo(name: string): TypeInfo {
  return Object.hasOwn(ROOT_INFO, name) ? ROOT_INFO[name] : OTHER_ROOT;
}

/** The info of a type created inside a type described by `parent`. */
export function childInfo(parent: TypeInfo, type: unknown): TypeInfo {
  if (parent.field !== 'body') return { ...parent, kind: 'other', depth: parent.depth + 1 };
  if (type instanceof Y.XmlElement) return { field: 'body', kind: 'element', name: type.nodeName, depth: parent.depth + 1 };
  if (type instanceof Y.XmlText) return { field: 'body', kind: 'text', name: parent.name, depth: parent.depth + 1 };
  return { field: 'body', kind: 'other', name: '', depth: parent.depth + 1 };
}

/** Type infos of the live document's types, kept while the document is: types never move. */
export class LiveTypes {
  private readonly infos = new WeakMap<object, TypeInfo>();

  /** The info of live type `type`, walking up to its root once. */
  infoOf(type: Y.AbstractType<unknown>): TypeInfo {
    const known = this.infos.get(type);
    if (known) return known;
    const chain: Y.AbstractType<unknown>[] = [];
    let current: Y.AbstractType<unknown> | null = type;
    let info: TypeInfo | undefined;
    while (current) {
      info = this.infos.get(current);
      if (info) break;
      chain.push(current);
      const item: Y.Item | null = current._item;
      if (!item) {
        info = rootInfo(Y.findRootTypeKey(current));
        this.infos.set(current, info);
        chain.pop();
        break;
      }
      current = item.parent as Y.AbstractType<unknown>;
    }
    for (let i = chain.length - 1; i >= 0; i--) {
      info = childInfo(info as TypeInfo, chain[i]);
      this.infos.set(chain[i], info);
    }
    return info as TypeInfo;
  }
}

/** The structs of an update (and of the document's pending set), indexed for lookups by id. */
export class UpdateStructs {
  /** The update's delete set. */
  readonly deleteSet: ReturnType<typeof Y.decodeUpdate>['ds'];
  /** New items, the update's first. */
  readonly newItems: NewItem[] = [];
  /** The update's structs, then the pending set's, by client, in clock order. */
  private readonly sources: Array<Map<number, Struct[]>> = [new Map(), new Map()];
  /** Every struct decoded here (as opposed to the live document's). */
  private readonly decoded = new WeakSet<object>();
  private readonly placements = new Map<Y.Item, Placement>();
  private readonly state = new Map<number, number>();

  constructor(
    private readonly doc: Y.Doc,
    update: Uint8Array,
    private readonly live: LiveTypes,
    pending: Uint8Array | null,
  ) {
    const decoded = Y.decodeUpdate(update);
    this.deleteSet = decoded.ds;
    this.index(decoded.structs, 0);
    if (pending) this.index(Y.decodeUpdateV2(pending).structs, 1);
  }

  private index(structs: Struct[], source: 0 | 1): void {
    const byClient = this.sources[source];
    for (const struct of structs) {
      const { client, clock } = struct.id;
      // An item the document holds already changes nothing; Yjs skips it too.
      if (clock + struct.length <= this.stateOf(client)) continue;
      // Pending structs may repeat the update's; the update's copy is the one checked.
      if (source === 1 && this.findIn(this.sources[0].get(client), clock) !== null) continue;
      let list = byClient.get(client);
      if (!list) {
        list = [];
        byClient.set(client, list);
      }
      list.push(struct);
      this.decoded.add(struct);
      if (struct instanceof Y.Item) this.newItems.push({ item: struct, pending: source === 1 });
    }
    for (const list of byClient.values()) list.sort((a, b) => a.id.clock - b.id.clock);
  }

  private stateOf(client: number): number {
    let clock = this.state.get(client);
    if (clock === undefined) {
      clock = Y.getState(this.doc.store, client);
      this.state.set(client, clock);
    }
    return clock;
  }

  /** Is the struct holding `id` deleted by the update's delete set? */
  isDeleted(id: Y.ID): boolean {
    return Y.isDeleted(this.deleteSet, id);
  }

  /** Where `item` would go once applied. */
  placementOf(item: Y.Item): Placement {
    const known = this.placements.get(item);
    if (known) return known;
    // Follow neighbours through the update's own items until something already known.
    const chain: Y.Item[] = [];
    let current: Y.Item = item;
    let placement: Placement | undefined;
    for (;;) {
      const cached = this.placements.get(current);
      if (cached) {
        placement = cached;
        break;
      }
      const step = this.step(current);
      if (step instanceof Y.Item) {
        chain.push(current);
        current = step;
        continue;
      }
      placement = step;
      this.placements.set(current, placement);
      break;
    }
    for (let i = chain.length - 1; i >= 0; i--) this.placements.set(chain[i], placement);
    return placement;
  }

  /**
   * One step of resolving `item`'s place: the placement itself, or the update's item whose
   * placement it shares (its left or right neighbour).
   */
  private step(item: Y.Item): Placement | Y.Item {
    const left = item.origin ? this.lookup(item.origin) : null;
    const right = item.rightOrigin ? this.lookup(item.rightOrigin) : null;
    if (item.origin && left === null) return 'missing';
    if (item.rightOrigin && right === null) return 'missing';
    if (left instanceof Y.GC || right instanceof Y.GC) return 'dropped';
    const neighbour = left ?? right;
    if (neighbour instanceof Y.Skip) return 'missing';
    if (neighbour instanceof Y.Item) {
      if (this.isLive(neighbour)) {
        const parent = neighbour.parent as Y.AbstractType<unknown> | null;
        return parent ? { parent: this.live.infoOf(parent), parentSub: neighbour.parentSub, createdBy: null, live: parent } : 'dropped';
      }
      return neighbour;
    }
    // No neighbours: the parent is given, a root's name or the id of the item holding the type.
    const parent = item.parent as unknown;
    if (typeof parent === 'string')
      return {
        parent: rootInfo(parent),
        parentSub: item.parentSub,
        createdBy: null,
        live: (this.doc.share.get(parent) as Y.AbstractType<unknown> | undefined) ?? null,
      };
    if (!(parent instanceof Y.ID)) return 'dropped';
    const holder = this.lookup(parent);
    if (holder === null || holder instanceof Y.Skip) return 'missing';
    if (!(holder instanceof Y.Item) || !(holder.content instanceof Y.ContentType)) return 'dropped';
    if (this.isLive(holder)) {
      const type = holder.content.type as Y.AbstractType<unknown>;
      return { parent: this.live.infoOf(type), parentSub: item.parentSub, createdBy: null, live: type };
    }
    const holderPlacement = this.placementOf(holder);
    if (typeof holderPlacement === 'string') return holderPlacement;
    if (holderPlacement.parentSub !== null) return { parent: { ...holderPlacement.parent, kind: 'other' }, parentSub: item.parentSub, createdBy: holder };
    return { parent: childInfo(holderPlacement.parent, holder.content.type), parentSub: item.parentSub, createdBy: holder };
  }

  private isLive(struct: Struct): boolean {
    return !this.decoded.has(struct);
  }

  /** The struct holding `id`: in the live document, or in the update or pending set; null when neither has it. */
  private lookup(id: Y.ID): Struct | null {
    if (id.clock < this.stateOf(id.client)) {
      const structs = this.doc.store.clients.get(id.client) as Struct[];
      return structs[Y.findIndexSS(structs as Y.Item[], id.clock)];
    }
    return this.findIn(this.sources[0].get(id.client), id.clock) ?? this.findIn(this.sources[1].get(id.client), id.clock);
  }

  private findIn(list: Struct[] | undefined, clock: number): Struct | null {
    if (!list) return null;
    let low = 0;
    let high = list.length - 1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      const struct = list[middle];
      if (clock < struct.id.clock) high = middle - 1;
      else if (clock >= struct.id.clock + struct.length) low = middle + 1;
      else return struct;
    }
    return null;
  }
}
