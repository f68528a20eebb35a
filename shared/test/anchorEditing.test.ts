import type { Editor } from '@tiptap/core';
import { yUndoPluginKey } from '@tiptap/y-tiptap';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { anchorAt, Comments, commentsPluginKey } from '../../app/components/comments/commentsExtension';
import { localEditor } from '../../testing/tiptapClient';
import { mappingOf, resolveAnchor } from '../comments/anchors';
import { readThreads } from '../comments/threadModel';
import { createThread } from '../comments/threadWrites';
import { bodyNode } from '../conversion';
import { BODY_FIELD } from '../documentFields';

/**
 * Anchors through an editor's own edits ([AN2], [AN4], [AN5], [AN9] of `shared/comments/COMMENTS.md`):
 * a real Tiptap editor with the app's binding and comments extension, and a second copy of the
 * document that receives every change as a peer would. Each check reads the anchor in the peer's
 * copy, so it holds for everyone, not only in the editor that made the edit.
 */

let cleanup: Array<() => void> = [];
afterEach(() => {
  for (const step of cleanup.reverse()) step();
  cleanup = [];
});

function setup(paragraphs: string[]): { editor: Editor; doc: Y.Doc; peer: Y.Doc } {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment(BODY_FIELD);
  body.insert(
    0,
    paragraphs.map((text) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(text)]);
      return paragraph;
    }),
  );
  const peer = new Y.Doc();
  Y.applyUpdate(peer, Y.encodeStateAsUpdate(doc));
  doc.on('update', (update: Uint8Array, origin: unknown) => {
    if (origin !== peer) Y.applyUpdate(peer, update, doc);
  });
  const { editor, destroy } = localEditor(doc, undefined, [Comments.configure({ onActivate: () => undefined })]);
  cleanup.push(() => {
    destroy();
    doc.destroy();
    peer.destroy();
  });
  return { editor, doc, peer };
}

/** A thread on the first occurrence of `quote` in the editor's document; returns its id. */
async function comment(editor: Editor, doc: Y.Doc, quote: string): Promise<string> {
  let from = -1;
  editor.state.doc.descendants((node, pos) => {
    if (from === -1 && node.isText && node.text?.includes(quote)) from = pos + (node.text?.indexOf(quote) ?? 0);
  });
  const anchor = anchorAt(editor.state, from, from + quote.length);
  if (!anchor) throw new Error('the editor has no collaboration binding');
  const { threadId } = createThread(doc, { id: 'ann', name: 'Ann' }, { ...anchor, quote, text: 'a comment' });
  await settled();
  return threadId;
}

/** The extension shows thread changes after the Yjs transaction (a microtask). */
const settled = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** The text thread `id` covers in `doc` (paragraphs joined with "|"), or null on deleted text. */
function coveredIn(doc: Y.Doc, id: string): string | null {
  const thread = readThreads(doc).find((entry) => entry.id === id);
  if (!thread) throw new Error(`no thread ${id}`);
  const body = bodyNode(doc);
  const fragment = doc.getXmlFragment(BODY_FIELD);
  const range = resolveAnchor(doc, fragment, mappingOf(fragment, body), thread.start, thread.end, body);
  return range ? body.textBetween(range.from, range.to, '|') : null;
}

/** The text the editor highlights for thread `id`, or null. */
function highlighted(editor: Editor, id: string): string | null {
  const range = commentsPluginKey.getState(editor.state)?.ranges.get(id);
  return range ? editor.state.doc.textBetween(range.from, range.to, '|') : null;
}

/** The position in the editor's document right after the first occurrence of `text`. */
function endOf(editor: Editor, text: string): number {
  let at = -1;
  editor.state.doc.descendants((node, pos) => {
    if (at === -1 && node.isText && node.text?.includes(text)) at = pos + (node.text?.indexOf(text) ?? 0) + text.length;
  });
  if (at === -1) throw new Error(`"${text}" is not in the document`);
  return at;
}

/** Starts a new undo step (the undo manager merges edits made close together). */
const newUndoStep = (editor: Editor) => yUndoPluginKey.getState(editor.state)?.undoManager.stopCapturing();

describe('anchors through edits', () => {
  it('[AN2] text typed right before or right after the range stays outside; text typed inside it joins it', async () => {
    const { editor, doc, peer } = setup(['The quick brown fox']);
    const id = await comment(editor, doc, 'brown');
    editor.chain().insertContentAt(endOf(editor, 'quick '), 'X').run();
    editor.chain().insertContentAt(endOf(editor, 'brown'), 'Y').run();
    editor.chain().insertContentAt(endOf(editor, 'bro'), 'Z').run();
    await settled();
    expect(editor.state.doc.textContent).toBe('The quick XbroZwnY fox');
    expect(coveredIn(peer, id)).toBe('broZwn');
    expect(highlighted(editor, id)).toBe('broZwn');
  });

  it('[AN4] [AN9] a split inside the range keeps both parts covered, for the peer too; undo and redo take the anchor with the text; a join brings it back to one paragraph', async () => {
    const { editor, doc, peer } = setup(['The quick brown fox', 'Another paragraph']);
    const id = await comment(editor, doc, 'quick brown');
    newUndoStep(editor);
    editor.chain().setTextSelection(endOf(editor, 'quick br')).splitBlock().run();
    await settled();
    expect(editor.getText({ blockSeparator: '|' })).toBe('The quick br|own fox|Another paragraph');
    expect(coveredIn(peer, id)).toBe('quick br|own');
    expect(highlighted(editor, id)).toBe('quick br|own');

    newUndoStep(editor);
    editor.commands.undo();
    await settled();
    expect(editor.getText({ blockSeparator: '|' })).toBe('The quick brown fox|Another paragraph');
    expect(coveredIn(peer, id)).toBe('quick brown');
    expect(highlighted(editor, id)).toBe('quick brown');

    editor.commands.redo();
    await settled();
    expect(editor.getText({ blockSeparator: '|' })).toBe('The quick br|own fox|Another paragraph');
    expect(coveredIn(peer, id)).toBe('quick br|own');
    expect(highlighted(editor, id)).toBe('quick br|own');
    editor.commands.undo();
    await settled();
    expect(coveredIn(peer, id)).toBe('quick brown');
    editor.commands.redo();
    await settled();
    expect(coveredIn(peer, id)).toBe('quick br|own');

    // Joining the two parts again (Backspace at the start of the second).
    newUndoStep(editor);
    editor
      .chain()
      .setTextSelection(endOf(editor, 'quick br') + 2)
      .joinBackward()
      .run();
    await settled();
    expect(editor.getText({ blockSeparator: '|' })).toBe('The quick brown fox|Another paragraph');
    expect(coveredIn(peer, id)).toBe('quick brown');
  });

  it('[AN4] joining the paragraph before the range onto it keeps the range on its text', async () => {
    const { editor, doc, peer } = setup(['First part', 'then the commented words here']);
    const id = await comment(editor, doc, 'commented words');
    editor
      .chain()
      .setTextSelection(endOf(editor, 'First part') + 2)
      .joinBackward()
      .run();
    await settled();
    expect(editor.getText({ blockSeparator: '|' })).toBe('First partthen the commented words here');
    expect(coveredIn(peer, id)).toBe('commented words');
  });

  it('[AN5] [AN9] all of its text deleted: the thread stays, on deleted text, with its quote; undoing the deletion covers the text again', async () => {
    const { editor, doc, peer } = setup(['Keep this, drop that, keep the rest']);
    const id = await comment(editor, doc, 'drop that');
    newUndoStep(editor);
    const end = endOf(editor, 'drop that');
    editor
      .chain()
      .deleteRange({ from: end - 'drop that'.length, to: end })
      .run();
    await settled();
    expect(editor.state.doc.textContent).toBe('Keep this, , keep the rest');
    expect(coveredIn(peer, id)).toBeNull();
    expect(highlighted(editor, id)).toBeNull();
    expect(readThreads(peer).find((thread) => thread.id === id)?.quote).toBe('drop that');

    newUndoStep(editor);
    editor.commands.undo();
    await settled();
    expect(coveredIn(peer, id)).toBe('drop that');
    expect(highlighted(editor, id)).toBe('drop that');
  });
});
