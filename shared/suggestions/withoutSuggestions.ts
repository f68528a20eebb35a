import type { Node } from '@tiptap/pm/model';
import { Transform } from '@tiptap/pm/transform';
import { type FormatSet, isFormatMark } from './formatSuggestion';
import { SUGGESTION_DELETE, SUGGESTION_FORMAT, SUGGESTION_INSERT } from './suggestionMarks';

/**
 * `doc` as if every suggestion were rejected ([SG9] in `shared/suggestions/SUGGESTIONS.md`):
 * suggested insertions left out, suggested deletions kept as plain text, suggested formatting
 * back as it was ([SG12]). What HTML, Markdown and text exports show; `doc` itself when it holds
 * no suggestion.
 */
export function withoutSuggestions(doc: Node): Node {
  const { schema } = doc.type;
  const insert = schema.marks[SUGGESTION_INSERT];
  const remove = schema.marks[SUGGESTION_DELETE];
  const format = schema.marks[SUGGESTION_FORMAT];
  if (!insert || !remove) return doc;
  const inserted: Array<[number, number]> = [];
  const formatted: Array<[number, number, FormatSet]> = [];
  let any = false;
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    if (insert.isInSet(node.marks)) inserted.push([pos, pos + node.nodeSize]);
    const suggested = format?.isInSet(node.marks);
    if (suggested) formatted.push([pos, pos + node.nodeSize, suggested.attrs.before as FormatSet]);
    if (insert.isInSet(node.marks) || remove.isInSet(node.marks) || suggested) any = true;
  });
  if (!any) return doc;
  const transform = new Transform(doc);
  transform.removeMark(0, doc.content.size, remove);
  for (const [from, to, before] of formatted) restoreFormats(transform, from, to, before);
  // From the end, so the earlier ranges stay where they were.
  for (const [from, to] of inserted.reverse()) transform.delete(from, to);
  return transform.doc;
}

/** Gives the text from `from` to `to` exactly the formatting `before` (a rejected format suggestion, [SG12]); marks move no position. */
export function restoreFormats(transform: Transform, from: number, to: number, before: FormatSet): void {
  const { schema } = transform.doc.type;
  for (const [name, type] of Object.entries(schema.marks)) if (isFormatMark(name)) transform.removeMark(from, to, type);
  for (const [name, attrs] of Object.entries(before ?? {})) {
    const type = schema.marks[name];
    if (type && isFormatMark(name)) transform.addMark(from, to, type.create(attrs));
  }
  if (schema.marks[SUGGESTION_FORMAT]) transform.removeMark(from, to, schema.marks[SUGGESTION_FORMAT]);
}
