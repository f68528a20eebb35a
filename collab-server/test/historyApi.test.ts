import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import { exportBody } from '../../shared/conversion';
import { BODY_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import type { Role } from '../../shared/token';
import { type Answer, apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Version history over HTTP: the REST API (bearer tokens, like the content API) and the web app's
 * endpoints (link secrets). Automatic capture is set slow here, so versions appear when a test
 * asks for them or when the last editor leaves (an API write with nobody connected).
 */

let server: TestServer;
const clients: HocuspocusClient[] = [];

beforeAll(async () => {
  server = await startTestServer({ config: { historyIdleMs: 60_000, historyMaxIntervalMs: 60_000 } });
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  await server.stop({ removeData: true });
});

/** One API request to the test server. */
const request = (method: string, path: string, options?: Parameters<typeof apiRequest>[3]): Promise<Answer> =>
  apiRequest(server.httpUrl, method, path, options);

const tokenFor = (doc: string, role: Role, sub = `${role}-user`) => server.token({ doc, role, sub, name: `The ${role}` });
const admin = () => server.token({ doc: '*', role: 'admin', sub: 'backend', name: 'Backend' });

async function createDocument(name: string, markdown: string, title = ''): Promise<void> {
  const created = await request('POST', '/api/docs', { token: await admin(), body: { name, title, content: markdown, format: 'markdown' } });
  expect(created.status).toBe(201);
}

async function writeContent(name: string, markdown: string): Promise<void> {
  const written = await request('PUT', `/api/docs/${name}/content`, { token: await tokenFor(name, 'editor'), body: { content: markdown } });
  expect(written.status).toBe(200);
}

type Version = { id: number; label: string | null; authors: Array<{ id: string; name: string }>; restoredFrom: { id: number; label: string | null } | null };

async function versions(name: string, role: Role = 'viewer'): Promise<Version[]> {
  const listed = await request('GET', `/api/docs/${name}/versions`, { token: await tokenFor(name, role) });
  expect(listed.status).toBe(200);
  return listed.json.versions as Version[];
}

async function connect(name: string, sub: string): Promise<HocuspocusClient> {
  const client = hocuspocusClient(server.hocuspocusUrl, name, await server.token({ doc: name, sub, name: sub }));
  clients.push(client);
  await client.synced();
  return client;
}

async function typeAtEnd(doc: Y.Doc, text: string): Promise<void> {
  const fragment = doc.getXmlFragment(BODY_FIELD);
  const run = (fragment.get(fragment.length - 1) as Y.XmlElement).get(0) as Y.XmlText;
  for (const character of text) {
    run.insert(run.length, character);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('REST: /api/docs/<name>/versions', () => {
  it('lists, names, reads in every format and labels versions', async () => {
    await createDocument('plan', '# Plan\n\nDraft one.', 'The plan');
    const editor = await tokenFor('plan', 'editor');
    const named = await request('POST', '/api/docs/plan/versions', { token: editor, body: { label: '  First draft  ' } });
    expect(named.status).toBe(201);
    expect(named.json).toMatchObject({ id: 1, label: 'First draft', restoredFrom: null });
    expect(named.headers.get('location')).toBe('/api/docs/plan/versions/1');
    expect(Date.parse(named.json.created as string)).toBeGreaterThan(0);

    await writeContent('plan', '# Plan\n\nDraft two, with **more**.');
    // The write left the document with nobody connected: that captured a version by the writer.
    const listed = await waitFor(async () => ((await versions('plan')).length === 2 ? versions('plan') : null), { message: 'the version of the write' });
    expect(listed.map((version) => [version.id, version.label])).toEqual([
      [2, null],
      [1, 'First draft'],
    ]);
    expect(listed[0].authors).toEqual([{ id: 'editor-user', name: 'The editor', color: expect.stringMatching(/^#/) }]);

    const viewer = await tokenFor('plan', 'viewer');
    const markdown = await request('GET', '/api/docs/plan/versions/1/content?format=markdown', { token: viewer });
    expect(markdown.status).toBe(200);
    expect(markdown.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(markdown.text).toBe('# Plan\n\nDraft one.');
    expect((await request('GET', '/api/docs/plan/versions/2/content?format=text', { token: viewer })).text).toBe('Plan\n\nDraft two, with more.');
    expect((await request('GET', '/api/docs/plan/versions/2/content?format=html', { token: viewer })).text).toBe(
      '<h1>Plan</h1><p>Draft two, with <strong>more</strong>.</p>',
    );
    const json = await request('GET', '/api/docs/plan/versions/1/content', { token: viewer });
    expect(json.json).toMatchObject({ type: 'doc', content: [{ type: 'heading' }, { type: 'paragraph', content: [{ text: 'Draft one.' }] }] });

    // What changed from version 1 to version 2, and from version 1 to now (the same here).
    const diff = await request('GET', '/api/docs/plan/versions/1/diff?to=2', { token: viewer });
    expect(diff.json).toEqual({ from: 1, to: 2, changes: [{ deleted: 'one', inserted: 'two, with more' }] });
    expect((await request('GET', '/api/docs/plan/versions/1/diff', { token: viewer })).json).toMatchObject({ to: 'current', changes: diff.json.changes });

    const one = await request('GET', '/api/docs/plan/versions/2', { token: viewer });
    expect(one.json).toMatchObject({ id: 2, label: null });
    const labelled = await request('PATCH', '/api/docs/plan/versions/2', { token: editor, body: { label: 'Second draft' } });
    expect(labelled.json).toMatchObject({ id: 2, label: 'Second draft' });
    const unlabelled = await request('PATCH', '/api/docs/plan/versions/1', { token: editor, body: { label: null } });
    expect(unlabelled.json).toMatchObject({ id: 1, label: null });
    // Naming again without changes, when the latest version has a name: a new version of the same state.
    const again = await request('POST', '/api/docs/plan/versions', { token: editor, body: { label: 'Same state' } });
    expect(again.json).toMatchObject({ id: 3, label: 'Same state' });
    expect((await request('GET', '/api/docs/plan/versions/3/content?format=markdown', { token: viewer })).text).toBe('# Plan\n\nDraft two, with **more**.');
  });

  it('restores a version as a new change: connected editors see it at once and nothing later is lost', async () => {
    await createDocument('memo', 'Original text.', 'Memo');
    const editor = await tokenFor('memo', 'editor', 'restorer');
    expect((await request('POST', '/api/docs/memo/versions', { token: editor, body: { label: 'Original' } })).status).toBe(201);
    const carol = await connect('memo', 'carol');
    await typeAtEnd(carol.doc, ' Carol adds this.');
    carol.doc.transact(() => carol.doc.getText(TITLE_FIELD).insert(4, ' (edited)'));
    await carol.saved();

    const restored = await request('POST', '/api/docs/memo/versions/1/restore', { token: editor });
    expect(restored.status).toBe(200);
    expect(restored.json).toMatchObject({ restoredFrom: { id: 1, label: 'Original' }, authors: [{ id: 'restorer' }] });
    // Carol is still connected and sees the restored body and title without doing anything.
    await waitFor(() => exportBody(carol.doc, 'text') === 'Original text.', { message: 'the restored text at the connected editor' });
    expect(carol.doc.getText(TITLE_FIELD).toString()).toBe('Memo');

    // The state restored over is a version of its own, by Carol.
    const listed = await versions('memo');
    expect(listed.map((version) => version.id)).toEqual([restored.json.id, 2, 1]);
    expect(listed[1].authors.map((author) => author.id)).toEqual(['carol']);
    const before = await request('GET', '/api/docs/memo/versions/2/content?format=text', { token: editor });
    expect(before.text).toBe('Original text. Carol adds this.');
    const current = await request('GET', '/api/docs/memo/content?format=text', { token: editor });
    expect(current.text).toBe('Original text.');
  });

  it('viewers browse history but cannot name, label or restore; tokens for other documents get nothing', async () => {
    await createDocument('guarded', 'Guarded text.');
    const editor = await tokenFor('guarded', 'editor');
    expect((await request('POST', '/api/docs/guarded/versions', { token: editor, body: { label: 'Kept' } })).status).toBe(201);
    const viewer = await tokenFor('guarded', 'viewer');
    expect((await request('GET', '/api/docs/guarded/versions', { token: viewer })).status).toBe(200);
    expect((await request('GET', '/api/docs/guarded/versions/1/content', { token: viewer })).status).toBe(200);
    const refusals = [
      await request('POST', '/api/docs/guarded/versions', { token: viewer, body: { label: 'Mine' } }),
      await request('PATCH', '/api/docs/guarded/versions/1', { token: viewer, body: { label: 'Mine' } }),
      await request('POST', '/api/docs/guarded/versions/1/restore', { token: viewer }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(403);
      expect(refusal.json.error).toMatch(/"editor" role/);
    }
    expect((await versions('guarded')).map((version) => version.label)).toEqual(['Kept']);

    const elsewhere = await tokenFor('other-document', 'editor');
    expect((await request('GET', '/api/docs/guarded/versions', { token: elsewhere })).status).toBe(403);
    expect((await request('POST', '/api/docs/guarded/versions/1/restore', { token: elsewhere })).status).toBe(403);
    const anonymous = await request('GET', '/api/docs/guarded/versions');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Bearer/);
  });

  it('answers bad requests with errors that say what was wrong', async () => {
    await createDocument('strict', 'Strict.');
    const editor = await tokenFor('strict', 'editor');
    const cases: Array<[Answer, number, RegExp]> = [
      [await request('GET', '/api/docs/strict/versions/abc', { token: editor }), 400, /positive whole number/],
      [await request('GET', '/api/docs/strict/versions/0', { token: editor }), 400, /positive whole number/],
      [await request('GET', '/api/docs/strict/versions/99', { token: editor }), 404, /no version 99/],
      [await request('GET', '/api/docs/strict/versions/99/content', { token: editor }), 404, /no version 99/],
      [await request('POST', '/api/docs/strict/versions/99/restore', { token: editor }), 404, /no version 99/],
      [await request('GET', '/api/docs/missing/versions', { token: await tokenFor('missing', 'viewer') }), 404, /does not exist/],
      [await request('POST', '/api/docs/strict/versions', { token: editor, body: {} }), 400, /"label" is required/],
      [await request('POST', '/api/docs/strict/versions', { token: editor, body: { label: '   ' } }), 400, /1 to 100 characters/],
      [await request('POST', '/api/docs/strict/versions', { token: editor, body: { label: 'x'.repeat(101) } }), 400, /1 to 100 characters/],
      [await request('POST', '/api/docs/strict/versions', { token: editor, body: { name: 'x' } }), 400, /unknown field "name"/],
      [await request('GET', '/api/docs/strict/versions/1/content?format=pdf', { token: editor }), 400, /format must be one of/],
    ];
    for (const [answer, status, message] of cases) {
      expect(answer.status).toBe(status);
      expect(answer.json.error).toMatch(message);
    }
  });
});

describe('app endpoints: /api/app/documents/<name>/history', () => {
  /** The browser using the app: its identity cookie names it in what it restores. */
  const browser = () => new AppBrowser(server.httpUrl);
  async function createAppDocument(title: string, as = browser()): Promise<{ name: string; editKey: string; viewKey: string }> {
    const { name, secrets } = await as.create({ title, content: 'Written in the app.', format: 'markdown' });
    return { name, editKey: secrets.edit, viewKey: secrets.view };
  }
  const app = async (name: string, action: string, body: unknown, as = browser()) => {
    const { status, data } = await as.call('POST', `/api/app/documents/${encodeURIComponent(name)}/history${action}`, body);
    return { status, json: data };
  };

  it('the view link browses and reads versions; the edit link also names and restores them', async () => {
    const { name, editKey, viewKey } = await createAppDocument('Shared');
    const named = await app(name, '/name', { key: editKey, label: 'Start' });
    expect(named.status).toBe(200);
    expect(named.json.version).toMatchObject({ id: 1, label: 'Start' });
    await writeContent(name, 'Changed later.');
    await waitFor(async () => ((await app(name, '', { key: viewKey })).json.versions as unknown[]).length === 2, { message: 'the version of the write' });

    const listed = await app(name, '', { key: viewKey });
    expect(listed.json.role).toBe('viewer');
    expect((listed.json.versions as Version[]).map((version) => version.id)).toEqual([2, 1]);
    const read = await app(name, '/read', { key: viewKey, id: 1 });
    expect(read.json).toMatchObject({ title: 'Shared', version: { id: 1 }, content: { type: 'doc', content: [{ type: 'paragraph' }] } });
    expect(JSON.stringify(read.json.content)).toContain('Written in the app.');

    for (const [action, body] of [
      ['/name', { key: viewKey, label: 'Viewer label' }],
      ['/name', { key: viewKey, id: 1, label: 'Viewer label' }],
      ['/restore', { key: viewKey, id: 1, userName: 'Vic' }],
    ] as const) {
      const refused = await app(name, action, body);
      expect(refused.status).toBe(403);
      expect(refused.json.error).toMatch(/view-only link/);
    }

    const relabelled = await app(name, '/name', { key: editKey, id: 2, label: 'Later' });
    expect(relabelled.json.version).toMatchObject({ id: 2, label: 'Later' });
    const eve = browser();
    const { user } = (await eve.session(name, editKey, 'Eve')).data as { user: { id: string } };
    // A user id in the body is not the browser's: the restore is credited to the cookie's identity.
    const restored = await app(name, '/restore', { key: editKey, id: 1, userId: 'editor-0001', userName: 'Eve' }, eve);
    expect(restored.status).toBe(200);
    expect(restored.json.version).toMatchObject({ restoredFrom: { id: 1, label: 'Start' }, authors: [{ id: user.id, name: 'Eve' }] });
    const content = await request('GET', `/api/docs/${name}/content?format=text`, { token: await tokenFor(name, 'viewer') });
    expect(content.text).toBe('Written in the app.');
  });

  it('a wrong secret or a missing document is one 404; a missing version is a 404 of its own', async () => {
    const { name, editKey } = await createAppDocument('Private');
    for (const body of [{ key: 'not-the-secret' }, { key: editKey, id: 1 }]) {
      const missing = await app(body.key === editKey ? 'no-such-document' : name, '/read', body);
      expect(missing.status).toBe(404);
      expect(missing.json.error).toBe('this document does not exist, or the link is not valid');
    }
    const noVersion = await app(name, '/read', { key: editKey, id: 42 });
    expect(noVersion.status).toBe(404);
    expect(noVersion.json.error).toMatch(/version does not exist/);
    expect((await app(name, '/read', { key: editKey, id: 'one' })).status).toBe(400);
  });
});
