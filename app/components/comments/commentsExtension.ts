import { Extension } from '@tiptap/core';
import { type EditorState, Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet, type EditorView } from '@tiptap/pm/view';
import { ySyncPluginKey, yUndoPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { mergeDeleteSets, type UndoManager } from 'yjs';
import { encodeAnchor, type NodeMapping, type ResolvedRange, redoneAnchorPosition, resolveAnchor } from '../../../shared/comments/anchors';
import { commentsMap, isEmptyThread, readThread, readThreads } from '../../../shared/comments/threadModel';
import { setAnchor, threadMap } from '../../../shared/comments/threadWrites';

/**
 * Comment highlights in the editor: each open thread's anchor, resolved to a ProseMirror range,
 * shown as an inline decoration (never a mark: the body is not touched), recomputed when the
 * threads change or a remote change arrives, and mapped through local edits in between, so typing
 * costs a mapping, not a resolution per thread. Clicking a highlight activates its thread.
 *
 * An editor's own split or join of a paragraph moves text into new Yjs items, where the old
 * relative positions cannot follow; the editor that made the change knows where the text went
 * (the transaction's mapping) and moves the anchor there, in the same undo step as the edit
 * ([AN4] of `shared/comments/COMMENTS.md`).
 */

export interface CommentsOptions {
  /** Called when a highlight is clicked (null: clicked elsewhere). */
  onActivate: (threadId: string | null) => void;
}

/** What the plugin knows: each thread's range now (null: on deleted text), the active thread, the decorations. */
export interface CommentsState {
  ranges: Map<string, ResolvedRange>;
  active: string | null;
  decorations: DecorationSet;
  /** Bumped on every recomputation from the anchors, for views that follow. */
  version: number;
}

export const commentsPluginKey = new PluginKey<CommentsState>('comments');

/** Meta on a transaction that asks for a recomputation (threads changed) or sets the active thread. */
type CommentsMeta = { recompute: true } | { active: string | null };

/** Asks the plugin to recompute from the anchors (after the threads changed). */
export function refreshComments(view: EditorView): void {
  view.dispatch(view.state.tr.setMeta(commentsPluginKey, { recompute: true } satisfies CommentsMeta).setMeta('addToHistory', false));
}

/** Makes `threadId` the active thread (its highlight stronger). */
export function activateThread(view: EditorView, threadId: string | null): void {
  view.dispatch(view.state.tr.setMeta(commentsPluginKey, { active: threadId } satisfies CommentsMeta).setMeta('addToHistory', false));
}

/** The Y document, body and mapping of the editor's collaboration binding, or null before it exists. */
export function bindingOf(state: EditorState): { doc: Y.Doc; fragment: Y.XmlFragment; mapping: NodeMapping } | null {
  const binding = ySyncPluginKey.getState(state)?.binding;
  if (!binding) return null;
  return { doc: binding.doc, fragment: binding.type, mapping: binding.mapping as NodeMapping };
}

/** The anchor of `from`–`to` in the editor's document. */
export function anchorAt(state: EditorState, from: number, to: number): { start: Uint8Array; end: Uint8Array } | null {
  const binding = bindingOf(state);
  return binding ? encodeAnchor(binding.doc, binding.fragment, binding.mapping, from, to) : null;
}

function compute(state: EditorState, active: string | null, version: number): CommentsState {
  const binding = bindingOf(state);
  const ranges = new Map<string, ResolvedRange>();
  const decorations: Decoration[] = [];
  if (binding) {
    for (const thread of readThreads(binding.doc)) {
      if (thread.status !== 'open' || isEmptyThread(thread)) continue;
      const range = resolveAnchor(binding.doc, binding.fragment, binding.mapping, thread.start, thread.end, state.doc);
      ranges.set(thread.id, range);
      if (range && range.to <= state.doc.content.size) decorations.push(decorationOf(thread.id, range, active));
    }
  }
  return { ranges, active, decorations: DecorationSet.create(state.doc, decorations), version };
}

function decorationOf(id: string, range: { from: number; to: number }, active: string | null): Decoration {
  return Decoration.inline(
    range.from,
    range.to,
    { class: id === active ? 'comment-anchor comment-anchor-active' : 'comment-anchor', 'data-thread-id': id },
    { threadId: id },
  );
}

function isRemote(tr: Transaction): boolean {
  return Boolean(tr.getMeta(ySyncPluginKey)?.isChangeOrigin);
}

export const Comments = Extension.create<CommentsOptions>({
  name: 'comments',

  addOptions() {
    return { onActivate: () => undefined };
  },

  addProseMirrorPlugins() {
    const options = this.options;
    // The regions local edits changed since the view last looked (several transactions may be
    // applied at once: a command and those appended to it), in positions of the newest document.
    let changed: Array<[number, number]> = [];
    return [
      new Plugin<CommentsState>({
        key: commentsPluginKey,
        state: {
          init: (_, state) => compute(state, null, 0),
          apply: (tr, value, _old, state) => {
            const meta = tr.getMeta(commentsPluginKey) as CommentsMeta | undefined;
            const active = meta && 'active' in meta ? meta.active : value.active;
            if ((meta && 'recompute' in meta) || (tr.docChanged && isRemote(tr)) || active !== value.active) {
              return compute(state, active, value.version + 1);
            }
            if (!tr.docChanged) return value;
            // A local edit: positions move with the mapping; anchors are checked after Yjs has it.
            const ranges = new Map<string, ResolvedRange>();
            for (const [id, range] of value.ranges) {
              if (!range) {
                ranges.set(id, null);
                continue;
              }
              const from = tr.mapping.map(range.from, 1);
              const to = tr.mapping.map(range.to, -1);
              ranges.set(id, from < to ? { from, to } : null);
            }
            changed = changed.map(([from, to]) => [tr.mapping.map(from, -1), tr.mapping.map(to, 1)]);
            tr.mapping.maps.forEach((map, index) => {
              map.forEach((_oldStart, _oldEnd, newStart, newEnd) => {
                const rest = tr.mapping.slice(index + 1);
                changed.push([rest.map(newStart, -1), rest.map(newEnd, 1)]);
              });
            });
            return { ...value, ranges, decorations: value.decorations.map(tr.mapping, tr.doc) };
          },
        },
        props: {
          decorations: (state) => commentsPluginKey.getState(state)?.decorations,
          handleClick: (view, pos) => {
            const found = commentsPluginKey.getState(view.state)?.decorations.find(pos, pos, (spec) => Boolean(spec.threadId));
            options.onActivate(found && found.length > 0 ? (found[found.length - 1].spec.threadId as string) : null);
            return false;
          },
        },
        view: () => ({
          update: (view) => {
            const regions = changed;
            changed = [];
            if (regions.length > 0 && view.editable) moveBrokenAnchors(view, regions);
          },
        }),
      }),
    ];
  },

  onCreate() {
    const binding = bindingOf(this.editor.state);
    if (!binding) return;
    // Anchors moved with an edit are undone and redone with it ([AN4]); text an undo or redo
    // brings back is new Yjs items, which only this client can follow: anchors on it are written
    // on those items for everyone ([AN9]).
    const undoManager = yUndoPluginKey.getState(this.editor.state)?.undoManager;
    undoManager?.addToScope(commentsMap(binding.doc));
    const followRedone = () => {
      if (undoManager && this.editor.isEditable) anchorRedoneText(binding.doc, undoManager);
    };
    undoManager?.on('stack-item-popped', followRedone);
    // Any change to the threads (someone's new thread, an anchor moved by the editor that split a
    // paragraph) is shown at once; after the Yjs transaction, outside any view update.
    const editor = this.editor;
    let queued = false;
    const changed = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        if (!editor.isDestroyed) refreshComments(editor.view);
      });
    };
    commentsMap(binding.doc).observeDeep(changed);
    this.storage.unobserve = () => {
      commentsMap(binding.doc).unobserveDeep(changed);
      undoManager?.off('stack-item-popped', followRedone);
    };
    // Threads that arrived before the observer existed (the editor is created after its document loaded).
    changed();
  },

  addStorage() {
    return { unobserve: () => undefined } as { unobserve: () => void };
  },

  onDestroy() {
    this.storage.unobserve();
  },
});

/**
 * After a local edit reached Yjs: a thread whose mapped range still holds text but whose anchor
 * no longer resolves to it (its text moved into new items: a split or join of its paragraph) is
 * anchored again to where the mapping says the text is.
 */
function moveBrokenAnchors(view: EditorView, changed: Array<[number, number]>): void {
  const state = commentsPluginKey.getState(view.state);
  const binding = bindingOf(view.state);
  if (!state || !binding) return;
  // y-tiptap writes a changed paragraph's text again when a paragraph is split or joined: every
  // thread in a paragraph the edit touched may have lost its items, not only those next to it.
  const { doc } = view.state;
  const size = doc.content.size;
  const blocks = changed.map(([from, to]): [number, number] => {
    const $from = doc.resolve(Math.max(0, Math.min(from, size)));
    const $to = doc.resolve(Math.max(0, Math.min(to, size)));
    return [$from.depth > 0 ? $from.start() : from, $to.depth > 0 ? $to.end() : to];
  });
  const moves: Array<{ id: string; start: Uint8Array; end: Uint8Array }> = [];
  for (const [id, range] of state.ranges) {
    if (!range) continue;
    // Only threads in the paragraphs the edit touched can have lost their text's items.
    if (!blocks.some(([from, to]) => from <= range.to + 1 && to >= range.from - 1)) continue;
    // Only the threads there are read (reading all of them on every keystroke cost 3 ms with 200).
    const map = threadMap(binding.doc, id);
    if (!map) continue;
    const thread = readThread(id, map);
    const now = resolveAnchor(binding.doc, binding.fragment, binding.mapping, thread.start, thread.end, view.state.doc);
    if (now && now.from === range.from && now.to === range.to) continue;
    const anchor = encodeAnchor(binding.doc, binding.fragment, binding.mapping, range.from, range.to);
    moves.push({ id, ...anchor });
  }
  if (moves.length === 0) return;
  // The same origin as the edit, so the undo manager takes both in one step.
  binding.doc.transact(() => {
    for (const move of moves) setAnchor(binding.doc, move.id, move.start, move.end);
  }, ySyncPluginKey);
}

/**
 * Writes every anchor tied to text an undo or redo brought back (as new items) on those items
 * ([AN9]). Called while `undoManager` undoes or redoes: the write joins the step it just put on
 * the other stack, so the next redo or undo takes it back with that step.
 */
function anchorRedoneText(doc: Y.Doc, undoManager: UndoManager): void {
  const moves: Array<{ id: string; start: Uint8Array; end: Uint8Array }> = [];
  for (const thread of readThreads(doc)) {
    const start = redoneAnchorPosition(doc, thread.start, 0);
    const end = redoneAnchorPosition(doc, thread.end, -1);
    if ((start || end) && thread.start && thread.end) moves.push({ id: thread.id, start: start ?? thread.start, end: end ?? thread.end });
  }
  if (moves.length === 0) return;
  const stack = undoManager.undoing ? undoManager.redoStack : undoManager.undoStack;
  const before = stack.length;
  doc.transact(() => {
    for (const move of moves) setAnchor(doc, move.id, move.start, move.end);
  }, undoManager);
  if (stack.length === before + 1 && before > 0) {
    const write = stack.pop() as (typeof stack)[number];
    const step = stack[stack.length - 1];
    step.insertions = mergeDeleteSets([step.insertions, write.insertions]);
    step.deletions = mergeDeleteSets([step.deletions, write.deletions]);
  }
}
