import { Plugin, PluginKey } from '@tiptap/pm/state';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';
import { RESTORES_FIELD } from '../../../shared/documentFields';

/**
 * Clears this editor's undo and redo history whenever a version is restored ([U3] in
 * `shared/SCHEMA-RULES.md`): undo does not cross a restore, as in other document editors.
 *
 * A restore is a change by the server that deletes the current content and creates the old
 * content anew. Each user's undo (Yjs' UndoManager, tracking only their own changes) still holds
 * their changes from before it: undoing a deletion the restore already re-created would bring the
 * original back next to the restored copy, and redoing an undone insertion would do the same. The
 * server counts restores in `RESTORES_FIELD` in the restore's own transaction, and only it may
 * write there, so every copy of the document — open at the time, offline and syncing later, in
 * the app, the embed or `<QuireEditor>` — sees the count change exactly when it receives the
 * restore, and never before.
 */
export function undoStopsAtRestore(doc: Y.Doc): Plugin {
  return new Plugin({
    key: new PluginKey('undoStopsAtRestore'),
    view: (view) => {
      const restores = doc.getMap(RESTORES_FIELD);
      // A map's own observers run before the deep observers through which y-tiptap shows the
      // restored body, so the toolbar already sees empty stacks when it re-renders for it.
      const clear = () => yUndoPluginKey.getState(view.state)?.undoManager.clear();
      restores.observe(clear);
      return { destroy: () => restores.unobserve(clear) };
    },
  });
}
