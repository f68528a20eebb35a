import { Extension } from '@tiptap/core';
import type { Mark, MarkType, Node, Slice } from '@tiptap/pm/model';
import { type EditorState, Plugin, PluginKey, TextSelection, type Transaction } from '@tiptap/pm/state';
import { ReplaceStep } from '@tiptap/pm/transform';
import { ySyncPluginKey } from '@tiptap/y-tiptap';
import { newId } from '../../../shared/comments/threadModel';
import { type FormatSet, formatChanges, formatsOf } from '../../../shared/suggestions/formatSuggestion';
import { SUGGESTION_DELETE, SUGGESTION_FORMAT, SUGGESTION_INSERT, type SuggestionAttributes } from '../../../shared/suggestions/suggestionMarks';
import { restoreFormats } from '../../../shared/suggestions/withoutSuggestions';
import { isFormatShape, toFormatSuggestion } from './formatSuggesting';

/**
 * Suggesting mode ([SG2]–[SG5] in `shared/suggestions/SUGGESTIONS.md`): while it is on, what the
 * user types is kept as a suggested insertion and what they delete stays in the document as a
 * suggested deletion. Each edit is replaced by its suggestion before it is applied, so the
 * deleted text never leaves the editor's document (comment anchors and decorations stay on it)
 * and only the new text and the formatting reach Yjs. Accepting and rejecting
 * (`acceptSuggestion`, `rejectSuggestion`) change the text as ordinary edits.
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
      /** Applies every suggestion of the document, in one edit. */
      acceptAllSuggestions: () => ReturnType;
      /** Reverts every suggestion of the document, in one edit. */
      rejectAllSuggestions: () => ReturnType;
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
      acceptAllSuggestions:
        () =>
        ({ tr, state, dispatch }) =>
          resolveSuggestion(state, tr, undefined, 'accept', dispatch !== undefined),
      rejectAllSuggestions:
        () =>
        ({ tr, state, dispatch }) =>
          resolveSuggestion(state, tr, undefined, 'reject', dispatch !== undefined),
    };
  },
  // The edit is turned into its suggestion before it is applied, so no plugin ever sees the
  // deleted text go (comment anchors, carets and decorations stay on it).
  dispatchTransaction({ transaction, next }) {
    const state = this.editor.state;
    if (!suggestible(transaction, state) || transaction.before !== state.doc) return next(transaction);
    const user = this.options.user();
    const stamp = { author: user.id, authorName: user.name, time: this.options.now() };
    if (isSuggestibleShape(transaction)) return next(toSuggestion(transaction, state, stamp));
    // [SG12] Formatting becomes a format suggestion (or, over someone else's, is not made: [SG4]).
    if (isFormatShape(transaction)) return next(toFormatSuggestion(transaction, state.doc, stamp, suggestionTransaction(transaction, state)) ?? transaction);
    next(transaction);
  },
  addProseMirrorPlugins() {
    return [
      new Plugin<boolean>({
        key,
        state: {
          init: () => false,
          apply: (tr, on) => (tr.getMeta(key) as boolean | undefined) ?? on,
        },
        // [SG4] What suggesting cannot express is not done: attributes and changes of the block
        // structure (a new paragraph, a pasted list), formatting over someone else's format suggestion.
        filterTransaction: (tr, state) => !suggestible(tr, state) || isSuggestibleShape(tr),
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

/** One replacement within a textblock inserting only inline content: what suggesting turns into marks. */
function isSuggestibleShape(tr: Transaction): boolean {
  return tr.steps.length === 1 && isInlineReplace(tr.steps[0], tr.docs[0]);
}

/**
 * The suggestion `tr` (one inline replacement, made on `state`) stands for, as a transaction on
 * `state`: what it inserts goes after what it deletes, with `suggestionInsert`; what it deletes
 * stays, with `suggestionDelete`, except the author's own suggested insertions, which really go
 * ([SG2], [SG3]).
 */
function toSuggestion(tr: Transaction, state: EditorState, stamp: Stamp): Transaction {
  const { from, to, slice } = tr.steps[0] as unknown as { from: number; to: number; slice: Slice };
  const out = suggestionTransaction(tr, state);
  const insertType = state.schema.marks[SUGGESTION_INSERT];
  const deleteType = state.schema.marks[SUGGESTION_DELETE];
  let cursor = to;
  if (slice.size > 0) {
    out.replace(to, to, slice);
    const end = to + slice.size;
    out.removeMark(to, end, deleteType);
    out.addMark(to, end, insertType.create(joinedAttributes(out.doc, to, end, insertType, stamp)));
    cursor = end;
  }
  if (to > from) {
    const own: Array<[number, number]> = [];
    const others: Array<[number, number]> = [];
    out.doc.nodesBetween(from, to, (node, pos) => {
      if (!node.isText) return;
      const range: [number, number] = [Math.max(pos, from), Math.min(pos + node.nodeSize, to)];
      const inserted = insertType.isInSet(node.marks);
      if (inserted && inserted.attrs.author === stamp.author) own.push(range);
      else if (!deleteType.isInSet(node.marks)) others.push(range);
    });
    const attributes = joinedAttributes(out.doc, from, to, deleteType, stamp);
    for (const [markFrom, markTo] of others) out.addMark(markFrom, markTo, deleteType.create(attributes));
    const marked = out.steps.length;
    // Marks do not move positions; deleting from the end keeps the earlier ranges valid.
    for (const [ownFrom, ownTo] of own.reverse()) out.delete(ownFrom, ownTo);
    const moved = out.mapping.slice(marked);
    // Backspace leaves the cursor before the struck text (the next one strikes the character
    // before it); Delete, a deleted selection and typing over one leave it after.
    const backspace = slice.size === 0 && state.selection.empty && state.selection.head === to;
    cursor = backspace ? moved.map(from, -1) : moved.map(cursor, 1);
  }
  out.setSelection(TextSelection.create(out.doc, Math.min(cursor, out.doc.content.size)));
  if (tr.scrolledIntoView) out.scrollIntoView();
  return out;
}

/** A transaction on `state` carrying `tr`'s meta, which suggesting mode lets through as it is. */
function suggestionTransaction(tr: Transaction, state: EditorState): Transaction {
  const out = state.tr;
  for (const [name, value] of Object.entries((tr as unknown as { meta: Record<string, unknown> }).meta)) out.setMeta(name, value);
  return out.setMeta(BYPASS, true);
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
 * Accepts or rejects suggestion `id` (every suggestion when `id` is undefined) in `tr`: accepting
 * an insertion or rejecting a deletion removes the mark; accepting a deletion or rejecting an
 * insertion deletes the text ([SG6]). False when the document holds no such suggestion.
 */
function resolveSuggestion(state: EditorState, tr: Transaction, id: string | undefined, how: 'accept' | 'reject', dispatch: boolean): boolean {
  const ranges = suggestionRanges(state.doc, id);
  if (ranges.length === 0) return false;
  if (!dispatch) return true;
  tr.setMeta(BYPASS, true);
  const toDelete: Array<[number, number]> = [];
  for (const range of ranges) {
    const type = state.schema.marks[range.type];
    // [SG12] Accepting keeps the new formatting; rejecting puts back exactly what it recorded.
    if (range.type === SUGGESTION_FORMAT) {
      if (how === 'accept') tr.removeMark(range.from, range.to, type);
      else restoreFormats(tr, range.from, range.to, range.attrs.before ?? {});
      continue;
    }
    const keep = (range.type === SUGGESTION_INSERT) === (how === 'accept');
    if (keep) tr.removeMark(range.from, range.to, type.create(range.attrs));
    else toDelete.push([range.from, range.to]);
  }
  // Marks do not move positions; the deletions are mapped through each other (text carrying both
  // an insertion and a deletion is in two ranges).
  for (const [from, to] of toDelete) tr.delete(tr.mapping.map(from), tr.mapping.map(to));
  return true;
}

/** One run of text carrying a suggestion mark. */
export interface SuggestionRange {
  type: typeof SUGGESTION_INSERT | typeof SUGGESTION_DELETE | typeof SUGGESTION_FORMAT;
  from: number;
  to: number;
  /** A format suggestion's also say what formatting its text had ([SG12]). */
  attrs: SuggestionAttributes & { before?: FormatSet };
  text: string;
  /** What a format suggestion changes ("Bold", "Text colour: #e03131"), for its card. */
  changes: string[];
}

/** The runs of text of suggestion `id` (every suggestion when `id` is omitted), in document order, adjacent runs with the same mark joined. */
export function suggestionRanges(doc: Node, id?: string): SuggestionRange[] {
  const ranges: SuggestionRange[] = [];
  doc.descendants((node, pos) => {
    if (!node.isText) return;
    for (const mark of node.marks) {
      if (mark.type.name !== SUGGESTION_INSERT && mark.type.name !== SUGGESTION_DELETE && mark.type.name !== SUGGESTION_FORMAT) continue;
      if (id !== undefined && mark.attrs.id !== id) continue;
      const type = mark.type.name as SuggestionRange['type'];
      const last = ranges.findLast((range) => range.type === type && range.attrs.id === mark.attrs.id);
      const changes = type === SUGGESTION_FORMAT ? formatChanges(mark.attrs.before ?? {}, formatsOf(node.marks)) : [];
      if (last && last.to === pos && mark.eq(mark.type.create(last.attrs))) {
        last.to = pos + node.nodeSize;
        last.text += node.text ?? '';
        for (const change of changes) if (!last.changes.includes(change)) last.changes.push(change);
      } else ranges.push({ type, from: pos, to: pos + node.nodeSize, attrs: mark.attrs as SuggestionRange['attrs'], text: node.text ?? '', changes });
    }
  });
  return ranges;
}
