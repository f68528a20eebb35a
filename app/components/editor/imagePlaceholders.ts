import { type EditorState, Plugin, PluginKey, type Transaction } from '@tiptap/pm/state';
import { Decoration, DecorationSet } from '@tiptap/pm/view';
import { absolutePositionToRelativePosition, relativePositionToAbsolutePosition, ySyncPluginKey } from '@tiptap/y-tiptap';
import type * as Y from 'yjs';

/**
 * Where images being uploaded will go. A placeholder is a decoration, shown only on this device:
 * nothing is written to the document (others never see a broken image) until the upload is stored
 * and the image is inserted where the placeholder stands then. Its place follows every edit: local
 * ones through the transaction's mapping, and other people's through a Yjs relative position,
 * because the sync binding replaces the whole editor document when a remote change arrives.
 */

/** One upload's placeholder. */
interface Placeholder {
  id: string;
  pos: number;
  /** The same place in the Yjs body, which survives other people's edits. */
  anchor: Y.RelativePosition | null;
  label: string;
  progress: number;
}

type Action = { add: { id: string; pos: number; label: string } } | { progress: { id: string; fraction: number } } | { remove: string };

export const imagePlaceholderKey = new PluginKey<Placeholder[]>('imagePlaceholders');

/** The plugin keeping and drawing the placeholders. */
export function imagePlaceholders(): Plugin<Placeholder[]> {
  return new Plugin<Placeholder[]>({
    key: imagePlaceholderKey,
    state: {
      init: () => [],
      apply: (tr, placeholders, _before, after) => {
        let next = tr.docChanged ? placeholders.map((placeholder) => moved(placeholder, tr, after)) : placeholders;
        const action = tr.getMeta(imagePlaceholderKey) as Action | undefined;
        if (action && 'add' in action) {
          const pos = Math.min(action.add.pos, after.doc.content.size);
          next = [...next, { ...action.add, pos, anchor: anchorAt(after, pos), progress: 0 }];
        } else if (action && 'progress' in action) {
          next = next.map((placeholder) => (placeholder.id === action.progress.id ? { ...placeholder, progress: action.progress.fraction } : placeholder));
        } else if (action && 'remove' in action) {
          next = next.filter((placeholder) => placeholder.id !== action.remove);
        }
        return next;
      },
    },
    props: {
      decorations: (state) => {
        const placeholders = imagePlaceholderKey.getState(state) ?? [];
        return DecorationSet.create(
          state.doc,
          placeholders.map((placeholder) =>
            Decoration.widget(placeholder.pos, () => widget(placeholder), { key: `${placeholder.id}:${Math.round(placeholder.progress * 20)}`, side: -1 }),
          ),
        );
      },
    },
  });
}

/** The transaction that adds a placeholder for upload `id` at `pos`. */
export function addPlaceholder(tr: Transaction, id: string, pos: number, label: string): Transaction {
  return tr.setMeta(imagePlaceholderKey, { add: { id, pos, label } } satisfies Action);
}

/** The transaction that shows `fraction` of upload `id` sent. */
export function placeholderProgress(tr: Transaction, id: string, fraction: number): Transaction {
  return tr.setMeta(imagePlaceholderKey, { progress: { id, fraction } } satisfies Action).setMeta('addToHistory', false);
}

/** The transaction that removes placeholder `id`. */
export function removePlaceholder(tr: Transaction, id: string): Transaction {
  return tr.setMeta(imagePlaceholderKey, { remove: id } satisfies Action).setMeta('addToHistory', false);
}

/** Where placeholder `id` stands now, or null when it is gone. */
export function placeholderPos(state: EditorState, id: string): number | null {
  return imagePlaceholderKey.getState(state)?.find((placeholder) => placeholder.id === id)?.pos ?? null;
}

/** `placeholder` after `tr`: mapped through a local edit, found again by its anchor after a remote one. */
function moved(placeholder: Placeholder, tr: Transaction, after: EditorState): Placeholder {
  const remote = (tr.getMeta(ySyncPluginKey) as { isChangeOrigin?: boolean } | undefined)?.isChangeOrigin;
  const sync = ySyncPluginKey.getState(after);
  if (remote && placeholder.anchor && sync?.binding) {
    const found = relativePositionToAbsolutePosition(sync.doc, sync.type, placeholder.anchor, sync.binding.mapping);
    if (found !== null) return { ...placeholder, pos: Math.min(found, after.doc.content.size) };
  }
  return { ...placeholder, pos: Math.min(tr.mapping.map(placeholder.pos), after.doc.content.size) };
}

/**
 * The Yjs position of `pos`, or null without collaboration. A relative position stays right through
 * every later edit, anyone's, so it is taken once: when the placeholder is added, by a transaction
 * that changes nothing else (the sync binding's mapping then describes the document as it is).
 */
function anchorAt(state: EditorState, pos: number): Y.RelativePosition | null {
  const sync = ySyncPluginKey.getState(state);
  if (!sync?.binding) return null;
  try {
    return absolutePositionToRelativePosition(pos, sync.type, sync.binding.mapping);
  } catch {
    return null;
  }
}

function widget(placeholder: Placeholder): HTMLElement {
  const element = document.createElement('span');
  element.className = 'image-placeholder';
  element.setAttribute('role', 'status');
  element.contentEditable = 'false';
  const percent = Math.round(placeholder.progress * 100);
  element.textContent = `Uploading ${placeholder.label}… ${percent}%`;
  return element;
}
