import type { JSONContent } from '@tiptap/core';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { exportBody } from '../../shared/conversion';
import { BODY_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import { documentNameProblem } from '../../shared/documentName';
import type { Role } from '../../shared/token';
import { type Answer, apiRequest } from '../../testing/apiRequest';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { withoutDefaults } from '../../testing/contentJson';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { CONTENT_POLICY } from '../http/securityHeaders';

let server: TestServer;
const clients: HocuspocusClient[] = [];

const MAX_BODY = 128 * 1024;
const MAX_DOCUMENT = 512 * 1024;

beforeAll(async () => {
  server = await startTestServer({ config: { maxMessageBytes: MAX_BODY, maxDocumentBytes: MAX_DOCUMENT } });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.stop({ removeData: true });
});

/** One API request to the test server. */
const api = (method: string, path: string, options?: Parameters<typeof apiRequest>[3]): Promise<Answer> => apiRequest(server.httpUrl, method, path, options);

const admin = () => server.token({ doc: '*', role: 'admin', sub: 'backend', name: 'Backend' });
const tokenFor = (doc: string, role: Role) => server.token({ doc, role, sub: `${role}-user`, name: `A ${role}` });

/** A real client on `name`, synced. */
async function connect(name: string, role: Role = 'editor'): Promise<HocuspocusClient> {
  const client = hocuspocusClient(server.hocuspocusUrl, name, await tokenFor(name, role));
  clients.push(client);
  await client.synced();
  return client;
}

/** Types `text` at the end of the first paragraph, one character per transaction, as a person does. */
async function typeInto(doc: Y.Doc, text: string, paragraph = 0): Promise<void> {
  for (const character of text) {
    const run = (doc.getXmlFragment(BODY_FIELD).get(paragraph) as Y.XmlElement).get(0) as Y.XmlText;
    run.insert(run.length, character);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

const MARKDOWN = '# Release notes\n\nWe shipped **three** things:\n\n- the *API*\n- webhooks\n\n> Quoted.\n\n| k   | v   |\n| --- | --- |\n| a   | 1   |';
const HTML =
  '<h2>Agenda</h2><p>Point <strong>one</strong>, <em>two</em>.</p><ol><li><p>first</p></li></ol><pre><code class="language-sh">npm start</code></pre>';
const JSON_DOC: JSONContent = {
  type: 'doc',
  content: [
    { type: 'heading', attrs: { level: 2 }, content: [{ type: 'text', text: 'From JSON' }] },
    { type: 'paragraph', attrs: { textAlign: 'center' }, content: [{ type: 'text', marks: [{ type: 'highlight' }], text: 'centered' }] },
    {
      type: 'taskList',
      content: [{ type: 'taskItem', attrs: { checked: true }, content: [{ type: 'paragraph', content: [{ type: 'text', text: 'done' }] }] }],
    },
  ],
};

describe('content API: round trips through the live document', () => {
  it('Markdown: created, read back, and shown to a connected client exactly as sent', async () => {
    const created = await api('POST', '/api/docs', { token: await admin(), body: { name: 'md-doc', title: 'Notes', content: MARKDOWN, format: 'markdown' } });
    expect(created.status).toBe(201);
    expect(created.headers.get('location')).toBe('/api/docs/md-doc');
    expect(created.json).toMatchObject({ name: 'md-doc', title: 'Notes' });
    expect(created.json.size).toBeGreaterThan(0);
    expect(Date.parse(created.json.created as string)).toBeGreaterThan(0);

    const read = await api('GET', '/api/docs/md-doc/content?format=markdown', { token: await tokenFor('md-doc', 'viewer') });
    expect(read.status).toBe(200);
    expect(read.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(read.text).toBe(MARKDOWN);

    const client = await connect('md-doc');
    expect(exportBody(client.doc, 'markdown')).toBe(MARKDOWN);
    expect(client.doc.getText(TITLE_FIELD).toString()).toBe('Notes');

    const replaced = `${MARKDOWN}\n\nOne more paragraph.`;
    const put = await api('PUT', '/api/docs/md-doc/content', { token: await tokenFor('md-doc', 'editor'), body: { content: replaced, format: 'markdown' } });
    expect(put.status).toBe(200);
    expect(put.json).toMatchObject({ name: 'md-doc', title: 'Notes' });
    await waitFor(() => exportBody(client.doc, 'markdown') === replaced, { message: 'the replaced content to reach the client' });
  });

  it('HTML: replaced content equals what comes out, on the server and in a connected client', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'html-doc' } });
    const client = await connect('html-doc');
    const put = await api('PUT', '/api/docs/html-doc/content', { token: await tokenFor('html-doc', 'editor'), body: { content: HTML, format: 'html' } });
    expect(put.status).toBe(200);
    const read = await api('GET', '/api/docs/html-doc/content?format=html', { token: await tokenFor('html-doc', 'viewer') });
    expect(read.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(read.text).toBe(HTML);
    await waitFor(() => exportBody(client.doc, 'html') === HTML, { message: 'the HTML to reach the client' });
  });

  it('JSON: an object in is the same document out, on the server and in a connected client', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'json-doc', content: JSON_DOC } });
    const read = await api('GET', '/api/docs/json-doc/content?format=json', { token: await tokenFor('json-doc', 'viewer') });
    expect(read.headers.get('content-type')).toBe('application/json; charset=utf-8');
    expect(withoutDefaults(read.json as JSONContent)).toEqual(JSON_DOC);
    const client = await connect('json-doc', 'viewer');
    expect(withoutDefaults(JSON.parse(exportBody(client.doc, 'json')))).toEqual(JSON_DOC);
    // The default format is JSON, and plain text is offered too.
    expect((await api('GET', '/api/docs/json-doc/content', { token: await admin() })).json).toEqual(read.json);
    expect((await api('GET', '/api/docs/json-doc/content?format=text', { token: await admin() })).text).toBe('From JSON\n\ncentered\n\ndone');
  });

  it('content responses cannot run in a browser that is shown them', async () => {
    const read = await api('GET', '/api/docs/html-doc/content?format=html', { token: await admin() });
    expect(read.headers.get('content-security-policy')).toBe(CONTENT_POLICY);
    expect(CONTENT_POLICY).toMatch(/^sandbox; default-src 'none'/);
    expect(read.headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('content API: writes merge with people typing', () => {
  it('appends merge with concurrent typing: nothing typed or appended is lost, and each append is durable when answered', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'busy', content: 'Typed: ' } });
    const client = await connect('busy');
    const token = await tokenFor('busy', 'editor');
    const typed = 'the quick brown fox jumps over the lazy dog';
    const appends = Array.from({ length: 8 }, (_, index) => `Appended paragraph ${index + 1}.`);

    const typing = typeInto(client.doc, typed);
    const appending = (async () => {
      for (const paragraph of appends) {
        const answer = await api('POST', '/api/docs/busy/content', { token, body: { content: paragraph } });
        expect(answer.status).toBe(200);
      }
    })();
    await Promise.all([typing, appending]);
    await client.saved();

    const expected = ['Typed: the quick brown fox jumps over the lazy dog', ...appends].join('\n\n');
    await waitFor(() => exportBody(client.doc, 'markdown') === expected, { message: 'the client to hold every append' });
    expect((await api('GET', '/api/docs/busy/content?format=markdown', { token })).text).toBe(expected);
    // Answered means durable: a restart keeps everything.
    client.destroy();
    await server.restart();
    expect((await api('GET', '/api/docs/busy/content?format=markdown', { token })).text).toBe(expected);
  });

  it('a replace based on an old read is refused (412) instead of dropping what was typed since', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'stale', content: 'Intro.\n\nStatus: draft.' } });
    const token = await tokenFor('stale', 'editor');
    // Read while nobody has it open (the version comes from the store), then someone types.
    const read = await api('GET', '/api/docs/stale/content?format=markdown', { token });
    const version = read.headers.get('etag') as string;
    expect(version).toMatch(/^"[A-Za-z0-9_-]{27}"$/);
    const client = await connect('stale');
    await typeInto(client.doc, ' Typed after the read.');
    await client.saved();

    const refusedPut = await api('PUT', '/api/docs/stale/content', { token, headers: { 'if-match': version }, body: { content: 'Intro.\n\nStatus: final.' } });
    expect(refusedPut.status).toBe(412);
    expect(refusedPut.json.error).toMatch(/^the document changed since the version in If-Match was read/);
    expect(exportBody(client.doc, 'markdown')).toBe('Intro. Typed after the read.\n\nStatus: draft.');

    const again = await api('GET', '/api/docs/stale/content?format=markdown', { token });
    const put = await api('PUT', '/api/docs/stale/content', {
      token,
      headers: { 'if-match': again.headers.get('etag') as string },
      body: { content: again.text.replace('draft', 'final') },
    });
    expect(put.status).toBe(200);
    expect(put.headers.get('etag')).not.toBe(again.headers.get('etag'));
    await waitFor(() => exportBody(client.doc, 'markdown') === 'Intro. Typed after the read.\n\nStatus: final.', { message: 'the replacement in the client' });
    // The version a write answers with is the one a read sees next.
    expect((await api('GET', '/api/docs/stale/content', { token })).headers.get('etag')).toBe(put.headers.get('etag'));
  });

  it('read-modify-write with If-Match while someone types: every typed character and the change survive', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'shared', content: 'Notes:\n\nStatus: draft.' } });
    const client = await connect('shared');
    const token = await tokenFor('shared', 'editor');
    const typed = ' Written while the backend edits the status line.';
    let typing = true;
    const typist = (async () => {
      for (const character of typed) {
        const run = (client.doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement).get(0) as Y.XmlText;
        run.insert(run.length, character);
        // About as fast as a quick typist: a character every few milliseconds.
        await new Promise((resolve) => setTimeout(resolve, 3));
      }
      typing = false;
    })();
    let attempts = 0;
    let status = 0;
    while (status !== 200 && attempts < 50) {
      attempts += 1;
      const read = await api('GET', '/api/docs/shared/content?format=markdown', { token });
      const answer = await api('PUT', '/api/docs/shared/content', {
        token,
        headers: { 'if-match': read.headers.get('etag') as string },
        body: { content: read.text.replace('draft', 'final') },
      });
      status = answer.status;
      expect([200, 412]).toContain(status);
    }
    expect(status).toBe(200);
    await typist;
    expect(typing).toBe(false);
    await client.saved();
    const expected = `Notes:${typed}\n\nStatus: final.`;
    await waitFor(() => exportBody(client.doc, 'markdown') === expected, { message: 'both changes in the client' });
    expect((await api('GET', '/api/docs/shared/content?format=markdown', { token })).text).toBe(expected);
  });
});

describe('content API: documents', () => {
  it('creates with a generated name when none is given', async () => {
    const created = await api('POST', '/api/docs', { token: await admin(), body: { title: 'Generated' } });
    expect(created.status).toBe(201);
    const name = created.json.name as string;
    expect(documentNameProblem(name)).toBeNull();
    expect(name).toMatch(/^[A-Za-z0-9_-]{16}$/);
    const meta = await api('GET', `/api/docs/${name}`, { token: await tokenFor(name, 'viewer') });
    expect(meta.json).toEqual({ name, title: 'Generated', created: created.json.created, updated: expect.any(String), size: expect.any(Number) });
  });

  it('lists documents with name, title, created, updated and size, a page at a time', async () => {
    const token = await admin();
    for (const name of ['list-a', 'list-b', 'list-c']) await api('POST', '/api/docs', { token, body: { name, title: name.toUpperCase() } });
    const all = await api('GET', '/api/docs?limit=1000', { token });
    expect(all.status).toBe(200);
    const documents = all.json.documents as Array<Record<string, unknown>>;
    expect(documents.find((entry) => entry.name === 'list-b')).toEqual({
      name: 'list-b',
      title: 'LIST-B',
      created: expect.any(String),
      updated: expect.any(String),
      size: expect.any(Number),
    });
    expect(all.json.next).toBeNull();

    const first = await api('GET', '/api/docs?limit=2&after=list-a', { token });
    expect((first.json.documents as Array<{ name: string }>).map((entry) => entry.name)).toEqual(['list-b', 'list-c']);
    const names = documents.map((entry) => entry.name as string);
    expect(first.json.next).toBe(names.indexOf('list-c') === names.length - 1 ? null : 'list-c');
  });

  it('never shows link secrets or other properties', async () => {
    const app = await fetch(`${server.httpUrl}/api/app/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"App doc"}',
    });
    const { name, links } = (await app.json()) as { name: string; links: Array<{ secret: string }> };
    const editKey = links[0].secret;
    const meta = await api('GET', `/api/docs/${name}`, { token: await admin() });
    expect(Object.keys(meta.json).sort()).toEqual(['created', 'name', 'size', 'title', 'updated']);
    const list = await api('GET', '/api/docs?limit=1000', { token: await admin() });
    expect(list.text).not.toContain(editKey);
  });

  it('renames: connected editors see the new title', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'rename-me', title: 'Old' } });
    const client = await connect('rename-me');
    const patched = await api('PATCH', '/api/docs/rename-me', { token: await tokenFor('rename-me', 'editor'), body: { title: 'New title' } });
    expect(patched.status).toBe(200);
    expect(patched.json.title).toBe('New title');
    await waitFor(() => client.doc.getText(TITLE_FIELD).toString() === 'New title', { message: 'the title to reach the client' });
  });

  it('deletes: open editors are closed with document-deleted, and the document is gone', async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'doomed', content: 'Bye.' } });
    const client = await connect('doomed');
    const reasons: string[] = [];
    client.provider.on('close', ({ event }: { event: { reason: string } }) => reasons.push(event.reason));
    const deleted = await api('DELETE', '/api/docs/doomed', { token: await tokenFor('doomed', 'admin') });
    expect(deleted.status).toBe(204);
    await waitFor(() => reasons.includes(CloseCodes.DocumentDeleted.reason), { message: 'the editor to be told the document was deleted' });
    expect((await api('GET', '/api/docs/doomed', { token: await admin() })).status).toBe(404);
    expect((await api('DELETE', '/api/docs/doomed', { token: await admin() })).status).toBe(404);
  });
});

describe('content API: refusals say what was wrong, with the right status', () => {
  /** Asserts a JSON error answer. */
  const refused = (answer: Answer, status: number, message: RegExp) => {
    expect({ status: answer.status, error: answer.json.error }).toEqual({ status, error: expect.stringMatching(message) });
    expect(answer.headers.get('content-type')).toBe('application/json; charset=utf-8');
  };

  beforeAll(async () => {
    await api('POST', '/api/docs', { token: await admin(), body: { name: 'guarded', content: 'Secret plans.' } });
  });

  it('401: no token, a malformed header, a forged token, an expired token', async () => {
    const none = await api('GET', '/api/docs/guarded');
    refused(none, 401, /^no token: send the header "Authorization: Bearer <token>"$/);
    expect(none.headers.get('www-authenticate')).toBe('Bearer realm="quire", error="invalid_request"');
    refused(await api('GET', '/api/docs/guarded', { headers: { authorization: 'Basic dXNlcjpwYXNz' } }), 401, /must be "Bearer <token>"/);
    const forged = await new SignJWT({ doc: '*', role: 'admin', name: 'Mallory' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('mallory')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('a-different-secret-that-is-long-enough-too'));
    const bad = await api('GET', '/api/docs/guarded', { token: forged });
    refused(bad, 401, /^the token is not valid/);
    expect(bad.headers.get('www-authenticate')).toBe('Bearer realm="quire", error="invalid_token"');
    const expired = await server.token({ doc: 'guarded', role: 'editor' }, -60);
    refused(await api('GET', '/api/docs/guarded', { token: expired }), 401, /^the token has expired$/);
  });

  it('403: a role too weak, or a token for another document', async () => {
    const viewer = await tokenFor('guarded', 'viewer');
    const editor = await tokenFor('guarded', 'editor');
    refused(
      await api('PUT', '/api/docs/guarded/content', { token: viewer, body: { content: 'x' } }),
      403,
      /needs a token with the "editor" role or higher; this token has "viewer"/,
    );
    refused(await api('POST', '/api/docs/guarded/content', { token: viewer, body: { content: 'x' } }), 403, /"editor" role/);
    refused(await api('DELETE', '/api/docs/guarded', { token: editor }), 403, /needs a token with the "admin" role; this token has "editor"/);
    refused(await api('POST', '/api/docs', { token: editor, body: { name: 'guarded-2' } }), 403, /"admin" role/);
    refused(await api('GET', '/api/docs', { token: editor }), 403, /"admin" role/);
    refused(
      await api('GET', '/api/docs', { token: await tokenFor('guarded', 'admin') }),
      403,
      /^listing documents needs an admin token for every document \(doc "\*"\)$/,
    );
    refused(
      await api('POST', '/api/docs', { token: await tokenFor('other', 'admin'), body: { name: 'guarded-3' } }),
      403,
      /this token is for document "other", not "guarded-3"/,
    );
    refused(
      await api('GET', '/api/docs/guarded/content', { token: await tokenFor('other', 'editor') }),
      403,
      /this token is for document "other", not "guarded"/,
    );
    refused(await api('PUT', '/api/docs/guarded/content', { token: await tokenFor('other', 'editor'), body: { content: 'x' } }), 403, /not "guarded"/);
    // Nothing refused was applied.
    expect((await api('GET', '/api/docs/guarded/content?format=text', { token: viewer })).text).toBe('Secret plans.');
  });

  it('404: a document that does not exist', async () => {
    const token = await admin();
    refused(await api('GET', '/api/docs/missing', { token }), 404, /^document "missing" does not exist$/);
    refused(await api('GET', '/api/docs/missing/content?format=markdown', { token }), 404, /does not exist/);
    refused(await api('POST', '/api/docs/missing/content', { token, body: { content: 'x' } }), 404, /does not exist/);
  });

  it('409: creating a name that exists', async () => {
    refused(await api('POST', '/api/docs', { token: await admin(), body: { name: 'guarded' } }), 409, /exists/);
  });

  it('413: a body or a document too large', async () => {
    const token = await admin();
    refused(await api('POST', '/api/docs', { token, body: { content: 'x'.repeat(MAX_BODY) } }), 413, new RegExp(`larger than ${MAX_BODY} bytes`));
    await api('POST', '/api/docs', { token, body: { name: 'growing' } });
    const chunk = Array.from({ length: 120 }, (_, index) => `Paragraph ${index} ${'y'.repeat(800)}`).join('\n\n');
    let answer: Answer;
    let appends = 0;
    do {
      answer = await api('POST', '/api/docs/growing/content', { token, body: { content: chunk } });
      appends += 1;
    } while (answer.status === 200 && appends < 20);
    refused(answer, 413, new RegExp(`the largest allowed is ${MAX_DOCUMENT} bytes \\(MAX_DOCUMENT_BYTES\\)`));
    expect(appends).toBeGreaterThan(1);
  });

  it('415: a body that is not JSON', async () => {
    refused(
      await api('POST', '/api/docs/guarded/content', { token: await admin(), body: '# Title', headers: { 'content-type': 'text/markdown' } }),
      415,
      /must be JSON \(Content-Type: application\/json\)/,
    );
  });

  it('400: bad formats, content that does not fit, bad names, unknown fields', async () => {
    const token = await admin();
    const write = (body: unknown) => api('PUT', '/api/docs/guarded/content', { token, body });
    refused(
      await api('GET', '/api/docs/guarded/content?format=odt', { token }),
      400,
      /^format must be one of json, html, markdown, text, docx, pdf \(got "odt"\)$/,
    );
    refused(await write({ content: 'x', format: 'odt' }), 400, /^"format" must be one of json, html, markdown, text, docx/);
    refused(await write({ format: 'markdown' }), 400, /^"content" is required$/);
    refused(await write({ content: 42, format: 'markdown' }), 400, /^"content" must be a string of markdown$/);
    refused(await write({ content: { type: 'doc', content: [{ type: 'video' }] } }), 400, /does not fit the document schema: Unknown node type: video/);
    refused(await write({ content: '{"type":', format: 'json' }), 400, /^the json content could not be parsed/);
    refused(await write({ content: 'x', fromat: 'markdown' }), 400, /^unknown field "fromat"; the fields are content, format$/);
    refused(await write(['content']), 400, /must be a JSON object/);
    refused(await api('PUT', '/api/docs/guarded/content', { token, body: '{not json' }), 400, /^the request body is not valid JSON$/);
    refused(await api('POST', '/api/docs', { token, body: { name: 'a/b' } }), 400, /contains "\/"/);
    refused(await api('POST', '/api/docs', { token, body: { name: 'x', title: 'y'.repeat(201) } }), 400, /"title" is 201 characters long; at most 200/);
    refused(await api('GET', '/api/docs?limit=0', { token }), 400, /^limit must be a whole number from 1 to 1000/);
    // Nothing refused was applied.
    expect((await api('GET', '/api/docs/guarded/content?format=text', { token })).text).toBe('Secret plans.');
  });

  it('405: a method the path does not take', async () => {
    refused(await api('PATCH', '/api/docs', { token: await admin(), body: {} }), 405, /PATCH is not allowed on \/api\/docs/);
  });
});
