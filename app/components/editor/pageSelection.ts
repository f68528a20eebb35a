import { Extension } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import { Plugin, PluginKey, TextSelection } from '@tiptap/pm/state';
import type { EditorView } from '@tiptap/pm/view';
import type * as Y from 'yjs';

/** Options of the page selection extension. */
export interface PageSelectionOptions {
  /** The document the editor is bound to: the page's selection is read before each remote change. */
  document: Y.Doc | null;
}

/**
 * Makes the editor take the selection the page shows before it acts on its own: before it
 * handles a key, once the browser moved the selection for one, before a remote change and before
 * any other update of the editor.
 *
 * The browser moves the selection itself for arrow keys, Home and End (with Shift too) and tells
 * the page in a `selectionchange` event queued as an ordinary task; ProseMirror reads the
 * selection only then. The browser handles input events first, and a remote change or a timer
 * (remote carets, comment highlights) can run in between, so all of them can come before that
 * event. A key pressed quickly then acted on the selection the editor last read (Backspace
 * deleted, or while suggesting struck, a shorter selection; a deletion was taken for Delete
 * instead of Backspace), and any update of the editor put the page's selection back where it was
 * read (y-tiptap restores the editor's selection after a remote change), undoing keys already
 * shown, so typing went on elsewhere.
 */
export const PageSelection = Extension.create<PageSelectionOptions>({
  name: 'pageSelection',
  addOptions() {
    return { document: null };
  },
  // An update changing neither the text nor the selection (remote carets, comment highlights)
  // carries the selection it was made with; it gets the page's instead.
  dispatchTransaction({ transaction, next }) {
    // Only one made on the document the page shows: positions on the page are positions in it.
    const onShownDocument = transaction.before === this.editor.state.doc;
    if (onShownDocument && !transaction.docChanged && !transaction.selectionSet && transaction.selection instanceof TextSelection) {
      const shown = shownSelection(this.editor.view, transaction.doc);
      if (shown && !shown.eq(transaction.selection)) transaction.setSelection(shown);
    }
    next(transaction);
  },
  addProseMirrorPlugins() {
    const document = this.options.document;
    return [
      new Plugin({
        key: new PluginKey('pageSelection'),
        props: {
          handleDOMEvents: {
            focus: (view) => {
              focusedAt.set(view, performance.now());
              return false;
            },
            keydown: readOnKey,
            keyup: readOnKey,
          },
        },
        view: (view) => {
          if (!document) return {};
          // y-tiptap keeps the editor's selection when a transaction starts and restores it after
          // the change: the editor takes the page's first (y-tiptap's own update then records it).
          const beforeRemoteChange = (doc: Y.Doc) => {
            if (!doc._transaction || doc._transaction.local || !(view.state.selection instanceof TextSelection)) return;
            const shown = shownSelection(view, view.state.doc);
            if (shown && !shown.eq(view.state.selection)) view.dispatch(view.state.tr.setSelection(shown));
          };
          document.on('beforeAllTransactions', beforeRemoteChange);
          return { destroy: () => document.off('beforeAllTransactions', beforeRemoteChange) };
        },
      }),
    ];
  },
});

/**
 * When each editor last received focus. Right after it, the page's selection is the browser's
 * default (the start of the editor) until ProseMirror puts its own back (it waits 20 ms for the
 * browser to settle), so the page's selection means nothing then and is not taken.
 */
const focusedAt = new WeakMap<EditorView, number>();
const FOCUS_SETTLE_MS = 150;

/** True while the editor has focus and the page's selection in it is the person's own. */
function settled(view: EditorView): boolean {
  if (view.isDestroyed || view.composing || !view.hasFocus()) return false;
  return performance.now() - (focusedAt.get(view) ?? Number.NEGATIVE_INFINITY) >= FOCUS_SETTLE_MS;
}

/** Has ProseMirror read the page's selection (through the event it waits for, so its own rules apply). */
function readOnKey(view: EditorView, event: KeyboardEvent): boolean {
  // During composition the input method owns the selection; ProseMirror reads it when it ends.
  if (!event.isComposing && settled(view)) view.dom.ownerDocument.dispatchEvent(new Event('selectionchange'));
  return false;
}

/**
 * The text selection the page shows in the editor, in `doc` (the document the page shows), or
 * null when the editor lacks focus, has just received it, or the page's selection is not a text
 * selection in it.
 */
function shownSelection(view: EditorView, doc: Node): TextSelection | null {
  if (!settled(view)) return null;
  const selection = view.dom.ownerDocument.getSelection();
  const { anchorNode, focusNode } = selection ?? {};
  if (!selection || !anchorNode || !focusNode || !view.dom.contains(anchorNode) || !view.dom.contains(focusNode)) return null;
  try {
    const anchor = doc.resolve(view.posAtDOM(anchorNode, selection.anchorOffset));
    const head = doc.resolve(view.posAtDOM(focusNode, selection.focusOffset));
    if (!anchor.parent.inlineContent || !head.parent.inlineContent) return null;
    return new TextSelection(anchor, head);
  } catch {
    // Not a position of the document (inside a widget being redrawn): leave the selection as it is.
    return null;
  }
}
