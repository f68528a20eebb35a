import type { Editor } from '@tiptap/core';
import { afterEach, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentSchema } from '../../../../shared/conversion';
import { BODY_FIELD } from '../../../../shared/documentFields';
import { withoutSuggestions } from '../../../../shared/suggestions/withoutSuggestions';
import { localEditor } from '../../../../testing/tiptapClient';
import { TolerantCollaboration } from '../../editor/tolerantCollaboration';
import { SuggestionMode, suggestionRanges } from '../suggestionMode';

/**
 * Formatting in Suggesting mode ([SG12] of shared/suggestions/SUGGESTIONS.md) in real Tiptap
 * editors bound to a Y.Doc: what the suggestion records, withdrawing it, someone else's, and
 * rejecting and accepting it.
 */

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

function editorOn(doc: Y.Doc, user = { id: 'ann', name: 'Ann' }): Editor {
  const { editor, destroy } = localEditor(doc, TolerantCollaboration, [SuggestionMode.configure({ user: () => user, now: () => 1_700_000_000_000 })]);
  cleanups.push(destroy);
  return editor;
}

function seeded(html: string): Y.Doc {
  const doc = new Y.Doc();
  const seed = localEditor(doc);
  seed.editor.commands.setContent(html);
  seed.destroy();
  return doc;
}

/** The first paragraph's formatting in the Y.Doc, run by run: text and mark names (a format suggestion with what it recorded). */
function yRuns(doc: Y.Doc): string[] {
  const text = (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
  return (text.toDelta() as Array<{ insert: string; attributes?: Record<string, { before?: object }> }>).map(({ insert, attributes = {} }) => {
    const names = Object.keys(attributes).map((name) => (name === 'suggestionFormat' ? `suggested(${JSON.stringify(attributes[name].before)})` : name));
    return names.length > 0 ? `${insert}:${names.sort().join('+')}` : insert;
  });
}

describe('formatting while suggesting', () => {
  it('[SG12] bold over partly italic text records each part’s formatting; rejecting puts exactly that back', () => {
    const doc = seeded('<p>ab<em>cd</em>ef</p>');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.chain().setTextSelection({ from: 2, to: 6 }).toggleBold().run();
    expect(yRuns(doc)).toEqual(['a', 'b:bold+suggested({})', 'cd:bold+italic+suggested({"italic":{}})', 'e:bold+suggested({})', 'f']);
    const [range] = suggestionRanges(editor.state.doc);
    expect(range.changes).toEqual(['Bold']);
    editor.commands.rejectSuggestion(range.attrs.id);
    expect(yRuns(doc)).toEqual(['ab', 'cd:italic', 'ef']);
  });

  it('[SG12] accepting keeps the new formatting; undoing the formatting by hand withdraws the suggestion', () => {
    const doc = seeded('<p><strong>bold</strong> plain</p>');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.chain().setTextSelection({ from: 1, to: 5 }).toggleBold().run();
    expect(yRuns(doc)).toEqual(['bold:suggested({"bold":{}})', ' plain']);
    expect(suggestionRanges(editor.state.doc)[0].changes).toEqual(['Not bold']);
    editor.chain().setTextSelection({ from: 1, to: 5 }).toggleBold().run();
    expect(yRuns(doc)).toEqual(['bold:bold', ' plain']);

    editor.chain().setTextSelection({ from: 6, to: 11 }).setColor('#e03131').setHighlight({ color: '#fff2cc' }).run();
    // One edit, one suggestion, one card saying both.
    expect(suggestionRanges(editor.state.doc).map((range) => [range.text, range.changes])).toEqual([['plain', ['Text colour: #e03131', 'Highlight: #fff2cc']]]);
    editor.commands.acceptAllSuggestions();
    expect(yRuns(doc)).toEqual(['bold:bold', ' ', 'plain:highlight+textStyle']);
  });

  it('[SG12] [SG4] formatting over someone else’s format suggestion is not made', () => {
    const doc = seeded('<p>shared</p>');
    const ann = editorOn(doc);
    ann.commands.setSuggesting(true);
    ann.chain().setTextSelection({ from: 1, to: 7 }).toggleItalic().run();
    const bob = editorOn(doc, { id: 'bob', name: 'Bob' });
    bob.commands.setSuggesting(true);
    bob.chain().setTextSelection({ from: 1, to: 7 }).toggleBold().run();
    expect(yRuns(doc)).toEqual(['shared:italic+suggested({})']);
  });

  it('[SG12] [SG9] exports show formatting as it was before the suggestion', () => {
    const doc = seeded('<p>word</p>');
    const editor = editorOn(doc);
    editor.commands.setSuggesting(true);
    editor.chain().setTextSelection({ from: 1, to: 5 }).toggleUnderline().setLink({ href: 'https://example.com' }).run();
    const node = documentSchema().nodeFromJSON(editor.getJSON());
    expect(withoutSuggestions(node).toJSON().content[0].content).toEqual([{ type: 'text', text: 'word' }]);
  });
});
