import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { startTestServer, type TestServer } from '../../testing/testServer';

/**
 * Share links through the content API: a backend creates the web app's links for a document it
 * made (`POST /api/docs/<name>/links`, or `"links": true` at creation) and gets each secret once;
 * the links open the document in the app with the role they name. Creating needs a role in
 * LINK_MANAGER_ROLES (editor and admin by default), and never yields a link granting more than
 * the token itself.
 */

let server: TestServer;
/** The same server's data with viewers allowed to manage links (LINK_MANAGER_ROLES=viewer,editor,admin). */
let lenient: TestServer;

// 127.0.0.1 plays the reverse proxy here; 127.0.0.2 is a client that is not one.
beforeAll(async () => {
  [server, lenient] = await Promise.all([
    startTestServer({ config: { trustProxy: ['127.0.0.1'] } }),
    startTestServer({ config: { linkManagerRoles: ['viewer', 'editor', 'admin'] } }),
  ]);
});

afterAll(async () => {
  await Promise.all([server.stop({ removeData: true }), lenient.stop({ removeData: true })]);
});

interface Links {
  edit?: string;
  comment?: string;
  view?: string;
  paths: { edit?: string; comment?: string; view?: string };
  links: Array<{ kind: string; role: string; generation: number; createdAt: string; expiresAt: string | null; expired: boolean }>;
}

async function api(on: TestServer, method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const { status, json } = await apiRequest(on.httpUrl, method, path, { token: token ?? undefined, body, headers });
  return { status, json };
}

const admin = (on = server) => on.token({ doc: '*', role: 'admin', sub: 'backend', name: 'Backend' });
const tokenFor = (on: TestServer, doc: string, role: Role) => on.token({ doc, role, sub: `${role}-user`, name: `A ${role}` });
const linksOf = (name: string, role: Role, { on = server, headers = {}, body }: { on?: TestServer; headers?: Record<string, string>; body?: unknown } = {}) =>
  tokenFor(on, name, role).then((token) => api(on, 'POST', `/api/docs/${encodeURIComponent(name)}/links`, token, body, headers));

/** Opens `link` the way the web app does: the secret from the fragment, exchanged at `/api/app/session`. */
async function openInApp(link: string, on = server): Promise<{ status: number; role?: string; title?: string; links?: unknown }> {
  const url = new URL(link);
  const name = decodeURIComponent(url.pathname.slice('/d/'.length));
  const browser = new AppBrowser(on.httpUrl);
  const { status, data } = await browser.session(name, url.hash.slice(1), 'Linda');
  const links = status === 200 ? await browser.links(name, url.hash.slice(1)) : undefined;
  return { status, role: data.role as string | undefined, title: data.title as string | undefined, links };
}

describe('share links through the content API', () => {
  it('an editor creates an edit and a view link for a document made by the API; the app opens them as editor and viewer', async () => {
    expect((await api(server, 'POST', '/api/docs', await admin(), { name: 'api-made', title: 'Made by a backend' })).status).toBe(201);
    const { status, json } = await linksOf('api-made', 'editor');
    expect(status).toBe(201);
    const links = json as unknown as Links;
    expect(links.edit).toMatch(new RegExp(`^${server.httpUrl}/d/api-made#[A-Za-z0-9_-]{22}$`));
    expect(links.view).toMatch(new RegExp(`^${server.httpUrl}/d/api-made#[A-Za-z0-9_-]{22}$`));
    expect(links.edit).not.toBe(links.view);
    expect(links.paths).toEqual({
      edit: new URL(links.edit as string).pathname + new URL(links.edit as string).hash,
      comment: expect.stringMatching(/^\/d\/api-made#/),
      view: expect.stringMatching(/^\/d\/api-made#/),
    });
    expect(links.links.map(({ kind, role, generation, expiresAt }) => ({ kind, role, generation, expiresAt }))).toEqual([
      { kind: 'edit', role: 'editor', generation: 1, expiresAt: null },
      { kind: 'comment', role: 'commenter', generation: 1, expiresAt: null },
      { kind: 'view', role: 'viewer', generation: 1, expiresAt: null },
    ]);
    expect(await openInApp(links.edit as string)).toMatchObject({ status: 200, role: 'editor', title: 'Made by a backend' });
    expect(await openInApp(links.comment as string)).toMatchObject({ status: 200, role: 'commenter' });
    expect(await openInApp(links.view as string)).toMatchObject({ status: 200, role: 'viewer' });

    // Asking again creates nothing and shows no secret: the server keeps only hashes.
    const again = await linksOf('api-made', 'admin');
    expect(again.status).toBe(200);
    expect(again.json.edit).toBeUndefined();
    expect(again.json.view).toBeUndefined();
    expect((again.json as unknown as Links).links).toEqual(links.links);
    // GET describes the links, without secrets; so does nothing else.
    const described = await api(server, 'GET', '/api/docs/api-made/links', await tokenFor(server, 'api-made', 'viewer'));
    expect(described).toEqual({ status: 200, json: { links: links.links } });
    for (const secret of [links.edit, links.comment, links.view].map((link) => new URL(link as string).hash.slice(1))) {
      expect(JSON.stringify(described.json)).not.toContain(secret);
      expect(JSON.stringify((await api(server, 'GET', '/api/docs/api-made', await admin())).json)).not.toContain(secret);
    }
  });

  it('a viewer token may not create links by default; with LINK_MANAGER_ROLES including viewer it creates only the view link', async () => {
    await api(server, 'POST', '/api/docs', await admin(), { name: 'viewed-first' });
    const refused = await linksOf('viewed-first', 'viewer');
    expect(refused.status).toBe(403);
    expect(refused.json.error).toMatch(/LINK_MANAGER_ROLES; this token has "viewer"/);
    expect((await api(server, 'GET', '/api/docs/viewed-first/links', await admin())).json).toEqual({ links: [] });

    await api(lenient, 'POST', '/api/docs', await admin(lenient), { name: 'viewed-first' });
    const asViewer = await linksOf('viewed-first', 'viewer', { on: lenient });
    expect(asViewer.status).toBe(201);
    expect(asViewer.json.edit).toBeUndefined();
    expect((asViewer.json as unknown as Links).paths.edit).toBeUndefined();
    expect(await openInApp(asViewer.json.view as string, lenient)).toMatchObject({ status: 200, role: 'viewer' });
    // Never a link granting more than the token.
    const tooMuch = await linksOf('viewed-first', 'viewer', { on: lenient, body: { kinds: ['edit'] } });
    expect(tooMuch.status).toBe(403);
    expect(tooMuch.json.error).toMatch(/may not create or reset the edit link/);

    // An editor adds the edit link later: the view link stays as it was.
    const asEditor = await linksOf('viewed-first', 'editor', { on: lenient });
    expect(asEditor.status).toBe(201);
    expect(asEditor.json.view).toBeUndefined();
    expect(await openInApp(asViewer.json.view as string, lenient)).toMatchObject({ status: 200, role: 'viewer' });
    // The view secret was made before the edit link existed and without it, so it cannot be shown
    // to the edit link's holder: the app says it exists (secret null) until someone resets it.
    const asEditorInApp = await openInApp(asEditor.json.edit as string, lenient);
    expect(asEditorInApp).toMatchObject({ status: 200, role: 'editor' });
    expect(asEditorInApp.links).toEqual([
      { kind: 'edit', secret: new URL(asEditor.json.edit as string).hash.slice(1), expiresAt: null, expired: false },
      { kind: 'comment', secret: new URL(asEditor.json.comment as string).hash.slice(1), expiresAt: null, expired: false },
      { kind: 'view', secret: null, expiresAt: null, expired: false },
    ]);
  });

  it('"links": true at creation answers with both links, made in the same write as the document', async () => {
    const created = await api(server, 'POST', '/api/docs', await admin(), { name: 'born-shared', title: 'Born shared', links: true });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'born-shared', title: 'Born shared' });
    const links = created.json.links as Links;
    const opened = await openInApp(links.edit as string);
    expect(opened).toMatchObject({ status: 200, role: 'editor', title: 'Born shared' });
    // The edit link's holder sees the view link: it was sealed for the edit link when both were made.
    expect(opened.links).toEqual([
      { kind: 'edit', secret: new URL(links.edit as string).hash.slice(1), expiresAt: null, expired: false },
      { kind: 'comment', secret: new URL(links.comment as string).hash.slice(1), expiresAt: null, expired: false },
      { kind: 'view', secret: new URL(links.view as string).hash.slice(1), expiresAt: null, expired: false },
    ]);
    expect(await openInApp(links.view as string)).toMatchObject({ status: 200, role: 'viewer' });
    expect((await linksOf('born-shared', 'editor')).status).toBe(200);
    // Without "links" a document has none until asked for.
    const plain = await api(server, 'POST', '/api/docs', await admin(), { name: 'born-plain' });
    expect(plain.json.links).toBeUndefined();
    expect((await server.server.documents.getMeta('born-plain'))?.properties).toEqual({});
    const refused = await api(server, 'POST', '/api/docs', await admin(), { name: 'born-odd', links: 'yes' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/"links" must be true/);
  });

  it('concurrent calls for a document without links make one secret per link, handed to exactly one caller', async () => {
    await api(server, 'POST', '/api/docs', await admin(), { name: 'rushed' });
    // Called in one turn, so every call starts before any has stored a secret.
    const links = server.server.shareLinks;
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => links.create('rushed', i % 2 ? ['edit', 'view'] : ['view'])));
    const views = answers.flatMap((answer) => (answer.secrets.view ? [answer.secrets.view] : []));
    const edits = answers.flatMap((answer) => (answer.secrets.edit ? [answer.secrets.edit] : []));
    expect(views).toHaveLength(1);
    expect(edits).toHaveLength(1);
    expect((await links.check('rushed', views[0])).status).toBe('ok');
    expect((await links.check('rushed', edits[0])).status).toBe('ok');
    expect((await api(server, 'GET', '/api/docs/rushed/links', await admin())).json.links).toHaveLength(2);
  });

  it('tokens for another document, no token, a link token and a missing document are refused', async () => {
    await api(server, 'POST', '/api/docs', await admin(), { name: 'guarded' });
    const other = await api(server, 'POST', '/api/docs/guarded/links', await tokenFor(server, 'elsewhere', 'admin'));
    expect(other.status).toBe(403);
    expect((await api(server, 'POST', '/api/docs/guarded/links', null)).status).toBe(401);
    const missing = await api(server, 'POST', '/api/docs/no-such-document/links', await admin());
    expect(missing.status).toBe(404);
    expect((await server.server.documents.getMeta('guarded'))?.properties).toEqual({});
    const unknownKind = await api(server, 'POST', '/api/docs/guarded/links', await admin(), { kinds: ['owner'] });
    expect(unknownKind.status).toBe(400);
  });

  it('behind a proxy, the links use the address the proxy says the client used', async () => {
    await api(server, 'POST', '/api/docs', await admin(), { name: 'proxied' });
    const bad = await linksOf('proxied', 'editor', { headers: { 'x-forwarded-host': 'evil.example/path?' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/no valid Host header/);
    const { json } = await linksOf('proxied', 'editor', { headers: { 'x-forwarded-host': 'docs.example.com', 'x-forwarded-proto': 'https' } });
    expect(json.edit).toMatch(/^https:\/\/docs\.example\.com\/d\/proxied#/);
  });

  it('from a peer that is not a trusted proxy, X-Forwarded-Host and -Proto are ignored', async () => {
    await api(server, 'POST', '/api/docs', await admin(), { name: 'direct' });
    const token = await tokenFor(server, 'direct', 'editor');
    const answer = await new Promise<{ status: number; json: Links }>((resolve, reject) => {
      const request = http.request(
        `${server.httpUrl}/api/docs/direct/links`,
        {
          method: 'POST',
          localAddress: '127.0.0.2',
          headers: { authorization: `Bearer ${token}`, 'x-forwarded-host': 'evil.example', 'x-forwarded-proto': 'https' },
        },
        (response) => {
          let text = '';
          response.on('data', (chunk) => {
            text += chunk;
          });
          response.on('end', () => resolve({ status: response.statusCode ?? 0, json: JSON.parse(text) }));
        },
      );
      request.on('error', reject);
      request.end();
    });
    expect(answer.status).toBe(201);
    expect(answer.json.edit).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/d/direct#`));
  });
});
