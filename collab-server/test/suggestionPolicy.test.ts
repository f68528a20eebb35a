import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { BODY_FIELD, SUGGESTION_AUTHORS_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { hocuspocusClient } from '../../testing/clients';
import { updateOn } from '../../testing/commentFrames';
import { type Protocol, paragraphDocumentPerFile } from '../../testing/paragraphDocument';
import { FrameType } from '../../testing/rawFrames';
import { loadStoredDocument } from '../../testing/storedDocument';
import { waitFor } from '../../testing/waitFor';

/**
 * The server's rule for commenters' suggestions ([SG7] of shared/suggestions/SUGGESTIONS.md),
 * with hand-built frames on both protocols: a commenter's update that is purely their own
 * suggestion is applied, acknowledged and relayed; anything else in the text is dropped whole,
 * and the socket stays open.
 */

const DOC = 'suggestion-policy';
const context = paragraphDocumentPerFile(DOC);
const live = () => context.live();

/** The first paragraph's text in `doc`. */
const textIn = (doc: Y.Doc) => (doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
/** The first paragraph with suggestions written [+inserted by author+] and [-deleted by author-]. */
function shown(doc: Y.Doc): string {
  return (textIn(doc).toDelta() as Array<{ insert: string; attributes?: Record<string, { author: string }> }>)
    .map(({ insert, attributes: a = {} }) => {
      if (a.suggestionInsert) return `[+${insert} by ${a.suggestionInsert.author}+]`;
      if (a.suggestionDelete) return `[-${insert} by ${a.suggestionDelete.author}-]`;
      return Object.keys(a).length > 0 ? `<${Object.keys(a).join(',')}>${insert}` : insert;
    })
    .join('');
}

const stamp = (author: string, id = `s-${author}`) => ({ id, author, authorName: author, time: 1_700_000_000_000 });

const roundTrip = () => context.roundTrip();

const connect = (protocol: Protocol, role: Role, sub: string) => context.connect(protocol, role, sub);

describe('who made a suggestion', () => {
  const recorded = (id: string) => live().getMap(SUGGESTION_AUTHORS_FIELD).get(id);
  const refused = (client: Awaited<ReturnType<typeof connect>>) =>
    waitFor(() => !client.socket.isOpen || client.socket.frames().some((frame) => frame.type === FrameType.Close), { message: 'the refusal' });

  for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
    it(`[SG11] ${protocol}: an editor's new suggestion in someone else's name is refused; in their own it is taken and recorded`, async () => {
      const me = `e11-${protocol}`;
      const forger = await connect(protocol, 'editor', me);
      forger.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'FORGED ', { suggestionInsert: stamp('owner', `f-${protocol}`) })));
      await refused(forger);
      const marker = await connect(protocol, 'editor', me);
      marker.send(updateOn(live(), (copy) => textIn(copy).format(0, 5, { suggestionDelete: stamp('owner', `fd-${protocol}`) })));
      await refused(marker);
      await roundTrip();
      expect(shown(live())).not.toContain('FORGED');
      expect(shown(live())).not.toContain('by owner');
      expect(recorded(`f-${protocol}`)).toBeUndefined();

      const writer = await connect(protocol, 'editor', me);
      writer.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Mine ', { suggestionInsert: stamp(me, `m-${protocol}`) })));
      await waitFor(() => shown(context.owner.doc).startsWith(`[+Mine  by ${me}+]`), { message: "the editor's own suggestion at the owner" });
      expect(recorded(`m-${protocol}`)).toEqual({ author: me, authorName: me, time: 1_700_000_000_000 });
      await waitFor(() => context.owner.doc.getMap(SUGGESTION_AUTHORS_FIELD).has(`m-${protocol}`), { message: 'the record at the owner' });
      expect(writer.socket.isOpen).toBe(true);
      writer.send(updateOn(live(), (copy) => textIn(copy).delete(0, 5)));
      writer.socket.close();
    });
  }

  it('[SG11] a copy of a recorded suggestion (undo, paste, a split paragraph) is taken from anyone; a copy under another name or time is not', async () => {
    const carol = await connect('hocuspocus', 'editor', 'carol');
    carol.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Carol ', { suggestionInsert: stamp('carol', 'c-original') })));
    await waitFor(() => recorded('c-original') !== undefined, { message: "Carol's suggestion recorded" });
    carol.socket.close();

    const dave = await connect('hocuspocus', 'editor', 'dave');
    dave.send(updateOn(live(), (copy) => textIn(copy).insert(6, 'again ', { suggestionInsert: stamp('carol', 'c-original') })));
    await waitFor(() => shown(live()).startsWith('[+Carol again  by carol+]'), { message: 'the copy on the server' });
    expect(dave.socket.isOpen).toBe(true);
    dave.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Mallory ', { suggestionInsert: { ...stamp('carol', 'c-original'), authorName: 'Mallory' } })));
    await refused(dave);
    const later = await connect('hocuspocus', 'editor', 'dave');
    later.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Earlier ', { suggestionInsert: { ...stamp('carol', 'c-original'), time: 1 } })));
    await refused(later);
    await roundTrip();
    expect(shown(live())).not.toMatch(/Mallory|Earlier/);
    expect(recorded('c-original')).toEqual({ author: 'carol', authorName: 'carol', time: 1_700_000_000_000 });

    const cleaner = await connect('hocuspocus', 'editor', 'dave');
    cleaner.send(updateOn(live(), (copy) => textIn(copy).delete(0, 12)));
    await waitFor(() => !shown(live()).includes('Carol'), { message: 'the suggestion removed' });
    cleaner.socket.close();
  });

  it('[SG11] only the server writes the record of who made each suggestion', async () => {
    const editor = await connect('hocuspocus', 'editor', 'e-record');
    editor.send(updateOn(live(), (copy) => copy.getMap(SUGGESTION_AUTHORS_FIELD).set('forged', { author: 'e-record', authorName: 'X', time: 0 })));
    await refused(editor);
    await roundTrip();
    expect(recorded('forged')).toBeUndefined();
  });

  it('[SG11] suggestions a document held before the server recorded them are recorded as they are when it loads', async () => {
    // Through the content API, suggestions are the caller's own ([SG11]): Ann's are created by Ann.
    const admin = await context.server.token({ doc: '*', role: 'admin', sub: 'ann' });
    const content = {
      type: 'doc',
      content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Old ', marks: [{ type: 'suggestionInsert', attrs: stamp('ann', 'old-1') }] }] }],
    };
    const answer = await apiRequest(context.server.httpUrl, 'POST', '/api/docs', { token: admin, body: { title: 'Old', format: 'json', content } });
    expect(answer.status, answer.text).toBe(201);
    const name = (answer.json as { name: string }).name;
    const reader = hocuspocusClient(context.server.hocuspocusUrl, name, await context.server.token({ doc: name, sub: 'reader' }));
    try {
      await reader.synced();
      await waitFor(() => reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).has('old-1'), { message: 'the record of the old suggestion' });
      expect(reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).get('old-1')).toEqual({ author: 'ann', authorName: 'ann', time: 1_700_000_000_000 });
    } finally {
      reader.destroy();
    }
  });
});

describe('commenters suggest', () => {
  for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
    it(`[SG7] ${protocol}: a commenter's own suggested insertion and deletion are applied, relayed and acknowledged; withdrawing them too`, async () => {
      const me = `c-${protocol}`;
      const commenter = await connect(protocol, 'commenter', me);
      const before = shown(live());
      commenter.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Oh ', { suggestionInsert: stamp(me) })));
      await waitFor(() => shown(context.owner.doc).startsWith(`[+Oh  by ${me}+]`), { message: "the commenter's insertion at the owner" });
      if (protocol === 'hocuspocus') await waitFor(() => commenter.acknowledged() >= 1, { message: 'the acknowledgement' });
      // Striking "hello" (after "Oh ").
      commenter.send(updateOn(live(), (copy) => textIn(copy).format(3, 5, { suggestionDelete: stamp(me, `d-${me}`) })));
      await waitFor(() => shown(live()).startsWith(`[+Oh  by ${me}+][-hello by ${me}-]`), { message: "the commenter's deletion on the server" });
      // Withdrawing both: deleting their own inserted text, removing their own deletion mark.
      commenter.send(
        updateOn(live(), (copy) => {
          textIn(copy).format(3, 5, { suggestionDelete: null });
          textIn(copy).delete(0, 3);
        }),
      );
      await waitFor(() => shown(live()) === before, { message: 'the withdrawal on the server' });
      expect(commenter.socket.isOpen).toBe(true);
      commenter.socket.close();
    });

    it(`[SG7] ${protocol}: a commenter's text change that is not purely their own suggestion is dropped whole`, async () => {
      const me = `c2-${protocol}`;
      const commenter = await connect(protocol, 'commenter', me);
      const before = shown(live());
      const attempts: Array<[string, (text: Y.XmlText) => void]> = [
        ['plain text', (text) => text.insert(0, 'EVIL')],
        ["someone else's suggestion", (text) => text.insert(0, 'EVIL', { suggestionInsert: stamp('owner') })],
        [
          'a suggestion that also deletes',
          (text) => {
            text.insert(0, 'EVIL', { suggestionInsert: stamp(me) });
            text.delete(6, 1);
          },
        ],
        ['a plain deletion', (text) => text.delete(0, 2)],
        ['formatting', (text) => text.format(0, 5, { bold: {} })],
        ['a deletion mark by someone else', (text) => text.format(0, 5, { suggestionDelete: stamp('owner') })],
        [
          'a suggestion mixed with formatting',
          (text) => {
            text.insert(0, 'EVIL', { suggestionInsert: stamp(me) });
            text.format(4, 5, { italic: {} });
          },
        ],
      ];
      for (const [, change] of attempts) commenter.send(updateOn(live(), (copy) => change(textIn(copy))));
      await roundTrip();
      expect(shown(live())).toBe(before);
      expect(shown(context.owner.doc)).toBe(before);
      expect(commenter.socket.isOpen).toBe(true);
      // A new paragraph, even of suggested text, is not a suggestion the server takes.
      commenter.send(
        updateOn(live(), (copy) => {
          const paragraph = new Y.XmlElement('paragraph');
          paragraph.insert(0, [new Y.XmlText()]);
          copy.getXmlFragment(BODY_FIELD).push([paragraph]);
          (paragraph.get(0) as Y.XmlText).insert(0, 'EVIL', { suggestionInsert: stamp(me) });
        }),
      );
      await roundTrip();
      expect(live().getXmlFragment(BODY_FIELD).length).toBe(1);
      commenter.socket.close();
    });

    it(`[SG1] ${protocol}: a suggestion mark with invalid attributes is refused for editors too`, async () => {
      const editor = await connect(protocol, 'editor', `e-${protocol}`);
      editor.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'EVIL', { suggestionInsert: { id: 'x y', author: 'a', authorName: 'A', time: -1 } })));
      await waitFor(() => !editor.socket.isOpen || editor.socket.frames().some((frame) => frame.type === FrameType.Close), { message: 'the refusal' });
      await roundTrip();
      expect(shown(live())).not.toContain('EVIL');
    });
  }

  it('[SG7] an acknowledged suggestion of a commenter is in LevelDB', async () => {
    const commenter = await connect('hocuspocus', 'commenter', 'c-stored');
    commenter.send(updateOn(live(), (copy) => textIn(copy).insert(0, 'Kept ', { suggestionInsert: stamp('c-stored') })));
    await waitFor(() => commenter.acknowledged() >= 1, { message: 'the acknowledgement' });
    commenter.socket.close();
    context.owner.destroy();
    await context.server.stop();
    expect(shown(await loadStoredDocument(context.server.dataDir, DOC))).toMatch(/^\[\+Kept {2}by c-stored\+\]/);
    await context.server.restart();
  });
});
