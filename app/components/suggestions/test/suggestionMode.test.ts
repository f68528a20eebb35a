import type { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { readThreads } from '../../../../shared/comments/threadModel';
import { createThread } from '../../../../shared/comments/threadWrites';
import { BODY_FIELD } from '../../../../shared/documentFields';
import { localEditor } from '../../../../testing/tiptapClient';
import { anchorAt, Comments, commentsPluginKey } from '../../comments/commentsExtension';
import { TolerantCollaboration } from '../../editor/tolerantCollaboration';
import { SuggestionMode, suggestionRanges } from '../suggestionMode';

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function editorOn(doc: Y.Doc, user = { id: 'ann', name: 'Ann' }): Editor {
  // A clock that moves on every edit, as a person's typing does.
  let clock = 1_700_000_000_000;
  const { editor, destroy } = localEditor(doc, TolerantCollaboration, [
    Comments.configure({ onActivate: () => undefined }),
    SuggestionMode.configure({ user: () => user, now: () => clock++ }),
  ]);
  cleanups.push(destroy);
  return editor;
}

function type(editor: Editor, text: string): void {
  for (const char of text) editor.view.dispatch(editor.state.tr.insertText(char));
}

/** What Backspace does: deletes the selection, or the character before the cursor. */
function backspace(editor: Editor): void {
  const { from, to, empty } = editor.state.selection;
  editor.view.dispatch(editor.state.tr.delete(empty ? from - 1 : from, to));
}

/** The body's text with suggestions shown as [+inserted+] and [-deleted-], read from the Y.Doc. */
function yText(doc: Y.Doc): string {
  const parts: string[] = [];
  for (const paragraph of doc.getXmlFragment(BODY_FIELD).toArray()) {
    const text = (paragraph as Y.XmlElement).firstChild as Y.XmlText | null;
    for (const op of (text?.toDelta() ?? []) as Array<{ insert: string; attributes?: Record<string, unknown> }>) {
      const a = op.attributes ?? {};
      parts.push(a.suggestionInsert ? `[+${op.insert}+]` : a.suggestionDelete ? `[-${op.insert}-]` : op.insert);
    }
    parts.push('|');
  }
  return parts.join('');
}

function seeded(text: string): Y.Doc {
  const doc = new Y.Doc();
  const seed = localEditor(doc);
  seed.editor.commands.setContent(`<p>${text}</p>`);
  seed.destroy();
  return doc;
}

describe('suggesting mode', () => {
  it('[SG2] typed text becomes a suggested insertion by its author, in the Y.Doc', () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(7);
    type(editor, 'big ');
    expect(yText(doc)).toBe('Hello [+big +]world|');
    const [range] = suggestionRanges(editor.state.doc);
    expect(range).toMatchObject({ type: 'suggestionInsert', text: 'big ', attrs: { author: 'ann', authorName: 'Ann', time: 1_700_000_000_000 } });
    // One word typed letter by letter is one suggestion, one mark, dated by its first letter.
    expect(suggestionRanges(editor.state.doc)).toHaveLength(1);
    expect(editor.state.doc.firstChild?.childCount).toBe(3);
  });

  it('[SG2] editing mode writes text as before', () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    editor.commands.setTextSelection(7);
    type(editor, 'big ');
    expect(yText(doc)).toBe('Hello big world|');
  });

  it('[SG3] deleted text stays, struck through, without new Yjs items or deletions', () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    const updates: Uint8Array[] = [];
    doc.on('update', (update: Uint8Array) => updates.push(update));
    editor.commands.setTextSelection({ from: 1, to: 7 });
    backspace(editor);
    expect(yText(doc)).toBe('[-Hello -]world|');
    for (const update of updates) {
      const decoded = Y.decodeUpdate(update);
      expect(decoded.ds.clients.size).toBe(0);
      // Only formatting was added: no new characters.
      expect(decoded.structs.every((struct) => !(struct instanceof Y.Item) || struct.content instanceof Y.ContentFormat)).toBe(true);
    }
    // A deleted selection leaves the cursor after the struck text, where what is typed replaces it.
    expect(editor.state.selection.from).toBe(7);
  });

  it('[SG3] Backspace strikes the letter before the cursor and moves over it', () => {
    const doc = seeded('Hello');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(6);
    backspace(editor);
    backspace(editor);
    expect(yText(doc)).toBe('Hel[-lo-]|');
    expect(suggestionRanges(editor.state.doc)).toHaveLength(1);
  });

  it("[SG3] deleting one's own suggested insertion removes it for real", () => {
    const doc = seeded('Hello');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(6);
    type(editor, ' you');
    backspace(editor);
    backspace(editor);
    expect(yText(doc)).toBe('Hello[+ y+]|');
  });

  it("[SG3] deleting someone else's suggested insertion suggests its deletion", () => {
    const doc = seeded('Hello');
    const ann = editorOn(doc);
    ann.commands.setSuggesting(true);
    ann.commands.setTextSelection(6);
    type(ann, '!');
    const bob = editorOn(doc, { id: 'bob', name: 'Bob' });
    bob.commands.setSuggesting(true);
    bob.commands.setTextSelection(7);
    backspace(bob);
    const ranges = suggestionRanges(bob.state.doc);
    expect(ranges.map((range) => [range.type, range.attrs.author, range.text])).toEqual([
      ['suggestionInsert', 'ann', '!'],
      ['suggestionDelete', 'bob', '!'],
    ]);
  });

  it('[SG4] a new paragraph and block attributes (alignment) are not made in suggesting mode', () => {
    const doc = seeded('Hello');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(3);
    editor.commands.splitBlock();
    editor.commands.setTextAlign('center');
    editor.commands.setHeading({ level: 1 });
    expect(editor.getJSON().content).toEqual([{ type: 'paragraph', attrs: { indent: null, textAlign: null }, content: [{ type: 'text', text: 'Hello' }] }]);
  });

  it('[SG6] accepting applies a suggestion, rejecting reverts it', () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(12);
    type(editor, '!');
    editor.commands.setTextSelection({ from: 1, to: 7 });
    backspace(editor);
    const [deletion, insertion] = suggestionRanges(editor.state.doc);
    expect(yText(doc)).toBe('[-Hello -]world[+!+]|');
    editor.commands.setSuggesting(false);
    expect(editor.commands.acceptSuggestion(deletion.attrs.id)).toBe(true);
    expect(yText(doc)).toBe('world[+!+]|');
    expect(editor.commands.rejectSuggestion(insertion.attrs.id)).toBe(true);
    expect(yText(doc)).toBe('world|');
    expect(editor.commands.acceptSuggestion(insertion.attrs.id)).toBe(false);
  });

  it('[SG6] accepting an insertion keeps its text; rejecting a deletion keeps its text, in suggesting mode too', () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection(12);
    type(editor, '!');
    editor.commands.setTextSelection({ from: 1, to: 7 });
    backspace(editor);
    const [deletion, insertion] = suggestionRanges(editor.state.doc);
    editor.commands.acceptSuggestion(insertion.attrs.id);
    editor.commands.rejectSuggestion(deletion.attrs.id);
    expect(yText(doc)).toBe('Hello world!|');
  });

  it('[SG6] accept all and reject all resolve every suggestion, of every author, in one edit', () => {
    const suggest = () => {
      const doc = seeded('Hello world');
      const ann = editorOn(doc);
      const bob = editorOn(doc, { id: 'bob', name: 'Bob' });
      ann.commands.setSuggesting(true);
      ann.commands.setTextSelection(7);
      type(ann, 'big ');
      ann.commands.setTextSelection({ from: 1, to: 7 });
      backspace(ann);
      // Bob suggests deleting part of Ann's suggested insertion: that text carries both marks.
      bob.commands.setSuggesting(true);
      bob.commands.setTextSelection({ from: 7, to: 10 });
      backspace(bob);
      expect(suggestionRanges(bob.state.doc).map((range) => [range.type, range.text, range.attrs.author])).toEqual([
        ['suggestionDelete', 'Hello ', 'ann'],
        ['suggestionInsert', 'big ', 'ann'],
        ['suggestionDelete', 'big', 'bob'],
      ]);
      return { doc, ann, bob };
    };
    const accepted = suggest();
    let edits = 0;
    accepted.ann.on('transaction', ({ transaction }) => {
      if (transaction.docChanged) edits++;
    });
    expect(accepted.ann.commands.acceptAllSuggestions()).toBe(true);
    expect(edits).toBe(1);
    expect(yText(accepted.doc)).toBe(' world|');
    expect(accepted.bob.getText()).toBe(' world');
    expect(suggestionRanges(accepted.bob.state.doc)).toEqual([]);
    expect(accepted.ann.commands.acceptAllSuggestions()).toBe(false);

    const rejected = suggest();
    expect(rejected.bob.commands.rejectAllSuggestions()).toBe(true);
    expect(yText(rejected.doc)).toBe('Hello world|');
    expect(suggestionRanges(rejected.ann.state.doc)).toEqual([]);
    expect(rejected.bob.commands.rejectAllSuggestions()).toBe(false);
  });

  it('[SG3] a comment on text deleted as a suggestion stays on that text, in the editor and in the Y.Doc', async () => {
    const doc = seeded('Hello world');
    const editor = editorOn(doc);
    const anchor = anchorAt(editor.state, 1, 6);
    if (!anchor) throw new Error('no collaboration binding');
    const { threadId } = createThread(doc, { id: 'ann', name: 'Ann' }, { ...anchor, quote: 'Hello', text: 'a comment' });
    await new Promise((resolve) => setTimeout(resolve, 0));
    const before = readThreads(doc).find((thread) => thread.id === threadId);
    editor.commands.setSuggesting(true);
    editor.commands.setTextSelection({ from: 1, to: 7 });
    backspace(editor);
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(yText(doc)).toBe('[-Hello -]world|');
    const range = commentsPluginKey.getState(editor.state)?.ranges.get(threadId);
    expect(range && editor.state.doc.textBetween(range.from, range.to)).toBe('Hello');
    // The anchor was not rewritten.
    expect(readThreads(doc).find((thread) => thread.id === threadId)?.start).toEqual(before?.start);
  });
});
