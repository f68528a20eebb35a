import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Role } from '../../shared/token';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { ShareLinks } from '../documents/ShareLinks';

/**
 * Share links through the content API: a backend gets the web app's edit and view links for a
 * document it made (`POST /api/docs/<name>/links`, or `"links": true` at creation), and the links
 * open the document in the app with the role they name.
 */

let server: TestServer;

// 127.0.0.1 plays the reverse proxy here; 127.0.0.2 is a client that is not one.
beforeAll(async () => {
  server = await startTestServer({ config: { trustProxy: ['127.0.0.1'] } });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

interface Links {
  edit?: string;
  view?: string;
  paths: { edit?: string; view?: string };
}

async function api(method: string, path: string, token: string | null, body?: unknown, headers: Record<string, string> = {}) {
  const response = await fetch(`${server.httpUrl}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

const admin = () => server.token({ doc: '*', role: 'admin', sub: 'backend', name: 'Backend' });
const tokenFor = (doc: string, role: Role) => server.token({ doc, role, sub: `${role}-user`, name: `A ${role}` });
const linksOf = (name: string, role: Role, headers: Record<string, string> = {}) =>
  tokenFor(name, role).then((token) => api('POST', `/api/docs/${encodeURIComponent(name)}/links`, token, undefined, headers));

/** Opens `link` the way the web app does: the secret from the fragment, exchanged at `/api/app/session`. */
async function openInApp(link: string): Promise<{ status: number; role?: string; title?: string }> {
  const url = new URL(link);
  const name = decodeURIComponent(url.pathname.slice('/d/'.length));
  const { status, json } = await api('POST', '/api/app/session', null, { name, key: url.hash.slice(1), userId: 'link-user-1', userName: 'Linda' });
  return { status, role: json.role as string | undefined, title: json.title as string | undefined };
}

describe('share links through the content API', () => {
  it('an editor gets an edit and a view link for a document made by the API; the app opens them as editor and viewer', async () => {
    expect((await api('POST', '/api/docs', await admin(), { name: 'api-made', title: 'Made by a backend' })).status).toBe(201);
    const { status, json } = await linksOf('api-made', 'editor');
    expect(status).toBe(200);
    const links = json as unknown as Links;
    expect(links.edit).toMatch(new RegExp(`^${server.httpUrl}/d/api-made#[A-Za-z0-9_-]{22}$`));
    expect(links.view).toMatch(new RegExp(`^${server.httpUrl}/d/api-made#[A-Za-z0-9_-]{22}$`));
    expect(links.edit).not.toBe(links.view);
    expect(links.paths).toEqual({
      edit: new URL(links.edit as string).pathname + new URL(links.edit as string).hash,
      view: expect.stringMatching(/^\/d\/api-made#/),
    });
    expect(await openInApp(links.edit as string)).toEqual({ status: 200, role: 'editor', title: 'Made by a backend' });
    expect(await openInApp(links.view as string)).toMatchObject({ status: 200, role: 'viewer' });

    // Asking again gives the same links: a link handed out keeps working.
    expect((await linksOf('api-made', 'admin')).json).toEqual(json);
    // Secrets stay out of the document's description.
    expect(JSON.stringify((await api('GET', '/api/docs/api-made', await admin())).json)).not.toContain(new URL(links.edit as string).hash.slice(1));
  });

  it('a viewer gets only the view link; the edit link made later by an editor keeps that view link', async () => {
    await api('POST', '/api/docs', await admin(), { name: 'viewed-first' });
    const asViewer = await linksOf('viewed-first', 'viewer');
    expect(asViewer.status).toBe(200);
    expect(asViewer.json.edit).toBeUndefined();
    expect((asViewer.json as unknown as Links).paths.edit).toBeUndefined();
    expect(await openInApp(asViewer.json.view as string)).toMatchObject({ status: 200, role: 'viewer' });
    const asEditor = await linksOf('viewed-first', 'editor');
    expect(asEditor.json.view).toBe(asViewer.json.view);
    expect(await openInApp(asEditor.json.edit as string)).toMatchObject({ status: 200, role: 'editor' });
  });

  it('"links": true at creation answers with both links, made in the same write as the document', async () => {
    const created = await api('POST', '/api/docs', await admin(), { name: 'born-shared', title: 'Born shared', links: true });
    expect(created.status).toBe(201);
    expect(created.json).toMatchObject({ name: 'born-shared', title: 'Born shared' });
    const links = created.json.links as Links;
    expect(await openInApp(links.edit as string)).toEqual({ status: 200, role: 'editor', title: 'Born shared' });
    expect(await openInApp(links.view as string)).toMatchObject({ status: 200, role: 'viewer' });
    expect((await linksOf('born-shared', 'editor')).json).toEqual(links);
    // Without "links" a document has none until asked for.
    const plain = await api('POST', '/api/docs', await admin(), { name: 'born-plain' });
    expect(plain.json.links).toBeUndefined();
    expect((await server.server.documents.getMeta('born-plain'))?.properties).toEqual({});
    const refused = await api('POST', '/api/docs', await admin(), { name: 'born-odd', links: 'yes' });
    expect(refused.status).toBe(400);
    expect(refused.json.error).toMatch(/"links" must be true/);
  });

  it('concurrent calls for a document without links all get the same links, and those are the stored ones', async () => {
    await api('POST', '/api/docs', await admin(), { name: 'rushed' });
    // Called in one turn, so every call starts before any has stored a secret.
    const links = new ShareLinks(server.server.documents);
    const answers = await Promise.all(Array.from({ length: 8 }, (_, i) => links.secrets('rushed', i % 2 ? ['edit', 'view'] : ['view'])));
    expect(new Set(answers.map((answer) => answer.view)).size).toBe(1);
    expect(new Set(answers.flatMap((answer) => (answer.edit ? [answer.edit] : []))).size).toBe(1);
    const { json } = await linksOf('rushed', 'editor');
    expect(json.view).toMatch(new RegExp(`#${answers[0].view}$`));
    expect(json.edit).toMatch(new RegExp(`#${answers[1].edit}$`));
  });

  it('tokens for another document, no token and a missing document are refused', async () => {
    await api('POST', '/api/docs', await admin(), { name: 'guarded' });
    const other = await api('POST', '/api/docs/guarded/links', await tokenFor('elsewhere', 'admin'));
    expect(other.status).toBe(403);
    expect((await api('POST', '/api/docs/guarded/links', null)).status).toBe(401);
    const missing = await api('POST', '/api/docs/no-such-document/links', await admin());
    expect(missing.status).toBe(404);
    expect((await server.server.documents.getMeta('guarded'))?.properties).toEqual({});
  });

  it('behind a proxy, the links use the address the proxy says the client used', async () => {
    await api('POST', '/api/docs', await admin(), { name: 'proxied' });
    const { json } = await linksOf('proxied', 'editor', { 'x-forwarded-host': 'docs.example.com', 'x-forwarded-proto': 'https' });
    expect(json.edit).toMatch(/^https:\/\/docs\.example\.com\/d\/proxied#/);
    const bad = await linksOf('proxied', 'editor', { 'x-forwarded-host': 'evil.example/path?' });
    expect(bad.status).toBe(400);
    expect(bad.json.error).toMatch(/no valid Host header/);
  });

  it('from a peer that is not a trusted proxy, X-Forwarded-Host and -Proto are ignored', async () => {
    await api('POST', '/api/docs', await admin(), { name: 'direct' });
    const token = await tokenFor('direct', 'editor');
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
    expect(answer.status).toBe(200);
    expect(answer.json.edit).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${server.port}/d/direct#`));
  });
});
