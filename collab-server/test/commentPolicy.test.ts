import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { COMMENT_LIMITS, commentsMap, readThreads } from '../../shared/comments/threadModel';
import { addReply, createThread, deleteComment, editComment, setAnchor, setThreadStatus, threadMap } from '../../shared/comments/threadWrites';
import { BODY_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { hocuspocusClient, textOf, yWebsocketClient } from '../../testing/clients';
import { firstWordsAnchor, threadUpdate, updateOn, writeParagraph } from '../../testing/commentFrames';
import { type Protocol, paragraphDocumentPerFile } from '../../testing/paragraphDocument';
import { loadStored } from '../../testing/storedDocument';
import { waitFor } from '../../testing/waitFor';

/**
 * The server's rules for comment writes ([CM1]–[CM9] of shared/comments/COMMENTS.md), with
 * hand-built frames on both protocols: a commenter's comment writes are applied and
 * acknowledged, its writes into the text dropped; a forged author, someone else's comment, a
 * removed thread or comment, an oversized value are refused for everyone, editors included.
 */

const DOC = 'comment-policy';
const context = paragraphDocumentPerFile(DOC);
const live = () => context.live();

const roundTrip = () => context.roundTrip();

const connect = (protocol: Protocol, role: Role, sub: string) => context.connect(protocol, role, sub);

const threadIds = () => [...commentsMap(live()).keys()];

for (const protocol of ['hocuspocus', 'y-websocket'] as const) {
  describe(`${protocol}`, () => {
    it(`[CM9] ${protocol}: a commenter's comment writes are applied, relayed and stored; its writes into the text and title are dropped`, async () => {
      const commenter = await connect(protocol, 'commenter', `commenter-${protocol}`);
      const author = { id: `commenter-${protocol}`, name: 'C' };
      const id = `t-commenter-${protocol}`;
      commenter.send(threadUpdate(live(), author, 'a comment', id), 'step2');
      await waitFor(() => threadIds().includes(id), { message: "the commenter's thread on the server" });
      await waitFor(() => commentsMap(context.owner.doc).has(id), { message: "the commenter's thread at the owner" });
      if (protocol === 'hocuspocus') await waitFor(() => commenter.acknowledged() >= 1, { message: 'the acknowledgement' });
      // A reply and a resolution, as updates.
      commenter.send(updateOn(live(), (copy) => addReply(copy, author, id, 'a reply')));
      commenter.send(updateOn(live(), (copy) => setThreadStatus(copy, author, id, 'resolved')));
      await waitFor(() => readThreads(live()).find((thread) => thread.id === id)?.status === 'resolved', { message: 'the resolution' });
      expect(
        readThreads(live())
          .find((thread) => thread.id === id)
          ?.comments.map((comment) => comment.text),
      ).toEqual(['a comment', 'a reply']);

      // Text, title, and a comment mixed with text: all dropped, the socket stays open.
      commenter.send(updateOn(live(), (copy) => writeParagraph(copy, `EVIL-${protocol}`)));
      commenter.send(
        updateOn(live(), (copy) => copy.getText('title').insert(0, `EVIL-${protocol}`)),
        'step2',
      );
      commenter.send(
        updateOn(live(), (copy) => {
          writeParagraph(copy, `EVIL-MIXED-${protocol}`);
          createThread(copy, author, { ...firstWordsAnchor(copy), quote: 'q', text: 'mixed', id: `t-mixed-${protocol}` });
        }),
      );
      await roundTrip();
      expect(textOf(live())).not.toContain('EVIL');
      expect(live().getText('title').toString()).not.toContain('EVIL');
      expect(threadIds()).not.toContain(`t-mixed-${protocol}`);
      expect(commenter.socket.isOpen).toBe(true);
      commenter.socket.close();
    });

    it(`[CM9] ${protocol}: a viewer's comment writes are dropped like its other writes`, async () => {
      const viewer = await connect(protocol, 'viewer', `viewer-${protocol}`);
      viewer.send(threadUpdate(live(), { id: `viewer-${protocol}`, name: 'V' }, 'from a viewer', `t-viewer-${protocol}`));
      await roundTrip();
      expect(threadIds()).not.toContain(`t-viewer-${protocol}`);
      expect(viewer.socket.isOpen).toBe(true);
      viewer.socket.close();
    });

    for (const role of ['commenter', 'editor'] as const) {
      it(`[CM2] ${protocol}: a ${role} writing a thread or a reply as someone else is refused with invalid-content`, async () => {
        const forger = await connect(protocol, role, `forger-${role}`);
        forger.send(threadUpdate(live(), { id: 'owner', name: 'Owner' }, 'forged', `t-forged-${role}-${protocol}`));
        expect(await forger.refusedWith()).toBe(CloseCodes.InvalidContent.reason);
        expect(threadIds()).not.toContain(`t-forged-${role}-${protocol}`);

        const replier = await connect(protocol, role, `replier-${role}`);
        const target = threadIds()[0];
        replier.send(updateOn(live(), (copy) => addReply(copy, { id: 'someone-else', name: 'X' }, target, 'FORGED-REPLY')));
        expect(await replier.refusedWith()).toBe(CloseCodes.InvalidContent.reason);
        expect(JSON.stringify(readThreads(live()))).not.toContain('FORGED-REPLY');
      });
    }

    it(`[CM4] ${protocol}: only its author edits or deletes a comment; nobody removes one`, async () => {
      const id = `t-own-${protocol}`;
      const alice = await connect(protocol, 'commenter', 'alice');
      alice.send(threadUpdate(live(), { id: 'alice', name: 'Alice' }, 'original', id));
      await waitFor(() => threadIds().includes(id));
      const commentId = readThreads(live()).find((thread) => thread.id === id)?.comments[0].id as string;

      // An editor changing Alice's comment: refused.
      const editor = await connect(protocol, 'editor', 'bob');
      editor.send(updateOn(live(), (copy) => editComment(copy, id, commentId, 'REWRITTEN')));
      expect(await editor.refusedWith()).toBe(CloseCodes.InvalidContent.reason);
      // Removing her comment from the list (a Yjs deletion): refused, even for an editor.
      const remover = await connect(protocol, 'editor', 'bob');
      remover.send(updateOn(live(), (copy) => ((threadMap(copy, id) as Y.Map<unknown>).get('comments') as Y.Array<unknown>).delete(0, 1)));
      expect(await remover.refusedWith()).toBe(CloseCodes.InvalidContent.reason);
      expect(readThreads(live()).find((thread) => thread.id === id)?.comments[0].text).toBe('original');

      // Alice edits, then deletes her own.
      alice.send(updateOn(live(), (copy) => editComment(copy, id, commentId, 'edited')));
      await waitFor(() => readThreads(live()).find((thread) => thread.id === id)?.comments[0].text === 'edited');
      alice.send(updateOn(live(), (copy) => deleteComment(copy, id, commentId)));
      await waitFor(() => readThreads(live()).find((thread) => thread.id === id)?.comments[0].deleted === true);
      expect(readThreads(live()).find((thread) => thread.id === id)?.comments[0].text).toBe('');
      expect(alice.socket.isOpen).toBe(true);
      alice.socket.close();
    });

    it(`[CM3] [CM6] [CM7] ${protocol}: resolving as oneself; threads never removed; only editors move anchors`, async () => {
      const id = `t-status-${protocol}`;
      context.owner.doc.transact(() =>
        createThread(context.owner.doc, { id: 'owner', name: 'Owner' }, { ...firstWordsAnchor(context.owner.doc), quote: 'hello', text: 'x', id }),
      );
      await context.owner.saved();

      const commenter = await connect(protocol, 'commenter', 'carol');
      commenter.send(updateOn(live(), (copy) => setThreadStatus(copy, { id: 'owner', name: 'Owner' }, id, 'resolved')));
      expect(await commenter.refusedWith()).toBe(CloseCodes.InvalidContent.reason);

      const mover = await connect(protocol, 'commenter', 'carol');
      mover.send(updateOn(live(), (copy) => setAnchor(copy, id, firstWordsAnchor(copy, 2).start, firstWordsAnchor(copy, 2).end)));
      expect(await mover.refusedWith()).toBe(CloseCodes.InvalidContent.reason);

      const remover = await connect(protocol, 'editor', 'dave');
      remover.send(updateOn(live(), (copy) => commentsMap(copy).delete(id)));
      expect(await remover.refusedWith()).toBe(CloseCodes.InvalidContent.reason);
      expect(threadIds()).toContain(id);

      const editor = await connect(protocol, 'editor', 'dave');
      const anchor = updateOn(live(), (copy) => setAnchor(copy, id, firstWordsAnchor(copy, 2).start, firstWordsAnchor(copy, 2).end));
      editor.send(anchor);
      editor.send(updateOn(live(), (copy) => setThreadStatus(copy, { id: 'dave', name: 'Dave' }, id, 'resolved')));
      await waitFor(() => readThreads(live()).find((thread) => thread.id === id)?.statusBy === 'dave');
      expect(editor.socket.isOpen).toBe(true);
      editor.socket.close();
    });

    it(`[CM5] [CM1] ${protocol}: values out of bounds or of the wrong shape are refused`, async () => {
      const cases: Array<[string, (copy: Y.Doc) => void]> = [
        [
          'a comment too long',
          (copy) =>
            createThread(copy, { id: 'eve', name: 'Eve' }, { ...firstWordsAnchor(copy), quote: 'q', text: 'x'.repeat(COMMENT_LIMITS.commentLength + 1) }),
        ],
        [
          'too many mentions',
          (copy) =>
            createThread(
              copy,
              { id: 'eve', name: 'Eve' },
              {
                ...firstWordsAnchor(copy),
                quote: 'q',
                text: 'x',
                mentions: Array.from({ length: COMMENT_LIMITS.mentionsPerComment + 1 }, (_, index) => ({ id: `u${index}`, name: 'U' })),
              },
            ),
        ],
        ['a thread without its first comment', (copy) => commentsMap(copy).set('bare', new Y.Map())],
        [
          'an unknown key',
          (copy) => {
            const thread = threadMap(copy, threadIds()[0]) as Y.Map<unknown>;
            (thread.get('comments') as Y.Array<Y.Map<unknown>>).get(0).set('html', '<b>');
          },
        ],
        [
          'a nested type in a comment',
          (copy) => ((threadMap(copy, threadIds()[0]) as Y.Map<unknown>).get('comments') as Y.Array<unknown>).push([new Y.Array()]),
        ],
        ['text in the comments field', (copy) => commentsMap(copy).set('x y', new Y.Map())],
      ];
      for (const [what, change] of cases) {
        const eve = await connect(protocol, 'editor', 'eve');
        eve.send(updateOn(live(), change));
        expect(await eve.refusedWith(), what).toBe(CloseCodes.InvalidContent.reason);
      }
    });
  });
}

it('[CM9] real providers: a commenter comments through @hocuspocus/provider (acknowledged) and y-websocket; its typing is dropped', async () => {
  const token = await context.server.token({ doc: DOC, role: 'commenter', sub: 'frank', name: 'Frank' });
  const hp = hocuspocusClient(context.server.hocuspocusUrl, DOC, token);
  const yw = yWebsocketClient(context.server.yWebsocketUrl, DOC, token);
  await Promise.all([hp.synced(), yw.synced()]);
  hp.doc.transact(() =>
    createThread(hp.doc, { id: 'frank', name: 'Frank' }, { ...firstWordsAnchor(hp.doc), quote: 'hello', text: 'via provider', id: 't-provider' }),
  );
  await hp.saved();
  yw.doc.transact(() =>
    createThread(yw.doc, { id: 'frank', name: 'Frank' }, { ...firstWordsAnchor(yw.doc), quote: 'hello', text: 'via y-websocket', id: 't-yws' }),
  );
  await waitFor(() => threadIds().includes('t-provider') && threadIds().includes('t-yws'));
  (hp.doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).insert(0, [new Y.XmlText('EVIL-TYPED')]);
  await roundTrip();
  expect(textOf(live())).not.toContain('EVIL-TYPED');
  hp.destroy();
  yw.destroy();
});

it('[CM9] the comments written by commenters on both protocols are in LevelDB', async () => {
  context.owner.destroy();
  await context.server.stop();
  const stored = readThreads((await loadStored(context.server.dataDir, [DOC])).get(DOC)?.doc as Y.Doc).map((thread) => thread.id);
  expect(stored).toEqual(expect.arrayContaining(['t-commenter-hocuspocus', 't-commenter-y-websocket', 't-provider', 't-yws']));
  await context.server.restart();
});
