import type { Node } from '@tiptap/pm/model';
import { Transform } from '@tiptap/pm/transform';
import { SUGGESTION_DELETE, SUGGESTION_INSERT } from './suggestionMarks';

/**
 * `doc` as if every suggestion were rejected ([SG9] in `shared/suggestions/SUGGESTIONS.md`):
 * suggested insertions left out, suggested deletions kept as plain text. What HTML, Markdown and
 * text exports show; `doc` itself when it holds no suggestion.
 */
export function withoutSuggestions(doc: Node): Node {
  const insert = doc.type.schema.marks[SUGGESTION_INSERT];
  const remove = doc.type.schema.marks[SUGGESTION_DELETE];
  if (!insert || !remove) return doc;
  const inserted: Array<[number, number]> = [];
  let any = false;
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    if (insert.isInSet(node.marks)) inserted.push([pos, pos + node.nodeSize]);
    if (insert.isInSet(node.marks) || remove.isInSet(node.marks)) any = true;
  });
  if (!any) return doc;
  const transform = new Transform(doc);
  transform.removeMark(0, doc.content.size, remove);
  // From the end, so the earlier ranges stay where they were.
  for (const [from, to] of inserted.reverse()) transform.delete(from, to);
  return transform.doc;
}
