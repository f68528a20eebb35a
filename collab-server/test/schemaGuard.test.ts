import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes, type CloseReason } from '../../shared/closeCodes';
import { BODY_FIELD, IDENTITY_FIELD, INCARNATION_KEY, RESTORE_COUNT_KEY, RESTORES_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { FrameType, hpFrames, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { createSampleDocument, element, paragraph, table, text } from '../../testing/sampleDocument';
import { loadStored } from '../../testing/storedDocument';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * The update guard (`shared/SCHEMA-RULES.md` [G1]–[G8], [I2]): hand-built Yjs updates of every
 * shape the editor's schema does not allow, sent on both protocols by an editor, are refused with
 * `4423 invalid-content` (a write to the identity with `4409 document-replaced`): the sender is
 * closed, the live document is unchanged, a bystander receives nothing, and LevelDB holds none of
 * it. Each attack is built with Yjs on a copy of the live document, as a client would.
 */

let server: TestServer;
let count = 0;
const bystanders: HocuspocusClient[] = [];
/** Attacked documents and the body each must still have on disk. */
const expectedOnDisk = new Map<string, string>();

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  for (const bystander of bystanders) bystander.destroy();
  await server.stop({ removeData: true });
});

/** A new document with one of every kind of node, and a bystander editing it. */
async function sampleDocument(): Promise<{ name: string; bystander: HocuspocusClient }> {
  count += 1;
  const name = `guarded-${count}`;
  await createSampleDocument(server.server.documents, name);
  const bystander = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub: 'bystander' }));
  bystanders.push(bystander);
  await bystander.synced();
  return { name, bystander };
}

const live = (name: string) => {
  const doc = server.server.hocuspocus.documents.get(name);
  if (!doc) throw new Error(`${name} is not loaded`);
  return doc;
};

/** Everything a client could see of a document. */
const stateOf = (doc: Y.Doc) =>
  JSON.stringify({
    body: doc.getXmlFragment(BODY_FIELD).toString(),
    title: doc.getText(TITLE_FIELD).toString(),
    identity: doc.getMap(IDENTITY_FIELD).toJSON(),
    restores: doc.getMap(RESTORES_FIELD).toJSON(),
    stateVector: [...Y.encodeStateVector(doc)],
  });

/** The update a client holding the live document would send after `change`. */
function attackOn(name: string, change: (doc: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(live(name)));
  const before = Y.encodeStateVector(copy);
  copy.transact(() => change(copy));
  const update = Y.encodeStateAsUpdate(copy, before);
  copy.destroy();
  return update;
}

/** Sends `update` as an editor on `protocol` and returns the close reason the server answered with. */
async function sendAsEditor(name: string, protocol: 'collab' | 'y', update: Uint8Array): Promise<string> {
  const token = await server.token({ doc: name, sub: 'attacker' });
  if (protocol === 'y') {
    const socket = await RawSocket.open(`${server.yWebsocketUrl}/${encodeURIComponent(name)}?token=${token}`);
    socket.send(yFrames.update(update));
    const closed = await socket.waitClosed();
    return `${closed.code} ${closed.reason}`;
  }
  const socket = await RawSocket.open(server.hocuspocusUrl);
  try {
    socket.send(hpFrames.auth(name, token));
    expect(await socket.authResult(name)).toBe('authenticated read-write');
    socket.send(hpFrames.update(name, update));
    const close = await waitFor(() => socket.frames().find((frame) => frame.address === name && frame.type === FrameType.Close), {
      message: 'the document to be closed',
    });
    // One socket carries many documents: it stays open.
    expect(socket.isOpen).toBe(true);
    return `${codeOf(close.text ?? '')} ${close.text}`;
  } finally {
    socket.close();
  }
}

const codeOf = (reason: string) => Object.values(CloseCodes).find((entry) => entry.reason === reason)?.code ?? 0;

/**
 * Builds `change` into an update and sends it on both protocols: each time it is refused with
 * `reason`, and nothing of it is anywhere.
 */
async function expectRefused(change: (doc: Y.Doc) => void, reason: CloseReason = CloseCodes.InvalidContent): Promise<void> {
  const { name, bystander } = await sampleDocument();
  const before = stateOf(live(name));
  for (const protocol of ['collab', 'y'] as const) {
    const update = attackOn(name, change);
    expect(await sendAsEditor(name, protocol, update), `refused on ${protocol}`).toBe(`${reason.code} ${reason.reason}`);
    expect(stateOf(live(name)), `the live document is unchanged after the ${protocol} attempt`).toBe(before);
  }
  // The bystander's own edit makes the round trip: anything relayed before it would have arrived.
  bystander.doc.getMap('probe').set('at', Date.now());
  await bystander.saved();
  expect(bystander.doc.getXmlFragment(BODY_FIELD).toString()).toBe(live(name).getXmlFragment(BODY_FIELD).toString());
  expectedOnDisk.set(name, live(name).getXmlFragment(BODY_FIELD).toString());
}

const body = (doc: Y.Doc) => doc.getXmlFragment(BODY_FIELD);
/** The `index`-th top-level element of the body. */
const block = (doc: Y.Doc, nodeName: string, nth = 0): Y.XmlElement =>
  body(doc)
    .toArray()
    .filter((child): child is Y.XmlElement => child instanceof Y.XmlElement && child.nodeName === nodeName)[nth];
/** The first Y.XmlText under the first `nodeName` block. */
const textIn = (doc: Y.Doc, nodeName: string): Y.XmlText => block(doc, nodeName).toArray()[0] as Y.XmlText;

describe('[G1] the title holds plain text only', () => {
  it('[G1] formatting in the title is refused', () => expectRefused((doc) => doc.getText(TITLE_FIELD).format(0, 2, { bold: {} })));
  it('[G1] an embed in the title is refused', () => expectRefused((doc) => doc.getText(TITLE_FIELD).insertEmbed(0, { image: 'x' })));
  it('[G1] a Y type in the title is refused', () => expectRefused((doc) => doc.getText(TITLE_FIELD).insertEmbed(0, new Y.Map())));
  it('[G1] an attribute on the title is refused', () => expectRefused((doc) => doc.getText(TITLE_FIELD).setAttribute('style', 'x')));
});

describe('[G2] the body holds only elements and texts', () => {
  it('[G2] a JSON value in the body is refused', () => expectRefused((doc) => body(doc).insert(0, ['bare string' as unknown as Y.XmlText])));
  it('[G2] binary data in the body is refused', () => expectRefused((doc) => body(doc).insert(0, [new Uint8Array([1, 2]) as unknown as Y.XmlText])));
  it('[G2] a sub-document in the body is refused', () => expectRefused((doc) => body(doc).insert(0, [new Y.Doc() as unknown as Y.XmlText])));
  it('[G2] a Y.Map in the body is refused', () => expectRefused((doc) => body(doc).insert(0, [new Y.Map() as unknown as Y.XmlText])));
  it('[G2] a plain Y.Text in a paragraph is refused', () =>
    expectRefused((doc) => block(doc, 'paragraph').insert(0, [new Y.Text('x') as unknown as Y.XmlText])));
  it('[G2] a key on the body itself is refused', () => expectRefused((doc) => doc.getMap(BODY_FIELD).set('style', 'position:fixed')));
  it('[G2] an embed inside a text is refused', () => expectRefused((doc) => textIn(doc, 'paragraph').insertEmbed(1, { image: 'x' })));
  it('[G2] an attribute on a text is refused', () => expectRefused((doc) => textIn(doc, 'paragraph').setAttribute('style', 'position:fixed')));
});

describe('[G3] elements are node types of the schema', () => {
  it('[G3] an unknown element name is refused', () => expectRefused((doc) => body(doc).insert(0, [element('script', [text('alert(1)')])])));
  it('[G3] an element named "text" or "doc" is refused', async () => {
    await expectRefused((doc) => body(doc).insert(0, [element('text')]));
    await expectRefused((doc) => body(doc).insert(0, [element('doc', [paragraph('inside')])]));
  });
  it('[G3] an unknown element inside a list item is refused', () =>
    expectRefused((doc) => (block(doc, 'bulletList').get(0) as Y.XmlElement).insert(1, [element('marquee', [text('x')])])));
});

describe('[G4] each node stands only where its parent allows it', () => {
  it('[G4] bare text at the top level is refused', () => expectRefused((doc) => body(doc).insert(1, [text('bare text')])));
  it('[G4] a paragraph inside a paragraph is refused', () => expectRefused((doc) => block(doc, 'paragraph').insert(1, [paragraph('nested')])));
  it('[G4] a list item outside a list is refused', () => expectRefused((doc) => body(doc).insert(0, [element('listItem', [paragraph('item')])])));
  it('[G4] a table row outside a table is refused', () =>
    expectRefused((doc) => body(doc).insert(0, [element('tableRow', [element('tableCell', [paragraph('c')])])])));
  it('[G4] a paragraph directly in a list is refused', () => expectRefused((doc) => block(doc, 'bulletList').insert(0, [paragraph('loose')])));
  it('[G4] a hard break at the top level is refused', () => expectRefused((doc) => body(doc).insert(0, [element('hardBreak')])));
  it('[G4] an image inside a paragraph (images are blocks) is refused', () =>
    expectRefused((doc) => block(doc, 'paragraph').insert(1, [element('image', [], { src: 'https://example.com/a.png' })])));
  it('[G4] a hard break in a code block is refused', () => expectRefused((doc) => block(doc, 'codeBlock').insert(1, [element('hardBreak')])));
  it('[G4] content inside a leaf (a horizontal rule) is refused', () => expectRefused((doc) => block(doc, 'horizontalRule').insert(0, [text('x')])));
  it('[G4] a list inserted before the paragraph that starts a list item is refused', () =>
    expectRefused((doc) => (block(doc, 'bulletList').get(0) as Y.XmlElement).insert(0, [element('bulletList', [element('listItem', [paragraph('x')])])])));
});

describe('[G5] an element an update creates has valid content', () => {
  it('[G5] a list without items is refused', () => expectRefused((doc) => body(doc).insert(1, [element('bulletList')])));
  it('[G5] an ordered list, a check list, a quote, a table without content are refused', async () => {
    await expectRefused((doc) => body(doc).insert(1, [element('orderedList')]));
    await expectRefused((doc) => body(doc).insert(1, [element('taskList')]));
    await expectRefused((doc) => body(doc).insert(1, [element('blockquote')]));
    await expectRefused((doc) => body(doc).insert(1, [element('table')]));
  });
  it('[G5] a new list item starting with a list is refused', () =>
    expectRefused((doc) =>
      body(doc).insert(1, [element('bulletList', [element('listItem', [element('bulletList', [element('listItem', [paragraph('deep')])])])])]),
    ));
  it('[G5] a new table cell without content is refused', () =>
    expectRefused((doc) => body(doc).insert(1, [element('table', [element('tableRow', [element('tableCell')])])])));
  it('[G5] a new list item with no paragraph is refused', () => expectRefused((doc) => block(doc, 'bulletList').insert(1, [element('listItem')])));
});

describe('[G6] element attributes are valid for their node type', () => {
  it('[G6] an alignment that is not one of the four is refused (new and existing paragraphs)', async () => {
    const overlay = 'left; position: fixed; inset: 0; z-index: 2147483647; background: white';
    await expectRefused((doc) => block(doc, 'paragraph').setAttribute('textAlign', overlay));
    await expectRefused((doc) => body(doc).insert(0, [paragraph('new', { textAlign: overlay })]));
    await expectRefused((doc) => block(doc, 'heading').setAttribute('textAlign', ['left'] as unknown as string));
  });
  it('[G6] an attribute the node type does not have is refused', async () => {
    await expectRefused((doc) => block(doc, 'paragraph').setAttribute('style', 'position: fixed'));
    await expectRefused((doc) => block(doc, 'paragraph').setAttribute('class', 'dialog-backdrop'));
  });
  it('[G6] a heading level the editor does not offer is refused', () =>
    expectRefused((doc) => block(doc, 'heading').setAttribute('level', 7 as unknown as string)));
  it('[G6] table cell spans, widths and alignment out of their rules are refused', async () => {
    const cell = (doc: Y.Doc) => (block(doc, 'table').get(0) as Y.XmlElement).get(0) as Y.XmlElement;
    await expectRefused((doc) => cell(doc).setAttribute('colspan', 1e9 as unknown as string));
    await expectRefused((doc) => cell(doc).setAttribute('rowspan', 0 as unknown as string));
    await expectRefused((doc) => cell(doc).setAttribute('colwidth', ['100px; position: fixed'] as unknown as string));
    await expectRefused((doc) => cell(doc).setAttribute('align', 'center; position: fixed; inset: 0'));
    await expectRefused((doc) => body(doc).insert(0, [table([['x']], { colwidth: [-5] })]));
  });
  it('[G6] an image address that is not http(s) or same-origin is refused', async () => {
    await expectRefused((doc) => body(doc).insert(0, [element('image', [], { src: 'javascript:alert(1)' })]));
    await expectRefused((doc) => body(doc).insert(0, [element('image', [], { src: 'data:image/svg+xml,<svg onload=alert(1)>' })]));
    await expectRefused((doc) => body(doc).insert(0, [element('image', [], { src: '//evil.example/pixel.png' })]));
    await expectRefused((doc) => body(doc).insert(0, [element('image', [], { src: 'https://example.com/a.png', width: 99999 })]));
  });
  it('[G6] other attributes out of their rules are refused', async () => {
    await expectRefused((doc) => block(doc, 'codeBlock').setAttribute('language', 'js dialog-backdrop'));
    await expectRefused((doc) => block(doc, 'orderedList').setAttribute('start', 'one' as unknown as string));
    await expectRefused((doc) => block(doc, 'orderedList').setAttribute('type', 'disc'));
    await expectRefused((doc) => (block(doc, 'taskList').get(0) as Y.XmlElement).setAttribute('checked', 'yes'));
  });
  it('[G6] a Y type as an attribute value is refused', () =>
    expectRefused((doc) => block(doc, 'paragraph').setAttribute('textAlign', new Y.Map() as unknown as string)));
});

describe('[G7] text formatting uses marks of the schema, where they are allowed', () => {
  it('[G7] an unknown mark is refused', () => expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { script: {} })));
  it('[G7] a mark in a code block is refused', () => expectRefused((doc) => textIn(doc, 'codeBlock').format(0, 3, { bold: {} })));
  it('[G7] a link to an unsafe address is refused', async () => {
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { link: { href: 'javascript:alert(1)' } }));
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { link: { href: 'java\tscript:alert(1)' } }));
  });
  it('[G7] a link with another target, rel="opener" or a class is refused', async () => {
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { link: { href: 'https://example.com', target: '_top' } }));
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { link: { href: 'https://example.com', rel: 'opener' } }));
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { link: { href: 'https://example.com', class: 'dialog-backdrop' } }));
  });
  it('[G7] mark attributes the mark does not have, or that are not an object, are refused', async () => {
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { highlight: { color: 'red; position: fixed' } }));
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { bold: 'yes' }));
    await expectRefused((doc) => textIn(doc, 'paragraph').insert(0, 'new', { italic: {}, 'bold--abcdefgh': {} }));
  });
});

describe('[V7] colours, font sizes and indents hold only their rule’s values', () => {
  const hostileColors = ['red; position: fixed', 'expression(alert(1))', 'url(https://evil.example/x)', '#ff000', '#ff0000; z-index: 9', 'red'];
  it('[V7] a text colour, highlight colour or font size out of its rule is refused, on both protocols', async () => {
    for (const color of hostileColors) {
      await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { textStyle: { color } }));
      await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { highlight: { color } }));
    }
    for (const fontSize of ['11pt; position: fixed', 'expression(1)', '0pt', '401pt', '12', '12em', '12.25pt'])
      await expectRefused((doc) => textIn(doc, 'paragraph').insert(0, 'big', { textStyle: { fontSize } }));
    await expectRefused((doc) => textIn(doc, 'paragraph').format(0, 3, { textStyle: { color: '#ff0000', position: 'fixed' } }));
  });
  it('[V7] an indent that is not a whole number from 0 to 8 is refused, on both protocols', async () => {
    for (const indent of [9, -1, 1.5, '2', '2; position: fixed'])
      await expectRefused((doc) => block(doc, 'paragraph').setAttribute('indent', indent as unknown as string));
    await expectRefused((doc) => body(doc).insert(0, [paragraph('new', { indent: 100 })]));
  });
  it('[V7] palette colours, any #rrggbb, bounded sizes and indents are accepted', async () => {
    const { name } = await sampleDocument();
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await client.synced();
    client.doc.transact(() => {
      const paragraphElement = block(client.doc, 'paragraph');
      paragraphElement.setAttribute('indent', 8 as unknown as string);
      block(client.doc, 'heading').setAttribute('indent', 1 as unknown as string);
      (paragraphElement.get(0) as Y.XmlText).format(0, 3, { textStyle: { color: '#980000', fontSize: '10.5pt' }, highlight: { color: '#ABCDEF' } });
    });
    await client.saved();
    expect(client.closes).toEqual([]);
    const stored = live(name).getXmlFragment(BODY_FIELD).toString();
    expect(stored).toContain('indent="8"');
    expect(stored).toContain('#980000');
    client.destroy();
  });
});

describe('[G8] nesting is bounded', () => {
  it('[G8] elements nested 101 deep are refused; 99 deep is accepted', async () => {
    const nested = (depth: number) => {
      let inner: Y.XmlElement = paragraph('deep');
      for (let level = 1; level < depth; level++) inner = element('blockquote', [inner]);
      return inner;
    };
    await expectRefused((doc) => body(doc).insert(0, [nested(101)]));
    const { name } = await sampleDocument();
    const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name }));
    await client.synced();
    body(client.doc).insert(0, [nested(99)]);
    await client.saved();
    expect(client.closes).toEqual([]);
    expect(live(name).getXmlFragment(BODY_FIELD).toString()).toContain('deep');
    client.destroy();
  });
});

describe('[I2] the document identity is the server’s', () => {
  it('[I2] a client writing the identity is refused with document-replaced, on both protocols', async () => {
    await expectRefused((doc) => doc.getMap(IDENTITY_FIELD).set(INCARNATION_KEY, 'forged'), CloseCodes.DocumentReplaced);
    await expectRefused((doc) => doc.getMap(IDENTITY_FIELD).set('other', 'x'), CloseCodes.DocumentReplaced);
  });
});

describe('[U2] the count of restores is the server’s', () => {
  it('[U2] a client writing the count of restores is refused with invalid-content, on both protocols', async () => {
    await expectRefused((doc) => doc.getMap(RESTORES_FIELD).set(RESTORE_COUNT_KEY, 99));
    await expectRefused((doc) => doc.getMap(RESTORES_FIELD).set('other', new Y.Map()));
  });
});

describe('nothing refused was stored', () => {
  it('[G1]–[G8] LevelDB holds every attacked document as it was', async () => {
    for (const bystander of bystanders.splice(0)) bystander.destroy();
    await server.stop();
    const stored = await loadStored(server.dataDir, [...expectedOnDisk.keys()]);
    for (const [name, expected] of expectedOnDisk) expect(stored.get(name)?.doc.getXmlFragment(BODY_FIELD).toString(), name).toBe(expected);
    server = await startTestServer({ dataDir: server.dataDir });
  });
});
