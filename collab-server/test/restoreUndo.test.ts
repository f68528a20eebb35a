import { WebSocketStatus } from '@hocuspocus/provider';
import type { Editor } from '@tiptap/core';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { BODY_FIELD, RESTORE_COUNT_KEY, RESTORES_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import { apiRequest } from '../../testing/apiRequest';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { type TiptapClient, tiptapClient } from '../../testing/tiptapClient';
import { waitFor } from '../../testing/waitFor';

/**
 * Undo across a restore ([U1]–[U3] in `shared/SCHEMA-RULES.md`): a restore re-creates what
 * people deleted, so undoing their deletion afterwards would bring it back twice. The server
 * counts every restore in the restore's own transaction; editors (real Tiptap editors with the
 * app's collaboration extension, over real providers) clear their undo history when they see
 * it, whether they were online, offline, or had edits the server had not received yet.
 */

let server: TestServer;
let open: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  server = await startTestServer({ config: { historyIdleMs: 60_000, historyMaxIntervalMs: 60_000 } });
});

afterEach(() => {
  for (const client of open) client.destroy();
  open = [];
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const request = (method: string, path: string, options?: Parameters<typeof apiRequest>[3]) => apiRequest(server.httpUrl, method, path, options);
const admin = () => server.token({ doc: '*', role: 'admin', sub: 'backend', name: 'Backend' });

/** Creates `name` with one paragraph per entry of `paragraphs` and names that state as version 1. */
async function documentWithVersion(name: string, paragraphs: string[]): Promise<void> {
  const body = { name, title: 'Notes', content: paragraphs.join('\n\n'), format: 'markdown' };
  expect((await request('POST', '/api/docs', { token: await admin(), body })).status).toBe(201);
  const named = await request('POST', `/api/docs/${name}/versions`, { token: await admin(), body: { label: 'Start' } });
  expect(named.json).toMatchObject({ id: 1 });
}

async function restore(name: string, id: number): Promise<void> {
  const restored = await request('POST', `/api/docs/${name}/versions/${id}/restore`, { token: await server.token({ doc: name, sub: 'restorer' }) });
  expect(restored.status).toBe(200);
}

async function editor(name: string, sub: string): Promise<TiptapClient> {
  const client = tiptapClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub, name: sub }));
  open.push(client);
  await client.synced();
  return client;
}

/** The body's paragraphs as text. */
const paragraphsOf = (editor: Editor): string[] => editor.state.doc.children.map((block) => block.textContent);

/** The editor position range of the first occurrence of `text` (inside one text node). */
function rangeOf(editor: Editor, text: string): { from: number; to: number } {
  let found: { from: number; to: number } | null = null;
  editor.state.doc.descendants((node, position) => {
    const at = found || !node.isText ? -1 : (node.text ?? '').indexOf(text);
    if (at >= 0) found = { from: position + at, to: position + at + text.length };
    return !found;
  });
  if (!found) throw new Error(`"${text}" is not in the document: ${JSON.stringify(paragraphsOf(editor))}`);
  return found;
}

const deleteText = (client: TiptapClient, text: string) => client.editor.commands.deleteRange(rangeOf(client.editor, text));
const appendParagraph = (client: TiptapClient, text: string) =>
  client.editor.commands.insertContentAt(client.editor.state.doc.content.size, { type: 'paragraph', content: [{ type: 'text', text }] });

/** Presses undo, then redo, `times` times each, and returns the paragraphs after every press. */
function undoRedo(client: TiptapClient, times = 4): string[][] {
  const seen: string[][] = [];
  for (const command of ['undo', 'redo'] as const) {
    for (let i = 0; i < times; i++) {
      // A new stack item each time, as for a person pressing the keys one by one.
      client.editor.commands[command]();
      seen.push(paragraphsOf(client.editor));
    }
  }
  return seen;
}

function goOffline(client: HocuspocusClient): void {
  client.provider.configuration.websocketProvider.disconnect();
}

async function goOnline(client: HocuspocusClient): Promise<void> {
  const websocket = client.provider.configuration.websocketProvider;
  await waitFor(() => websocket.status === WebSocketStatus.Disconnected, { message: 'the socket to close' });
  await websocket.connect();
  await client.saved();
}

describe('[U1] the server counts every restore, in the restore itself', () => {
  it('[U1] a restore through the content API changes body, title and count in one transaction that every editor receives', async () => {
    await documentWithVersion('counted', ['First text.']);
    const watcher = hocuspocusClient(server.hocuspocusUrl, 'counted', await server.token({ doc: 'counted', sub: 'watcher' }));
    open.push(watcher);
    await watcher.synced();
    watcher.doc.transact(() => {
      watcher.doc.getText(TITLE_FIELD).insert(5, ' (draft)');
      const paragraph = watcher.doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement;
      (paragraph.get(0) as Y.XmlText).insert(0, 'Changed. ');
    });
    await watcher.saved();

    const counting: Array<{ body: boolean; title: boolean }> = [];
    // Defined before the restore arrives, as the editor does (an undefined root is read as another type).
    const restores = watcher.doc.getMap(RESTORES_FIELD);
    const changed = (types: Map<unknown, unknown>, type: unknown) => types.has(type);
    watcher.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (!changed(transaction.changed, restores)) return;
      counting.push({
        body: changed(transaction.changedParentTypes, watcher.doc.getXmlFragment(BODY_FIELD)),
        title: changed(transaction.changed, watcher.doc.getText(TITLE_FIELD)),
      });
    });
    await restore('counted', 1);
    await waitFor(() => counting.length === 1, { message: 'the restore to reach the watcher' });
    expect(counting).toEqual([{ body: true, title: true }]);
    expect(restores.get(RESTORE_COUNT_KEY)).toBe(1);
    await restore('counted', 1);
    await waitFor(() => counting.length === 2, { message: 'the second restore to reach the watcher' });
    expect(restores.get(RESTORE_COUNT_KEY)).toBe(2);
  });
});

describe('[U3] undo does not cross a restore', () => {
  it('[U3] editors online at the restore: undo and redo change nothing of the restored document, then undo only what came after', async () => {
    await documentWithVersion('both', ['One. Two. Three.', 'Four.']);
    const alice = await editor('both', 'alice');
    const bob = await editor('both', 'bob');
    appendParagraph(alice, 'Alice was here.');
    deleteText(bob, 'Two. ');
    deleteText(bob, 'Four.');
    await Promise.all([alice.saved(), bob.saved()]);
    await waitFor(() => paragraphsOf(alice.editor).join('|') === 'One. Three.||Alice was here.', { message: 'both edits at Alice' });

    await restore('both', 1);
    const restored = ['One. Two. Three.', 'Four.'];
    for (const client of [alice, bob]) {
      await waitFor(() => JSON.stringify(paragraphsOf(client.editor)) === JSON.stringify(restored), { message: 'the restored document' });
    }
    expect(bob.editor.can().undo()).toBe(false);
    for (const client of [alice, bob]) expect(undoRedo(client)).toEqual(Array(8).fill(restored));
    await Promise.all([alice.saved(), bob.saved()]);

    // After the restore, undo and redo work again, on what came after it only.
    appendParagraph(bob, 'Bob after.');
    await bob.saved();
    expect(bob.editor.commands.undo()).toBe(true);
    expect(bob.editor.commands.undo()).toBe(false);
    expect(paragraphsOf(bob.editor)).toEqual(restored);
    expect(bob.editor.commands.redo()).toBe(true);
    expect(paragraphsOf(bob.editor)).toEqual([...restored, 'Bob after.']);
    await bob.saved();
    await waitFor(() => paragraphsOf(alice.editor).length === 3, { message: "Bob's paragraph at Alice" });
    expect(paragraphsOf(alice.editor)).toEqual([...restored, 'Bob after.']);
  });

  it('[U3] an editor offline at the restore clears its history once it syncs, and its unsynced edits merge after the restore', async () => {
    await documentWithVersion('offline', ['One. Two. Three.', 'Four.']);
    const carol = await editor('offline', 'carol');
    const dave = await editor('offline', 'dave');
    // Carol's deletion reaches the server, then she goes offline.
    deleteText(carol, 'Three.');
    await carol.saved();
    goOffline(carol);
    // Dave goes offline first and deletes while offline: the server has none of it at the restore.
    await waitFor(() => paragraphsOf(dave.editor)[0] === 'One. Two. ', { message: "Carol's deletion at Dave" });
    goOffline(dave);
    deleteText(dave, 'Four.');
    appendParagraph(dave, 'Dave offline.');

    await restore('offline', 1);
    // Offline, neither knows: undo still works on their own copies.
    expect(carol.editor.can().undo()).toBe(true);
    expect(dave.editor.can().undo()).toBe(true);

    await goOnline(carol);
    await goOnline(dave);
    // Dave's offline edits were made before he saw the restore and merge after it like any
    // concurrent edit: the restore left the paragraph "Four." as it was, so his deletion of its
    // text applies (an empty paragraph stays), and so does his new paragraph. Nothing twice.
    const merged = ['One. Two. Three.', '', 'Dave offline.'];
    for (const client of [carol, dave]) {
      await waitFor(() => JSON.stringify(paragraphsOf(client.editor)) === JSON.stringify(merged), { message: 'the merged document' });
      expect(client.editor.can().undo()).toBe(false);
      expect(undoRedo(client)).toEqual(Array(8).fill(merged));
    }
    await Promise.all([carol.saved(), dave.saved()]);
    const stored = await request('GET', '/api/docs/offline/content?format=text', { token: await admin() });
    expect(stored.text).toBe(merged.join('\n\n'));
  });
});
