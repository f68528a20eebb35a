import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentSchema, parseContent } from '../../shared/conversion';
import { BODY_FIELD } from '../../shared/documentFields';
import { type HocuspocusClient, hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { hpFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { createSampleDocument, element, paragraph, SAMPLE_MARKDOWN } from '../../testing/sampleDocument';
import { scrapeMetrics } from '../../testing/scrapeMetrics';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { tiptapClient } from '../../testing/tiptapClient';
import { waitFor } from '../../testing/waitFor';

/**
 * What the update guard lets through and what it does after applying (`shared/SCHEMA-RULES.md`):
 * honest editors' content of every kind is accepted, deletions are never refused and what they
 * leave invalid is repaired by the server ([G9], [R3]), and content that waits for content it
 * depends on is checked once that arrives, without blaming the client that completes it ([G10]).
 */

let server: TestServer;
let count = 0;
const cleanup: Array<{ destroy(): void }> = [];

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const client of cleanup.splice(0)) client.destroy();
  await server.stop({ removeData: true });
});

async function newDocument(markdown = SAMPLE_MARKDOWN): Promise<string> {
  count += 1;
  const name = `flow-${count}`;
  await createSampleDocument(server.server.documents, name, markdown);
  return name;
}

async function editor(name: string, sub = 'editor'): Promise<HocuspocusClient> {
  const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub, name: sub }));
  cleanup.push(client);
  await client.synced();
  return client;
}

const live = (name: string) => server.server.hocuspocus.documents.get(name) as Y.Doc;
const bodyOf = (doc: Y.Doc) => doc.getXmlFragment(BODY_FIELD).toString();

/** Everything the schema has, as Markdown and HTML can say it (tables, lists, code, images, marks, alignment). */
const EVERYTHING_HTML =
  '<h2 style="text-align: center">Centered</h2><p style="text-align: justify">Justified <strong>b</strong> <em>i</em> <u>u</u> <s>s</s> <code>c</code> <mark>m</mark> ' +
  '<a href="https://example.com" title="t">link</a><br>after a break</p><ol start="4" type="a"><li><p>fourth</p><ul><li><p>nested</p></li></ul></li></ol>' +
  '<ul data-type="taskList"><li data-checked="true" data-type="taskItem"><p>done</p></li></ul><blockquote><p>quoted</p></blockquote>' +
  '<pre><code class="language-c++">int x;</code></pre><hr><img src="https://example.com/a.png" alt="alt" width="120" height="80">' +
  '<table><tbody><tr><th colspan="2" style="text-align: right">head</th></tr><tr><td>a</td><td colwidth="100">b</td></tr></tbody></table>';

describe('honest content is accepted', () => {
  it('[G2]–[G8] every node, mark and attribute of the schema, written by a Tiptap editor, is accepted', async () => {
    const name = await newDocument('Start');
    const tiptap = tiptapClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    cleanup.push(tiptap);
    await tiptap.synced();
    tiptap.editor.commands.setContent(parseContent(EVERYTHING_HTML, 'html').toJSON());
    tiptap.editor.commands.setTextSelection(3);
    tiptap.editor.commands.insertContent('typed ');
    await tiptap.saved();
    expect(tiptap.closes).toEqual([]);
    expect(bodyOf(live(name))).toBe(bodyOf(tiptap.doc));
    expect(bodyOf(live(name))).toContain('int x;');
  });

  it('[G2]–[G8] the same content written by a plain y-websocket client through y-prosemirror is accepted', async () => {
    const name = await newDocument('Start');
    const client = yWebsocketClient(server.yWebsocketUrl, name, await server.token({ doc: name }));
    cleanup.push(client);
    await client.synced();
    const scratch = new Y.Doc();
    prosemirrorJSONToYXmlFragment(
      documentSchema(),
      parseContent(`${SAMPLE_MARKDOWN}\n\n![pic](https://example.com/p.png)`, 'markdown').toJSON(),
      scratch.getXmlFragment(BODY_FIELD),
    );
    const fragment = client.doc.getXmlFragment(BODY_FIELD);
    fragment.insert(
      fragment.length,
      scratch
        .getXmlFragment(BODY_FIELD)
        .toArray()
        .map((block) => (block as Y.XmlElement).clone()),
    );
    await waitFor(() => bodyOf(live(name)) === bodyOf(client.doc), { message: 'the server to hold the client’s content' });
    expect(client.closes).toEqual([]);
  });
});

describe('deletions are never refused', () => {
  it('[G9] [R3] two editors deleting the two items of a list at once are both accepted; the server gives the list an empty item, as the Server', async () => {
    const name = await newDocument('Before\n\n- first\n- second\n\nAfter');
    const ada = await editor(name, 'ada');
    const bob = yWebsocketClient(server.yWebsocketUrl, name, await server.token({ doc: name, sub: 'bob' }));
    cleanup.push(bob);
    await bob.synced();
    const list = (doc: Y.Doc) => doc.getXmlFragment(BODY_FIELD).get(1) as Y.XmlElement;
    const repairsBefore = (await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="update"}') ?? 0;
    // Bob deletes the second item while offline; Ada deletes the first, which the server applies.
    bob.provider.disconnect();
    list(bob.doc).delete(1, 1);
    list(ada.doc).delete(0, 1);
    await ada.saved();
    bob.provider.connect();
    // Both deletions arrive; the list is left without items, and the server repairs it in place
    // (an item someone adds to the list meanwhile is kept).
    await waitFor(() => bodyOf(live(name)).includes('<bulletlist><listitem><paragraph></paragraph></listitem></bulletlist>'), {
      message: 'the empty list to be given an empty item by the server',
    });
    await waitFor(() => bodyOf(ada.doc) === bodyOf(live(name)) && bodyOf(bob.doc) === bodyOf(live(name)), { message: 'everyone to converge' });
    expect(bodyOf(live(name))).toBe(
      '<paragraph>Before</paragraph><bulletlist><listitem><paragraph></paragraph></listitem></bulletlist><paragraph>After</paragraph>',
    );
    expect(ada.closes).toEqual([]);
    expect(bob.closes).toEqual([]);
    expect((await scrapeMetrics(server.httpUrl)).get('collab_documents_repaired_total{when="update"}')).toBe(repairsBefore + 1);
    const version = await server.server.historyService.nameCurrent(name, 'after the deletions');
    expect(version.authors.map((author) => author.id)).toContain('server');
  });

  it('[G9] [R3] deleting the paragraph that starts a list item while someone adds a list after it: the item gets an empty paragraph', async () => {
    const name = await newDocument('- item text');
    const ada = await editor(name, 'ada');
    const bob = await editor(name, 'bob');
    const item = (doc: Y.Doc) => (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlElement;
    bob.provider.configuration.websocketProvider.disconnect();
    item(bob.doc).insert(1, [element('bulletList', [element('listItem', [paragraph('nested')])])]);
    item(ada.doc).delete(0, 1);
    await ada.saved();
    await bob.provider.configuration.websocketProvider.connect();
    await waitFor(() => bodyOf(live(name)).includes('nested') && bodyOf(live(name)).startsWith('<bulletlist><listitem><paragraph></paragraph>'), {
      message: 'the list item to start with a paragraph again',
    });
    await waitFor(() => bodyOf(bob.doc) === bodyOf(live(name)), { message: 'bob to converge' });
    expect(bob.closes.filter((close) => close.reason === 'invalid-content')).toEqual([]);
  });
});

describe('deletions inside new content', () => {
  it('[G5] [G9] [R3] an update that creates a list and deletes its item again (a merge of edits) is accepted, and the server repairs what it leaves', async () => {
    const name = await newDocument('Start');
    await editor(name);
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(live(name)));
    const before = Y.encodeStateVector(doc);
    const fragment = doc.getXmlFragment(BODY_FIELD);
    fragment.insert(1, [element('bulletList', [element('listItem', [paragraph('short-lived')])])]);
    (fragment.get(1) as Y.XmlElement).delete(0, 1);
    const socket = await RawSocket.open(server.hocuspocusUrl);
    cleanup.push({ destroy: () => socket.close() });
    socket.send(hpFrames.auth(name, await server.token({ doc: name })));
    expect(await socket.authResult(name)).toBe('authenticated read-write');
    socket.send(hpFrames.update(name, Y.encodeStateAsUpdate(doc, before)));
    await waitFor(() => bodyOf(live(name)).includes('<bulletlist><listitem><paragraph></paragraph></listitem></bulletlist>'), { message: 'the repaired list' });
    expect(socket.frames().filter((frame) => frame.text === 'invalid-content')).toEqual([]);
  });
});

describe('content waiting for other content', () => {
  /** Two updates of one client: the second builds on the first. */
  function twoUpdates(name: string): [Uint8Array, Uint8Array] {
    const doc = new Y.Doc();
    Y.applyUpdate(doc, Y.encodeStateAsUpdate(live(name)));
    const start = Y.encodeStateVector(doc);
    const fragment = doc.getXmlFragment(BODY_FIELD);
    fragment.insert(fragment.length, [paragraph('first part')]);
    const middle = Y.encodeStateVector(doc);
    ((fragment.get(fragment.length - 1) as Y.XmlElement).get(0) as Y.XmlText).insert(10, ', second part');
    return [Y.encodeStateAsUpdate(doc, start), Y.encodeStateAsUpdate(doc, middle)];
  }

  async function authenticated(name: string): Promise<RawSocket> {
    const socket = await RawSocket.open(server.hocuspocusUrl);
    cleanup.push({ destroy: () => socket.close() });
    socket.send(hpFrames.auth(name, await server.token({ doc: name })));
    expect(await socket.authResult(name)).toBe('authenticated read-write');
    return socket;
  }

  it('[G10] an update that arrives before the content it builds on is applied once that arrives', async () => {
    const name = await newDocument('Start');
    await editor(name);
    const [first, second] = twoUpdates(name);
    const socket = await authenticated(name);
    socket.send(hpFrames.update(name, second), hpFrames.update(name, first));
    await waitFor(() => bodyOf(live(name)).includes('first part, second part'), { message: 'both updates to apply' });
    expect(socket.isOpen).toBe(true);
    expect(live(name).store.pendingStructs).toBeNull();
  });

  it('[G10] invalid content waiting for another client’s next edit is dropped when it arrives; that client is not blamed', async () => {
    const name = await newDocument('Start');
    const victim = await editor(name, 'victim');
    // The victim's next edit, made but not yet sent: a new paragraph at the end.
    const before = Y.encodeStateVector(victim.doc);
    const offline = new Y.Doc();
    Y.applyUpdate(offline, Y.encodeStateAsUpdate(victim.doc));
    offline.clientID = victim.doc.clientID;
    offline.getXmlFragment(BODY_FIELD).insert(1, [paragraph('the victim’s paragraph')]);
    const victimEdit = Y.encodeStateAsUpdate(offline, before);
    // The attacker knows it and puts an unknown element right after it: nothing to check yet.
    const attacker = new Y.Doc();
    Y.applyUpdate(attacker, Y.encodeStateAsUpdate(offline));
    const afterVictim = Y.encodeStateVector(attacker);
    attacker.getXmlFragment(BODY_FIELD).insert(2, [element('script', [paragraph('evil')])]);
    const socket = await authenticated(name);
    socket.send(hpFrames.update(name, Y.encodeStateAsUpdate(attacker, afterVictim)));
    await waitFor(() => live(name).store.pendingStructs !== null, { message: 'the attacker’s content to wait' });
    // The victim's edit completes it: the victim's edit is applied, the waiting content dropped.
    Y.applyUpdate(victim.doc, victimEdit);
    await victim.saved();
    expect(victim.closes).toEqual([]);
    expect(bodyOf(live(name))).toContain('the victim’s paragraph');
    expect(bodyOf(live(name))).not.toContain('script');
    expect(bodyOf(live(name))).not.toContain('evil');
    expect(live(name).store.pendingStructs).toBeNull();
  });

  it('[G10] content waiting for missing content is bounded: past 1 MiB the update is refused', async () => {
    const name = await newDocument('Start');
    await editor(name);
    const socket = await authenticated(name);
    const waiting = (size: number) => {
      const doc = new Y.Doc();
      Y.applyUpdate(doc, Y.encodeStateAsUpdate(live(name)));
      doc.getXmlFragment(BODY_FIELD).insert(0, [paragraph('never sent')]);
      const sent = Y.encodeStateVector(doc);
      ((doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText).insert(0, 'x'.repeat(size));
      return Y.encodeStateAsUpdate(doc, sent);
    };
    socket.send(hpFrames.update(name, waiting(700_000)));
    await waitFor(() => live(name).store.pendingStructs !== null, { message: 'the first update to wait' });
    socket.send(hpFrames.update(name, waiting(700_000)));
    await waitFor(() => socket.frames().some((frame) => frame.address === name && frame.text === 'invalid-content'), {
      message: 'the second update to be refused',
    });
  });
});
