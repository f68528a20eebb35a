import type { Editor } from '@tiptap/core';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import { findKey, findNear, setCurrentMatch } from './findPlugin';

/** Makes the match `step` places away (1 next, -1 previous, wrapping) current, and shows it. */
export function moveToMatch(editor: Editor, step: number): void {
  const find = findKey.getState(editor.state);
  if (!find || find.matches.length === 0) return;
  const index = (find.current + step + find.matches.length) % find.matches.length;
  editor.view.dispatch(setCurrentMatch(editor.state.tr, index));
}

/** Replaces the current match and moves on to the next one after it. False when there is none. */
export function replaceCurrent(editor: Editor, replacement: string): boolean {
  const find = findKey.getState(editor.state);
  const match = find?.matches[find.current];
  if (!match || !editor.isEditable) return false;
  const tr = editor.state.tr;
  if (replacement) tr.insertText(replacement, match.from, match.to);
  else tr.delete(match.from, match.to);
  editor.view.dispatch(findNear(tr, match.from + replacement.length));
  return true;
}

/**
 * Replaces every match in one transaction, which is one step of this person's undo: the undo
 * manager (Yjs, per user) is told to close the step before and after, so the replacements are
 * neither merged with typing just before nor with typing just after. Returns how many it replaced.
 */
export function replaceAll(editor: Editor, replacement: string): number {
  const find = findKey.getState(editor.state);
  if (!find || find.matches.length === 0 || !editor.isEditable) return 0;
  const undoManager = yUndoPluginKey.getState(editor.state)?.undoManager;
  undoManager?.stopCapturing();
  const tr = editor.state.tr;
  // From the last to the first, so earlier positions stay valid.
  for (const match of [...find.matches].reverse()) {
    if (replacement) tr.insertText(replacement, match.from, match.to);
    else tr.delete(match.from, match.to);
  }
  editor.view.dispatch(tr);
  undoManager?.stopCapturing();
  return find.matches.length;
}
