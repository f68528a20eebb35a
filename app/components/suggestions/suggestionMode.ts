import { Extension } from '@tiptap/core';
import type { Mark, MarkType, Node, Slice } from '@tiptap/pm/model';
import { type EditorState, Plugin, PluginKey, TextSelection, type Transaction } from '@tiptap/pm/state';
import { ReplaceStep } from '@tiptap/pm/transform';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { newId } from '../../../shared/comments/threadModel';
import { SUGGESTION_DELETE, SUGGESTION_INSERT, type SuggestionAttributes } from '../../../shared/suggestions/suggestionMarks';

/**
 * Suggesting mode ([SG2]–[SG5] in `shared/suggestions/SUGGESTIONS.md`): while it is on, what the
 * user types is kept as a suggested insertion and what they delete stays in the document as a
 * suggested deletion. The edit happens as usual and an appended transaction turns it into marks
 * in the same dispatch, so only the marked result reaches Yjs (y-tiptap writes the difference
 * between the editor's document and the Y.Doc: formatting on existing text, not a deletion and a
 * new copy). Accepting and rejecting (`acceptSuggestion`, `rejectSuggestion`) change the text as
 * ordinary edits.
 */

/** Who suggests: a token's `sub` and display name. */
export interface Suggester {
  id: string;
  name: string;
}

/** Options of the suggestion mode extension. */
export interface SuggestionModeOptions {
  /** The person whose edits become suggestions (read when an edit is made). */
  user: () => Suggester;
  /** The clock suggestions are dated by (milliseconds since the epoch). */
  now: () => number;
}

const key = new PluginKey<boolean>('suggestionMode');
/** Meta on transactions that must not be turned into suggestions (accepting, rejecting, the plugin's own). */
const BYPASS = 'suggestionModeBypass';

declare module '@tiptap/core' {
  interface Commands<ReturnType> {
    suggestionMode: {
      /** Turns suggesting mode on or off. */
      setSuggesting: (on: boolean) => ReturnType;
      /** Applies suggestion `id`: its insertion becomes plain text, its deletion happens. */
      acceptSuggestion: (id: string) => ReturnType;
      /** Reverts suggestion `id`: its insertion goes, its deleted text stays as plain text. */
      rejectSuggestion: (id: string) => ReturnType;
    };
  }
}

/** True when suggesting mode is on in `state`. */
export function isSuggesting(state: EditorState): boolean {
  return key.getState(state) ?? false;
}

/** Suggesting mode and the accept and reject commands. */
export const SuggestionMode = Extension.create<SuggestionModeOptions>({
  name: 'suggestionMode',
  addOptions() {
    return { user: () => ({ id: 'anonymous', name: 'Anonymous' }), now: () => Date.now() };
  },
  addCommands() {
    return {
      setSuggesting:
        (on) =>
        ({ tr, dispatch }) => {
          if (dispatch) tr.setMeta(key, on);
          return true;
        },
      acceptSuggestion:
        (id) =>
        ({ tr, state, dispatch }) =>
          resolveSuggestion(state, tr, id, 'accept', dispatch !== undefined),
      rejectSuggestion:
        (id) =>
        ({ tr, state, dispatch }) =>
          resolveSuggestion(state, tr, id, 'reject', dispatch !== undefined),
    };
  },
  addProseMirrorPlugins() {
    const options = this.options;
    return [
      new Plugin<boolean>({
        key,
        state: {
          init: () => false,
          apply: (tr, on) => (tr.getMeta(key) as boolean | undefined) ?? on,
        },
        // [SG4] What suggesting cannot express is not done: formatting, attributes and changes of
        // the block structure (a new paragraph, a pasted list).
        filterTransaction: (tr, state) => !suggestible(tr, state) || tr.steps.every((step, i) => isInlineReplace(step, tr.docs[i])),
        appendTransaction: (transactions, oldState, newState) => {
          const tr = transactions.find((one) => suggestible(one, oldState));
          if (!tr || transactions.length !== 1) return null;
          const user = options.user();
          return toSuggestions(tr, oldState, newState, { author: user.id, authorName: user.name, time: options.now() });
        },
      }),
    ];
  },
});

/** A local edit of the text made in suggesting mode (not a remote change, not accept or reject). */
function suggestible(tr: Transaction, state: EditorState): boolean {
  if (!tr.docChanged || !isSuggesting(state) || tr.getMeta(BYPASS)) return false;
  const sync = tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined;
  return !sync?.isChangeOrigin;
}

/** A replacement within one textblock that inserts only inline content. */
function isInlineReplace(step: unknown, doc: Node): boolean {
  if (!(step instanceof ReplaceStep)) return false;
  const { from, to, slice } = step as unknown as { from: number; to: number; slice: Slice };
  if (slice.openStart !== 0 || slice.openEnd !== 0) return false;
  let inline = true;
  slice.content.forEach((node) => {
    if (!node.isInline) inline = false;
  });
  if (!inline) return false;
  const $from = doc.resolve(from);
  const $to = doc.resolve(to);
  if ($from.parent.inlineContent && $from.sameParent($to)) return true;
  // A deletion across blocks is suggested as the deletion of their text (the blocks stay).
  return slice.size === 0;
}

type Stamp = Omit<SuggestionAttributes, 'id'>;

/**
 * The transaction that turns `tr` (already applied, giving `state`) into suggestions: its
 * inserted text gets `suggestionInsert`, its deleted text comes back with `suggestionDelete`,
 * except the author's own suggested insertions, which really go ([SG3]).
 */
function toSuggestions(tr: Transaction, oldState: EditorState, state: EditorState, stamp: Stamp): Transaction | null {
  const out = state.tr;
  out.setMeta(BYPASS, true);
  const insertType = state.schema.marks[SUGGESTION_INSERT];
  const deleteType = state.schema.marks[SUGGESTION_DELETE];
  let cursor: number | null = null;
  tr.steps.forEach((step, index) => {
    const { from, to, slice } = step as unknown as { from: number; to: number; slice: Slice };
    const later = tr.mapping.slice(index + 1);
    if (slice.size > 0) {
      const start = out.mapping.map(later.map(from, 1), 1);
      const end = out.mapping.map(later.map(from + slice.size, -1), -1);
      out.removeMark(start, end, deleteType);
      out.addMark(start, end, insertType.create(joinedAttributes(out.doc, start, end, insertType, stamp)));
      cursor = end;
    }
    if (to > from) {
      const deleted = tr.docs[index].slice(from, to);
      const at = out.mapping.map(later.map(from, -1), -1);
      out.replace(at, at, deleted);
      const end = at + deleted.size;
      const own: Array<[number, number]> = [];
      const others: Array<[number, number]> = [];
      out.doc.nodesBetween(at, end, (node, pos) => {
        if (!node.isText) return;
        const range: [number, number] = [Math.max(pos, at), Math.min(pos + node.nodeSize, end)];
        const inserted = insertType.isInSet(node.marks);
        if (inserted && inserted.attrs.author === stamp.author) own.push(range);
        else if (!deleteType.isInSet(node.marks)) others.push(range);
      });
      const attributes = joinedAttributes(out.doc, at, end, deleteType, stamp);
      for (const [markFrom, markTo] of others) out.addMark(markFrom, markTo, deleteType.create(attributes));
      const marked = out.steps.length;
      // Marks do not move positions; deleting from the end keeps the earlier ranges valid.
      for (const [ownFrom, ownTo] of own.reverse()) out.delete(ownFrom, ownTo);
      const moved = out.mapping.slice(marked);
      // Backspace leaves the cursor before the struck text, Delete after it.
      const backspace = oldState.selection.empty && oldState.selection.head === to && tr.steps.length === 1;
      cursor = backspace ? moved.map(at, -1) : moved.map(end, 1);
    }
  });
  if (cursor !== null) out.setSelection(TextSelection.create(out.doc, Math.min(cursor, out.doc.content.size)));
  return out.docChanged ? out : null;
}

/**
 * The attributes of the author's own suggestion of `type` right before `from` or right after
 * `to`, so that a word typed (or deleted) letter by letter is one suggestion with one mark (same
 * id and time); a new suggestion's otherwise.
 */
function joinedAttributes(doc: Node, from: number, to: number, type: MarkType, stamp: Stamp): SuggestionAttributes {
  const own = (mark: Mark | null | undefined) => (mark && mark.attrs.author === stamp.author ? (mark.attrs as SuggestionAttributes) : null);
  return own(type.isInSet(doc.resolve(from).nodeBefore?.marks ?? [])) ?? own(type.isInSet(doc.resolve(to).nodeAfter?.marks ?? [])) ?? { ...stamp, id: newId() };
}

/**
 * Accepts or rejects suggestion `id` in `tr`: accepting an insertion or rejecting a deletion
 * removes the mark; accepting a deletion or rejecting an insertion deletes the text ([SG6]).
 * False when the document holds no suggestion `id`.
 */
function resolveSuggestion(state: EditorState, tr: Transaction, id: string, how: 'accept' | 'reject', dispatch: boolean): boolean {
  const ranges = suggestionRanges(state.doc, id);
  if (ranges.length === 0) return false;
  if (!dispatch) return true;
  tr.setMeta(BYPASS, true);
  const toDelete: Array<[number, number]> = [];
  for (const range of ranges) {
    const type = state.schema.marks[range.type];
    const keep = (range.type === SUGGESTION_INSERT) === (how === 'accept');
    if (keep) tr.removeMark(range.from, range.to, type);
    else toDelete.push([range.from, range.to]);
  }
  for (const [from, to] of toDelete.reverse()) tr.delete(from, to);
  return true;
}

/** One run of text carrying a suggestion mark. */
export interface SuggestionRange {
  type: typeof SUGGESTION_INSERT | typeof SUGGESTION_DELETE;
  from: number;
  to: number;
  attrs: SuggestionAttributes;
  text: string;
}

/** The runs of text of suggestion `id` (every suggestion when `id` is omitted), in document order, adjacent runs joined. */
export function suggestionRanges(doc: Node, id?: string): SuggestionRange[] {
  const ranges: SuggestionRange[] = [];
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    for (const mark of node.marks) {
      if (mark.type.name !== SUGGESTION_INSERT && mark.type.name !== SUGGESTION_DELETE) continue;
      if (id !== undefined && mark.attrs.id !== id) continue;
      const type = mark.type.name as SuggestionRange['type'];
      const last = ranges.findLast((range) => range.type === type && range.attrs.id === mark.attrs.id);
      if (last && last.to === pos) {
        last.to = pos + node.nodeSize;
        last.text += node.text ?? '';
      } else ranges.push({ type, from: pos, to: pos + node.nodeSize, attrs: mark.attrs as SuggestionAttributes, text: node.text ?? '' });
    }
  });
  return ranges;
}
