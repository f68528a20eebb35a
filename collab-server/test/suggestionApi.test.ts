import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SUGGESTION_AUTHORS_FIELD } from '../../shared/documentFields';
import { apiRequest } from '../../testing/apiRequest';
import { hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Suggestions written through the content API ([SG11] of shared/suggestions/SUGGESTIONS.md):
 * held to the same authorship rule as on the wire. A new suggestion is the caller's own (their
 * token's `sub`) or the write is refused with 422; recorded suggestions written back unchanged
 * (a read-modify-write) are taken.
 */

let server: TestServer;

const stamp = (author: string, id: string) => ({ id, author, authorName: author, time: 1_700_000_000_000 });
const suggested = (text: string, mark: string, attrs: Record<string, unknown>) => ({
  type: 'doc',
  content: [
    {
      type: 'paragraph',
      content: [
        { type: 'text', text: 'Plain ' },
        { type: 'text', text, marks: [{ type: mark, attrs }] },
      ],
    },
  ],
});

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server?.stop({ removeData: true });
});

/** The suggestion records of document `name`, as a client reads them. */
async function records(name: string): Promise<Record<string, unknown>> {
  const reader = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub: 'reader', role: 'viewer' }));
  try {
    await reader.synced();
    return reader.doc.getMap(SUGGESTION_AUTHORS_FIELD).toJSON();
  } finally {
    reader.destroy();
  }
}

describe('suggestions through the content API', () => {
  it('[SG11] a write whose suggestion claims another author is refused with 422 and changes nothing; the caller’s own is taken and recorded', async () => {
    const admin = await server.token({ doc: '*', role: 'admin', sub: 'api-admin' });
    const created = await apiRequest(server.httpUrl, 'POST', '/api/docs', {
      token: admin,
      body: { name: 'api-suggest', format: 'json', content: suggested('x', 'suggestionInsert', stamp('api-admin', 'a0')) },
    });
    expect(created.status, created.text).toBe(201);
    const bob = await server.token({ doc: 'api-suggest', role: 'editor', sub: 'bob' });

    for (const mark of ['suggestionInsert', 'suggestionDelete', 'suggestionFormat']) {
      const attrs = mark === 'suggestionFormat' ? { ...stamp('alice', `forged-${mark}`), before: {} } : stamp('alice', `forged-${mark}`);
      const forged = await apiRequest(server.httpUrl, 'PUT', '/api/docs/api-suggest/content', {
        token: bob,
        body: { format: 'json', content: suggested('FORGED', mark, attrs) },
      });
      expect(forged.status, forged.text).toBe(422);
      expect(forged.json.error).toMatch(/SG11.*not by alice/);
    }
    const text = await apiRequest(server.httpUrl, 'GET', '/api/docs/api-suggest/content?format=json', { token: bob });
    expect(text.text).not.toContain('FORGED');

    const own = await apiRequest(server.httpUrl, 'POST', '/api/docs/api-suggest/content', {
      token: bob,
      body: { format: 'json', content: suggested('mine', 'suggestionInsert', stamp('bob', 'b1')) },
    });
    expect(own.status, own.text).toBe(200);
    await waitFor(async () => 'b1' in (await records('api-suggest')), { message: "Bob's suggestion recorded" });
    expect((await records('api-suggest')).b1).toEqual({ author: 'bob', authorName: 'bob', time: 1_700_000_000_000 });
  });

  it('[SG11] a read-modify-write keeps everyone’s recorded suggestions; writing one under another author is refused', async () => {
    const carol = await server.token({ doc: 'api-suggest', role: 'editor', sub: 'carol' });
    const read = await apiRequest(server.httpUrl, 'GET', '/api/docs/api-suggest/content?format=json', { token: carol });
    expect(read.text).toContain('"author":"bob"');
    const written = await apiRequest(server.httpUrl, 'PUT', '/api/docs/api-suggest/content', { token: carol, body: { format: 'json', content: read.json } });
    expect(written.status, written.text).toBe(200);

    const renamed = read.text.replace('"author":"bob"', '"author":"carol"');
    const answer = await apiRequest(server.httpUrl, 'PUT', '/api/docs/api-suggest/content', { token: carol, body: `{"format":"json","content":${renamed}}` });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.json.error).toMatch(/SG11.*is by bob/);
    expect((await records('api-suggest')).b1).toEqual({ author: 'bob', authorName: 'bob', time: 1_700_000_000_000 });
  });

  it('[SG11] a document created with a suggestion claiming another author is refused with 422 and not created', async () => {
    const admin = await server.token({ doc: '*', role: 'admin', sub: 'api-admin' });
    const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', {
      token: admin,
      body: { name: 'api-forged', format: 'json', content: suggested('FORGED', 'suggestionInsert', stamp('alice', 'c1')) },
    });
    expect(answer.status, answer.text).toBe(422);
    expect(answer.json.error).toMatch(/SG11/);
    expect((await apiRequest(server.httpUrl, 'GET', '/api/docs/api-forged', { token: admin })).status).toBe(404);
  });
});
