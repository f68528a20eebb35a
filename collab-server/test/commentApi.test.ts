import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { readThreads } from '../../shared/comments/threadModel';
import { addReply, createThread } from '../../shared/comments/threadWrites';
import { hocuspocusClient } from '../../testing/clients';
import { firstWordsAnchor, threadUpdate } from '../../testing/commentFrames';
import { hpFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import type { WebhookEvent } from '../webhooks/events';

/**
 * The content API's comment threads ([CM10]) and the comment webhooks ([CM11]): list, create by
 * quote or range, reply, resolve, reopen, edit and delete one's own, each as the token's user and
 * answered once durable; `comment.created` and `comment.resolved` reach the receiver once each,
 * whoever wrote them, with the mentioned users' ids.
 */

const DOC = 'comment-api';
let server: TestServer;
let receiver: Server;
const events: WebhookEvent[] = [];

beforeAll(async () => {
  receiver = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      events.push(JSON.parse(Buffer.concat(chunks).toString('utf8')));
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  server = await startTestServer({
    config: {
      webhookUrls: [`http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`],
      webhookSecret: 'whsec-for-the-comment-tests-0123456789abcdef',
      webhookDebounceMs: 50,
    },
  });
  const admin = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
  const created = await fetch(`${server.httpUrl}/api/docs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: DOC, content: 'The quick brown fox jumps over the lazy dog.\n\nA second fox paragraph.' }),
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await server.stop({ removeData: true });
  await new Promise((resolve) => receiver.close(resolve));
});

async function api(method: string, path: string, role: 'viewer' | 'commenter' | 'editor', sub: string, body?: unknown) {
  const token = await server.token({ doc: DOC, role, sub, name: sub.toUpperCase() });
  const response = await fetch(`${server.httpUrl}/api/docs/${DOC}/threads${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : null };
}

const ofType = (type: string) => events.filter((event) => event.type === type);

describe('content API', () => {
  it('[CM10] a commenter creates a thread by quote, replies, resolves and reopens; each is the token user and the thread follows its text', async () => {
    const created = await api('POST', '', 'commenter', 'ann', { text: 'Which fox? @Bob', quote: 'fox', occurrence: 2, mentions: [{ id: 'bob', name: 'Bob' }] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      status: 'open',
      quote: 'fox',
      author: { id: 'ann', name: 'ANN' },
      anchor: { text: 'fox' },
      comments: [{ text: 'Which fox? @Bob', author: { id: 'ann' }, mentions: [{ id: 'bob', name: 'Bob' }] }],
    });
    const id = created.body.id as string;
    const reply = await api('POST', `/${id}/comments`, 'editor', 'bob', { text: 'The second one.' });
    expect(reply.status).toBe(201);
    expect(reply.body).toMatchObject({ text: 'The second one.', author: { id: 'bob', name: 'BOB' } });
    expect((await api('POST', `/${id}/resolve`, 'commenter', 'ann')).body).toMatchObject({ status: 'resolved', statusBy: { id: 'ann' } });
    expect((await api('GET', '?status=open', 'viewer', 'vic')).body.threads.map((thread: { id: string }) => thread.id)).not.toContain(id);
    expect((await api('GET', '?status=resolved', 'viewer', 'vic')).body.threads.map((thread: { id: string }) => thread.id)).toContain(id);
    expect((await api('POST', `/${id}/reopen`, 'editor', 'bob')).body).toMatchObject({ status: 'open', statusBy: { id: 'bob' } });

    // The anchor follows the text: an editor writes before it.
    const editor = hocuspocusClient(server.hocuspocusUrl, DOC, await server.token({ doc: DOC, sub: 'typist' }));
    await editor.synced();
    const first = (editor.doc.getXmlFragment('default').get(0) as Y.XmlElement).get(0) as Y.XmlText;
    first.insert(0, 'NEW ');
    await editor.saved();
    editor.destroy();
    const listed = (await api('GET', '', 'viewer', 'vic')).body.threads.find((thread: { id: string }) => thread.id === id);
    expect(listed.anchor.text).toBe('fox');
  });

  it("[CM10] a range anchor; editing and deleting only one's own comment; viewers cannot write; bad bodies are explained", async () => {
    // The first paragraph reads "NEW The quick…" since the test before: "quick" is at 9–14.
    const created = await api('POST', '', 'editor', 'bob', { text: 'On "quick"', from: 9, to: 14 });
    expect(created.status).toBe(201);
    expect(created.body.anchor.text).toBe('quick');
    const { id } = created.body;
    const commentId = created.body.comments[0].id;
    expect((await api('PATCH', `/${id}/comments/${commentId}`, 'commenter', 'ann', { text: 'hijack' })).status).toBe(403);
    expect((await api('PATCH', `/${id}/comments/${commentId}`, 'editor', 'bob', { text: 'On "quick", edited' })).body.comments[0]).toMatchObject({
      text: 'On "quick", edited',
      edited: expect.any(String),
    });
    expect((await api('DELETE', `/${id}/comments/${commentId}`, 'editor', 'bob')).status).toBe(204);
    expect((await api('GET', '', 'viewer', 'vic')).body.threads.find((thread: { id: string }) => thread.id === id).comments[0]).toMatchObject({
      deleted: true,
      text: '',
    });

    expect((await api('POST', '', 'viewer', 'vic', { text: 'no', quote: 'dog' })).status).toBe(403);
    expect((await api('POST', `/${id}/comments`, 'viewer', 'vic', { text: 'no' })).status).toBe(403);
    const bad = [
      [{ text: '', quote: 'dog' }, 400],
      [{ text: 'x' }, 400],
      [{ text: 'x', quote: 'not in the text' }, 422],
      [{ text: 'x', from: 0, to: 100_000 }, 422],
      [{ text: 'x', quote: 'dog', mentions: 'everyone' }, 400],
      [{ text: 'x', quote: 'dog', colour: 'red' }, 400],
    ] as const;
    for (const [body, status] of bad) {
      const answer = await api('POST', '', 'commenter', 'ann', body);
      expect(answer.status, JSON.stringify(body)).toBe(status);
      expect(answer.body.error).toEqual(expect.any(String));
    }
    expect((await api('POST', '/nope/comments', 'commenter', 'ann', { text: 'x' })).status).toBe(404);
  });
});

describe('webhooks', () => {
  it('[CM11] comment.created and comment.resolved are sent once each, whoever wrote them, with the mentioned ids; a resent update announces nothing', async () => {
    await waitFor(() => ofType('comment.resolved').length >= 1, { message: 'the API resolution to be announced' });
    const fromApi = ofType('comment.created').find((event) => event.comment?.text === 'Which fox? @Bob');
    expect(fromApi).toMatchObject({ document: { name: DOC }, thread: { quote: 'fox' }, comment: { author: { id: 'ann', name: 'ANN' } }, mentioned: ['bob'] });
    expect(ofType('comment.resolved')[0]).toMatchObject({ resolvedBy: { id: 'ann' } });

    // A raw Yjs client writes a thread and a reply; then sends the same update again.
    const socket = await RawSocket.open(server.hocuspocusUrl);
    socket.send(hpFrames.auth(DOC, await server.token({ doc: DOC, role: 'commenter', sub: 'raw', name: 'Raw' })));
    await socket.authResult(DOC);
    const live = server.server.hocuspocus.documents.get(DOC) ?? (await waitFor(() => server.server.hocuspocus.documents.get(DOC)));
    const update = threadUpdate(live, { id: 'raw', name: 'Raw' }, 'from raw Yjs', 'raw-thread');
    socket.send(hpFrames.update(DOC, update));
    await waitFor(() => ofType('comment.created').some((event) => event.thread?.id === 'raw-thread'), { message: 'the raw thread to be announced' });
    socket.send(hpFrames.update(DOC, update), hpFrames.syncStep2(DOC, update));
    const reply = await api('POST', '/raw-thread/comments', 'commenter', 'ann', { text: 'after the resend', mentions: [{ id: 'raw', name: 'Raw' }] });
    expect(reply.status).toBe(201);
    await waitFor(() => ofType('comment.created').some((event) => event.comment?.text === 'after the resend'));
    expect(
      ofType('comment.created')
        .filter((event) => event.thread?.id === 'raw-thread')
        .map((event) => event.comment?.text),
    ).toEqual(['from raw Yjs', 'after the resend']);
    expect(ofType('comment.created').find((event) => event.comment?.text === 'after the resend')?.mentioned).toEqual(['raw']);
    // Event ids are unique per comment, and the same for a retry of the same event.
    const ids = ofType('comment.created').map((event) => event.id);
    expect(new Set(ids).size).toBe(ids.length);
    socket.close();
  });

  it('[CM11] comments the store already held are not announced again after a restart', async () => {
    const before = ofType('comment.created').length;
    await server.restart();
    const client = hocuspocusClient(server.hocuspocusUrl, DOC, await server.token({ doc: DOC, sub: 'late' }));
    await client.synced();
    client.doc.transact(() => addReply(client.doc, { id: 'late', name: 'Late' }, 'raw-thread', 'after restart'));
    client.doc.transact(() => createThread(client.doc, { id: 'late', name: 'Late' }, { ...firstWordsAnchor(client.doc), quote: 'NEW', text: 'second thread' }));
    await client.saved();
    await waitFor(() => ofType('comment.created').length >= before + 2);
    expect(
      ofType('comment.created')
        .slice(before)
        .map((event) => event.comment?.text),
    ).toEqual(['after restart', 'second thread']);
    expect(readThreads(client.doc).length).toBeGreaterThan(2);
    client.destroy();
  });
});
