import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SuggestionMode, suggestionRanges } from '../../app/components/suggestions/suggestionMode';
import { BODY_FIELD } from '../../shared/documentFields';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { type TiptapClient, tiptapClient } from '../../testing/tiptapClient';
import { waitFor } from '../../testing/waitFor';

/**
 * Suggestions through real Hocuspocus providers and real Tiptap editors: a commenter suggests
 * ([SG7]), the server takes it, an editor sees the suggestion and accepts or rejects it ([SG6]).
 */

const DOC = 'suggestion-editors';
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
const liveText = () => live().getXmlFragment(BODY_FIELD).toString();

describe('suggestions between editors and commenters', () => {
  it('[SG7] [SG6] a commenter suggests through a real provider; an editor sees it and accepts and rejects it', async () => {
    const owner = await open('owner', 'editor');
    owner.editor.commands.setContent('<p>Hello world</p>');
    await owner.saved();
    const commenter = await open('carol', 'commenter');
    await waitFor(() => commenter.editor.getText() === 'Hello world', { message: 'the text at the commenter' });

    commenter.editor.commands.setSuggesting(true);
    commenter.editor.commands.setTextSelection(7);
    commenter.editor.view.dispatch(commenter.editor.state.tr.insertText('big '));
    commenter.editor.commands.setTextSelection({ from: 1, to: 7 });
    commenter.editor.view.dispatch(commenter.editor.state.tr.deleteSelection());
    // Acknowledged: the server applied and stored it.
    await commenter.saved();
    await waitFor(() => suggestionRanges(owner.editor.state.doc).length === 2, { message: 'both suggestions at the owner' });
    const [deletion, insertion] = suggestionRanges(owner.editor.state.doc);
    expect([deletion.type, deletion.text, deletion.attrs.author]).toEqual(['suggestionDelete', 'Hello ', 'carol']);
    expect([insertion.type, insertion.text, insertion.attrs.author]).toEqual(['suggestionInsert', 'big ', 'carol']);
    expect(liveText()).toContain('suggestionInsert');

    owner.editor.commands.acceptSuggestion(deletion.attrs.id);
    owner.editor.commands.rejectSuggestion(insertion.attrs.id);
    await owner.saved();
    expect(liveText()).toBe('<paragraph>world</paragraph>');
    await waitFor(() => commenter.editor.getText() === 'world', { message: 'the outcome at the commenter' });

    // Outside suggesting mode a commenter's typing is not applied ([CM9]).
    commenter.editor.commands.setSuggesting(false);
    commenter.editor.commands.setTextSelection(1);
    commenter.editor.view.dispatch(commenter.editor.state.tr.insertText('EVIL '));
    owner.editor.commands.setTextSelection(1);
    owner.editor.view.dispatch(owner.editor.state.tr.insertText('Fine '));
    await owner.saved();
    await waitFor(() => liveText().includes('Fine'), { message: "the owner's edit on the server" });
    expect(liveText()).not.toContain('EVIL');
  });
});
