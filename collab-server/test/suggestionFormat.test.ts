import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { SuggestionMode, suggestionRanges } from '../../app/components/suggestions/suggestionMode';
import { BODY_FIELD, SUGGESTION_AUTHORS_FIELD } from '../../shared/documentFields';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { type TiptapClient, tiptapClient } from '../../testing/tiptapClient';
import { waitFor } from '../../testing/waitFor';

/**
 * Format suggestions ([SG12] of shared/suggestions/SUGGESTIONS.md) through real Hocuspocus
 * providers and real Tiptap editors: a commenter's format suggestion is taken ([SG7]), their
 * direct formatting is not, and an editor rejects and accepts format suggestions for everyone.
 */

const DOC = 'suggestion-format';
let server: TestServer;
const clients: TiptapClient[] = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.stop({ removeData: true });
});

async function open(sub: string, role: 'editor' | 'commenter'): Promise<TiptapClient> {
  const token = await server.token({ doc: DOC, sub, name: sub.toUpperCase(), role });
  const client = tiptapClient(server.hocuspocusUrl, DOC, token, [SuggestionMode.configure({ user: () => ({ id: sub, name: sub.toUpperCase() }) })]);
  clients.push(client);
  await client.synced();
  return client;
}

const live = () => {
  const doc = server.server.hocuspocus.documents.get(DOC);
  if (!doc) throw new Error(`${DOC} is not loaded`);
  return doc;
};
/** The first paragraph's text of the server's live document as a Yjs delta. */
const liveDelta = () =>
  ((live().getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText).toDelta() as Array<{ insert: string; attributes?: Record<string, unknown> }>;
/** The formatting of the run holding `word` in the server's live document, suggestion marks by name only. */
const liveMarksOf = (word: string) => {
  const run = liveDelta().find((op) => op.insert.includes(word));
  return run?.attributes ?? {};
};

describe('format suggestions between commenters and editors', () => {
  it('[SG12] [SG7] a commenter bolds and colours words while suggesting; the server takes it, an editor rejects one exactly and accepts the other; the commenter withdraws their own', async () => {
    const owner = await open('owner', 'editor');
    owner.editor.commands.setContent('<p>alpha <em>beta</em> gamma</p>');
    await owner.saved();
    const commenter = await open('carol', 'commenter');
    await waitFor(() => commenter.editor.getText() === 'alpha beta gamma', { message: 'the text at the commenter' });

    commenter.editor.commands.setSuggesting(true);
    // "alpha" is 1–6, "beta" 7–11 (italic), "gamma" 12–17.
    commenter.editor.chain().setTextSelection({ from: 1, to: 6 }).toggleBold().run();
    commenter.editor.chain().setTextSelection({ from: 7, to: 11 }).setColor('#e03131').run();
    await commenter.saved();

    await waitFor(() => suggestionRanges(owner.editor.state.doc).length === 2, { message: 'both format suggestions at the owner' });
    const [bold, colour] = suggestionRanges(owner.editor.state.doc);
    expect([bold.type, bold.text, bold.attrs.author, bold.attrs.before, bold.changes]).toEqual(['suggestionFormat', 'alpha', 'carol', {}, ['Bold']]);
    expect([colour.text, colour.attrs.before, colour.changes]).toEqual(['beta', { italic: {} }, ['Text colour: #e03131']]);
    // On the server: the new formatting, with the suggestion recording the old, by the commenter.
    expect(liveMarksOf('alpha')).toMatchObject({ bold: {}, suggestionFormat: { author: 'carol', before: {} } });
    expect(liveMarksOf('beta')).toMatchObject({ italic: {}, textStyle: { color: '#e03131' }, suggestionFormat: { author: 'carol', before: { italic: {} } } });
    expect(live().getMap(SUGGESTION_AUTHORS_FIELD).get(bold.attrs.id)).toMatchObject({ author: 'carol' });

    owner.editor.commands.rejectSuggestion(colour.attrs.id);
    owner.editor.commands.acceptSuggestion(bold.attrs.id);
    await owner.saved();
    expect(liveMarksOf('beta')).toEqual({ italic: {} });
    expect(liveMarksOf('alpha')).toEqual({ bold: {} });
    await waitFor(() => suggestionRanges(commenter.editor.state.doc).length === 0, { message: 'the outcome at the commenter' });
    expect(commenter.editor.getHTML()).toBe('<p><strong>alpha</strong> <em>beta</em> gamma</p>');

    // The commenter withdraws a format suggestion of their own ([SG6]): the server takes it.
    commenter.editor.chain().setTextSelection({ from: 12, to: 17 }).toggleUnderline().run();
    await commenter.saved();
    expect(liveMarksOf('gamma')).toMatchObject({ underline: {}, suggestionFormat: { author: 'carol', before: {} } });
    const [underline] = suggestionRanges(commenter.editor.state.doc);
    commenter.editor.commands.rejectSuggestion(underline.attrs.id);
    await commenter.saved();
    expect(liveMarksOf('gamma')).toEqual({});
  });

  it('[SG7] [SG12] a commenter’s direct formatting, and a format suggestion recording the wrong formatting, are dropped', async () => {
    const owner = await open('owner2', 'editor');
    owner.editor.commands.setContent('<p>one two three</p>');
    await owner.saved();
    const commenter = await open('dora', 'commenter');
    await waitFor(() => commenter.editor.getText() === 'one two three', { message: 'the text at the commenter' });

    // Not suggesting: bold is applied in the commenter's editor only.
    commenter.editor.chain().setTextSelection({ from: 1, to: 4 }).toggleBold().run();
    // Another commenter's hand-made format suggestion whose record claims the text was italic (rejecting it would make it so).
    const forger = await open('erin', 'commenter');
    const text = (forger.doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
    const stamp = { id: 'forged-before', author: 'erin', authorName: 'ERIN', time: 1 };
    text.format(4, 3, { bold: {}, suggestionFormat: { ...stamp, before: { italic: {} } } });

    owner.editor.chain().setTextSelection(14).insertContent(' four').run();
    await owner.saved();
    await waitFor(() => liveDelta().some((op) => op.insert.includes('four')), { message: "the owner's edit on the server" });
    expect(liveDelta()).toEqual([{ insert: 'one two three four' }]);
    expect(live().getMap(SUGGESTION_AUTHORS_FIELD).has('forged-before')).toBe(false);
  });
});
