import type { Node } from '@tiptap/pm/model';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition } from '@tiptap/y-tiptap';
import * as Y from 'yjs';

/**
 * A thread's anchor: two Yjs relative positions into the body, so the range follows the text
 * through everyone's concurrent edits without the anchor ever writing into the body ([AN1]–[AN5]
 * in `COMMENTS.md`). The start is tied to the first character of the range (assoc 0: text typed
 * right before it stays outside), the end to the last one (assoc -1: text typed right after it
 * stays outside); text typed between them is inside.
 */

/** y-tiptap's map from Y types to the ProseMirror nodes that show them. */
// biome-ignore lint/suspicious/noExplicitAny: the map y-tiptap takes is keyed by Y types of any event type.
export type NodeMapping = Map<Y.AbstractType<any>, Node | Node[]>;

/** A resolved anchor: the ProseMirror range, or null when its text is gone (on deleted text). */
export type ResolvedRange = { from: number; to: number } | null;

/** The encoded relative position for ProseMirror position `pos`, tied to the character on the right (`assoc` 0) or left (-1). */
export function encodePosition(doc: Y.Doc, fragment: Y.XmlFragment, mapping: NodeMapping, pos: number, assoc: 0 | -1): Uint8Array {
  const relative = absolutePositionToRelativePosition(pos, fragment, mapping as never);
  const absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc);
  const tied = absolute ? Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, assoc) : relative;
  return Y.encodeRelativePosition(tied);
}

/** The anchor of ProseMirror range `from`–`to` (from < to). */
export function encodeAnchor(doc: Y.Doc, fragment: Y.XmlFragment, mapping: NodeMapping, from: number, to: number): { start: Uint8Array; end: Uint8Array } {
  return { start: encodePosition(doc, fragment, mapping, from, 0), end: encodePosition(doc, fragment, mapping, to, -1) };
}

/**
 * The ProseMirror range an anchor covers now in `body` (the editor's or the server's reading of
 * `fragment`), or null when all of its text was deleted: the positions collapsed, fell into a
 * removed block, or hold nothing but block boundaries ([AN5]). Never throws.
 */
export function resolveAnchor(
  doc: Y.Doc,
  fragment: Y.XmlFragment,
  mapping: NodeMapping,
  start: Uint8Array | null,
  end: Uint8Array | null,
  body: Node,
): ResolvedRange {
  if (!start || !end) return null;
  try {
    const from = toProseMirror(doc, fragment, mapping, Y.decodeRelativePosition(start));
    const to = toProseMirror(doc, fragment, mapping, Y.decodeRelativePosition(end));
    if (from === null || to === null || from >= to || to > body.content.size || !holdsContent(body, from, to)) return null;
    return { from, to };
  } catch {
    return null;
  }
}

/** True when `from`–`to` of `body` holds text or a leaf node (an image, a line). */
export function holdsContent(body: Node, from: number, to: number): boolean {
  let found = false;
  body.nodesBetween(from, to, (node, pos) => {
    if (found) return false;
    if (node.isLeaf && Math.max(pos, from) < Math.min(pos + node.nodeSize, to)) found = true;
    return !found;
  });
  return found;
}

/**
 * The ProseMirror position of a relative position. y-tiptap refuses a position tied to a
 * character that resolves to the very start of the document (it takes it for a drag-and-drop
 * misresolution); the start of that text, asked for by index, is the same place.
 */
function toProseMirror(doc: Y.Doc, fragment: Y.XmlFragment, mapping: NodeMapping, relative: Y.RelativePosition): number | null {
  const pos = relativePositionToAbsolutePosition(doc, fragment, relative, mapping as never);
  if (pos !== null) return pos;
  const absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc);
  // Only a live text: a deleted one resolves nowhere (its thread is on deleted text).
  if (absolute?.index !== 0 || absolute.type._item?.deleted) return null;
  return relativePositionToAbsolutePosition(doc, fragment, Y.createRelativePositionFromTypeIndex(absolute.type, 0, -1), mapping as never);
}

/**
 * y-tiptap's mapping for a body read on the server (no editor binding): each Y element paired
 * with the ProseMirror node `body` shows for it. `body` must be the body as read from `fragment`
 * (`bodyNode`), so the pairs line up.
 */
export function mappingOf(fragment: Y.XmlFragment, body: Node): NodeMapping {
  const mapping: NodeMapping = new Map();
  const pair = (type: Y.XmlFragment | Y.XmlElement, node: Node) => {
    const elements = type.toArray().filter((child): child is Y.XmlElement => child instanceof Y.XmlElement);
    const nodes: Node[] = [];
    node.forEach((child) => {
      if (!child.isText) nodes.push(child);
    });
    elements.forEach((element, index) => {
      const child = nodes[index];
      if (!child) return;
      mapping.set(element, child);
      pair(element, child);
    });
  };
  pair(fragment, body);
  return mapping;
}

/**
 * `encoded` re-encoded on the live item that holds its character now, when an undo or redo of
 * this client's brought the character back as a new item (Yjs follows such "redone" items only in
 * the document that made them, so other clients would resolve the old position elsewhere); null
 * when the position needs no change. `assoc` is the position's own (0 for a start, -1 for an end).
 */
export function redoneAnchorPosition(doc: Y.Doc, encoded: Uint8Array | null, assoc: 0 | -1): Uint8Array | null {
  if (!encoded) return null;
  try {
    const relative = Y.decodeRelativePosition(encoded);
    const id = relative.item;
    if (!id) return null;
    const structs = doc.store.clients.get(id.client) as Array<Y.Item | Y.GC> | undefined;
    if (!structs || id.clock >= Y.getState(doc.store, id.client)) return null;
    const struct = structs[Y.findIndexSS(structs as Y.Item[], id.clock)];
    if (!(struct instanceof Y.Item) || !struct.deleted || struct.redone === null) return null;
    const absolute = Y.createAbsolutePositionFromRelativePosition(relative, doc);
    if (!absolute) return null;
    return Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(absolute.type, absolute.index, assoc));
  } catch {
    return null;
  }
}
