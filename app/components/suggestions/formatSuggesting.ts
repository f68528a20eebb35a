import type { Node } from '@tiptap/pm/model';
import { Selection, type Transaction } from '@tiptap/pm/state';
import { AddMarkStep, RemoveMarkStep } from '@tiptap/pm/transform';
import { newId } from '../../../shared/comments/threadModel';
import { type FormatSet, formatsOf, isFormatMark, sameFormats } from '../../../shared/suggestions/formatSuggestion';
import { SUGGESTION_FORMAT, type SuggestionAttributes } from '../../../shared/suggestions/suggestionMarks';

/**
 * Formatting in Suggesting mode ([SG12] in `shared/suggestions/SUGGESTIONS.md`): an edit that
 * only adds or removes formatting marks (bold, a colour, a link…) is applied with
 * `suggestionFormat` on the text it changes, recording the formatting the text had, so that
 * rejecting it puts exactly that back.
 */

type Stamp = Omit<SuggestionAttributes, 'id'>;

/** An edit made only of adding and removing formatting marks. */
export function isFormatShape(tr: Transaction): boolean {
  return (
    tr.steps.length > 0 &&
    tr.steps.every((step) => (step instanceof AddMarkStep || step instanceof RemoveMarkStep) && isFormatMark((step as AddMarkStep).mark.type.name))
  );
}

/** The range of `doc`'s text a formatting edit's steps cover. */
function stepRange(tr: Transaction): [number, number] {
  let from = Number.POSITIVE_INFINITY;
  let to = 0;
  for (const step of tr.steps as AddMarkStep[]) {
    from = Math.min(from, step.from);
    to = Math.max(to, step.to);
  }
  return [from, to];
}

/**
 * `tr` (a formatting edit made on `before`) as a format suggestion by `stamp.author`, written into
 * `out` (a transaction on `before`): the same formatting, and over each text whose formatting
 * changed, `suggestionFormat` recording what it was. Text already carrying the author's own format
 * suggestion keeps it (and what it recorded); where the formatting is back to what that recorded,
 * the suggestion is withdrawn. Null when the edit touches someone else's format suggestion (the
 * edit is then not made).
 */
export function toFormatSuggestion(tr: Transaction, before: Node, stamp: Stamp, out: Transaction): Transaction | null {
  const type = before.type.schema.marks[SUGGESTION_FORMAT];
  const [from, to] = stepRange(tr);
  let foreign = false;
  before.nodesBetween(from, to, (node) => {
    const suggested = node.isText ? type.isInSet(node.marks) : undefined;
    if (suggested && suggested.attrs.author !== stamp.author) foreign = true;
  });
  if (foreign) return null;
  for (const step of tr.steps) out.step(step);
  const after = out.doc;
  const id = newId();
  const changes: Array<{ from: number; to: number; mark: 'add' | 'remove'; before: FormatSet }> = [];
  before.nodesBetween(from, to, (oldNode, oldPos) => {
    if (!oldNode.isText) return;
    const oldFrom = Math.max(oldPos, from);
    const oldTo = Math.min(oldPos + oldNode.nodeSize, to);
    const own = type.isInSet(oldNode.marks);
    const base = own ? (own.attrs.before as FormatSet) : formatsOf(oldNode.marks);
    after.nodesBetween(oldFrom, oldTo, (newNode, newPos) => {
      if (!newNode.isText) return;
      const piece = { from: Math.max(newPos, oldFrom), to: Math.min(newPos + newNode.nodeSize, oldTo) };
      const now = formatsOf(newNode.marks);
      if (sameFormats(now, base)) {
        if (own) changes.push({ ...piece, mark: 'remove', before: base });
      } else if (!own && !sameFormats(now, formatsOf(oldNode.marks))) {
        changes.push({ ...piece, mark: 'add', before: base });
      }
    });
  });
  for (const change of changes) {
    if (change.mark === 'remove') out.removeMark(change.from, change.to, type);
    else out.addMark(change.from, change.to, type.create({ ...stamp, id, before: change.before }));
  }
  out.setSelection(Selection.fromJSON(out.doc, tr.selection.toJSON()));
  if (tr.storedMarksSet) out.setStoredMarks(tr.storedMarks);
  if (tr.scrolledIntoView) out.scrollIntoView();
  return out;
}
