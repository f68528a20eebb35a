import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import { forEachDeletedItem } from '../comments/commentGuard';
import { type LiveTypes, UpdateStructs } from '../schema/updateStructs';

/**
 * A small copy of a document for checking a commenter's update ([SG7]): only the texts of the
 * body the update writes into (and any type their items' neighbours sit in), with the live
 * document's ids, so the update applies to the copy exactly as to the document. Everything else
 * is stood in for by garbage-collected ranges of the same clocks, so Yjs finds every client's
 * state where the document has it and waits for nothing. The copy costs time in proportion to the
 * update and the texts it touches, never to the whole document.
 *
 * Returns the copy, or why the update is no suggestion already from where it writes: into an
 * element, an attribute, or a text it creates itself.
 */
export function copyOfTouchedTexts(doc: Y.Doc, update: Uint8Array, live: LiveTypes): Y.Doc | string {
  const structs = new UpdateStructs(doc, update, live, null);
  const included = new Set<Y.AbstractType<unknown>>();
  const queue: Y.AbstractType<unknown>[] = [];
  const include = (type: Y.AbstractType<unknown>) => {
    // Yjs applies nothing into a deleted type, and tells no observer: neither does the copy.
    if (included.has(type) || type._item?.deleted) return;
    included.add(type);
    queue.push(type);
  };
  /** The type holding the live item at `id` comes along (an item's neighbours are looked up by id). */
  const includeHolderOf = (id: Y.ID | null) => {
    const item = id ? liveItem(doc, id) : null;
    if (item?.parent instanceof Y.AbstractType) include(item.parent);
  };

  for (const { item, pending } of structs.newItems) {
    if (pending) continue;
    const placement = structs.placementOf(item);
    // Content Yjs drops or keeps waiting reaches no observer of the document either.
    if (typeof placement === 'string' || placement.parent.field !== 'body') continue;
    if (placement.parentSub !== null)
      return placement.parent.kind === 'text' ? 'a suggestion sets no attribute of a text' : 'a suggestion changes no element, only text';
    if (placement.parent.kind !== 'text') return 'a suggestion changes no element, only text';
    if (placement.createdBy || !placement.live) return 'a suggestion writes into existing text only';
    include(placement.live);
    includeHolderOf(item.origin);
    includeHolderOf(item.rightOrigin);
  }
  let problem: string | null = null;
  forEachDeletedItem(doc, structs, (item) => {
    const parent = item.parent as Y.AbstractType<unknown>;
    if (live.infoOf(parent).field !== 'body') return true;
    if (!(parent instanceof Y.XmlText)) problem = 'a suggestion changes no element, only text';
    else if (item.parentSub !== null) problem = 'a suggestion sets no attribute of a text';
    else include(parent as Y.AbstractType<unknown>);
    return problem === null;
  });
  if (problem) return problem;

  // An item's right neighbour may sit in another type (only a hand-made update puts it there):
  // Yjs still places the item by it, so that type comes along.
  const written = new Set<Y.Item>();
  for (let type = queue.pop(); type; type = queue.pop()) {
    for (let item = type._start; item; item = item.right) {
      written.add(item);
      includeHolderOf(item.rightOrigin);
    }
  }
  return copyOf(doc, update, included, written);
}

/** The live item holding `id`, or null when the document has none there (or a garbage-collected range). */
function liveItem(doc: Y.Doc, id: Y.ID): Y.Item | null {
  if (id.clock >= Y.getState(doc.store, id.client)) return null;
  const structs = doc.store.clients.get(id.client) as Array<Y.Item | Y.GC>;
  const struct = structs[Y.findIndexSS(structs as Y.Item[], id.clock)];
  return struct instanceof Y.Item ? struct : null;
}

interface Entry {
  clock: number;
  length: number;
  write: (encoder: Y.UpdateEncoderV1) => void;
}

/** A new document holding `types` (each a child of the body unless its own holder is among them) and their `items`. */
function copyOf(doc: Y.Doc, update: Uint8Array, types: Set<Y.AbstractType<unknown>>, items: Set<Y.Item>): Y.Doc {
  const byClient = new Map<number, Entry[]>();
  const add = (item: Y.Item, write: Entry['write']) => {
    const entries = byClient.get(item.id.client);
    const entry = { clock: item.id.clock, length: item.length, write };
    if (entries) entries.push(entry);
    else byClient.set(item.id.client, [entry]);
  };
  for (const item of items) add(item, (encoder) => writeItem(encoder, item));
  for (const type of types) {
    const item = type._item;
    if (item && !items.has(item)) add(item, (encoder) => writeItem(encoder, item, BODY_FIELD));
  }
  // The update's own clients start where the document's state is, as in the document.
  for (const client of Y.decodeStateVector(Y.encodeStateVectorFromUpdate(update)).keys()) if (!byClient.has(client)) byClient.set(client, []);

  const encoder = new Y.UpdateEncoderV1();
  const rest = encoder.restEncoder;
  const blocks: Array<{ client: number; structs: Entry[] }> = [];
  for (const [client, entries] of byClient) {
    entries.sort((a, b) => a.clock - b.clock);
    const structs: Entry[] = [];
    let clock = 0;
    for (const entry of entries) {
      if (entry.clock > clock) structs.push(gap(client, clock, entry.clock - clock));
      structs.push(entry);
      clock = entry.clock + entry.length;
    }
    const state = Y.getState(doc.store, client);
    if (state > clock) structs.push(gap(client, clock, state - clock));
    if (structs.length > 0) blocks.push({ client, structs });
  }
  encoding.writeVarUint(rest, blocks.length);
  for (const { client, structs } of blocks) {
    encoding.writeVarUint(rest, structs.length);
    encoder.writeClient(client);
    encoding.writeVarUint(rest, 0);
    for (const struct of structs) struct.write(encoder);
  }
  // No deletions: deleted items are written as deleted content.
  encoding.writeVarUint(rest, 0);
  const copy = new Y.Doc({ gc: false });
  Y.applyUpdate(copy, encoder.toUint8Array());
  return copy;
}

/** Clocks of `client` the copy does not hold, as a garbage-collected range. */
function gap(client: number, clock: number, length: number): Entry {
  return { clock, length, write: (encoder) => new Y.GC(Y.createID(client, clock), length).write(encoder, 0) };
}

/**
 * `item` as Yjs writes it (`Item.write`), deleted content as such, and with `rootKey` as a child of
 * that root with no neighbours instead of where it stands.
 */
function writeItem(encoder: Y.UpdateEncoderV1, item: Y.Item, rootKey?: string): void {
  const content = item.deleted ? new Y.ContentDeleted(item.length) : item.content;
  const origin = rootKey === undefined ? item.origin : null;
  const rightOrigin = rootKey === undefined ? item.rightOrigin : null;
  const parentSub = rootKey === undefined ? item.parentSub : null;
  encoder.writeInfo((content.getRef() & 0b11111) | (origin ? 0b10000000 : 0) | (rightOrigin ? 0b1000000 : 0) | (parentSub === null ? 0 : 0b100000));
  if (origin) encoder.writeLeftID(origin);
  if (rightOrigin) encoder.writeRightID(rightOrigin);
  if (!origin && !rightOrigin) {
    const parent = item.parent as Y.AbstractType<unknown>;
    if (rootKey !== undefined || parent._item === null) {
      encoder.writeParentInfo(true);
      encoder.writeString(rootKey ?? Y.findRootTypeKey(parent));
    } else {
      encoder.writeParentInfo(false);
      encoder.writeLeftID(parent._item.id);
    }
    if (parentSub !== null) encoder.writeString(parentSub);
  }
  content.write(encoder, 0);
}
