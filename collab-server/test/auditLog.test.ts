import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Each document's audit log: who opened it, changed its links, renamed, deleted it or restored a
 * version, readable by its owner (a link that manages links in the app, a managing token on the
 * API), bounded, and holding no secret or token.
 */

interface Entry {
  seq: number;
  at: string;
  action: string;
  actor: { id: string; name: string; via: string };
  detail: Record<string, unknown>;
  description: string;
}

let server: TestServer;
/** Keeps ten entries per document. */
let small: TestServer;

beforeAll(async () => {
  [server, small] = await Promise.all([startTestServer(), startTestServer({ config: { auditMaxEntries: 10 } })]);
});

afterAll(async () => {
  await Promise.all([server.stop({ removeData: true }), small.stop({ removeData: true })]);
});

const api = (on: TestServer, method: string, path: string, token?: string, body?: unknown) => apiRequest(on.httpUrl, method, path, { token, body });

/** The whole log as `key`'s holder reads it in the app, newest first. */
async function appLog(browser: AppBrowser, name: string, key: string): Promise<Entry[]> {
  const answer = await browser.call('POST', `/api/app/documents/${name}/audit`, { key });
  expect(answer.status, JSON.stringify(answer.data)).toBe(200);
  return answer.data.entries as Entry[];
}

/** Every page of the log through the API, `limit` at a time; returns the entries and the page sizes. */
async function apiLog(on: TestServer, name: string, token: string, limit = 200): Promise<{ entries: Entry[]; pages: number[] }> {
  const entries: Entry[] = [];
  const pages: number[] = [];
  let before: number | null = null;
  do {
    const answer = await api(on, 'GET', `/api/docs/${name}/audit?limit=${limit}${before === null ? '' : `&before=${before}`}`, token);
    expect(answer.status, answer.text).toBe(200);
    entries.push(...(answer.json.entries as Entry[]));
    pages.push((answer.json.entries as Entry[]).length);
    before = answer.json.next as number | null;
  } while (before !== null);
  return { entries, pages };
}

async function identityOf(browser: AppBrowser): Promise<string> {
  return (await browser.call('GET', '/api/app/identity')).data.id as string;
}

async function tokenFrom(browser: AppBrowser, name: string, key: string, userName = 'Ada'): Promise<string> {
  const { status, data } = await browser.session(name, key, userName);
  expect(status, JSON.stringify(data)).toBe(200);
  return data.token as string;
}

describe('the audit log', () => {
  it('[AU1] records openings (both protocols), link changes, a rename and a restore with who did them, for the edit link and a managing token, and never a secret or token', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const guest = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Audited' });
    const [ownerId, guestId] = [await identityOf(owner), await identityOf(guest)];
    const tokens = [await tokenFrom(owner, name, secrets.edit, 'Olive'), await tokenFrom(guest, name, secrets.view, 'Gus')];
    const editor = hocuspocusClient(server.hocuspocusUrl, name, tokens[0]);
    await editor.synced();
    await waitFor(async () => (await appLog(owner, name, secrets.edit)).length === 1, { message: "the owner's opening to be logged" });
    const viewer = yWebsocketClient(server.yWebsocketUrl, name, tokens[1]);
    await viewer.synced();
    await waitFor(async () => (await appLog(owner, name, secrets.edit)).length === 2, { message: "the guest's opening to be logged" });

    const link = (kind: string, suffix = '') => `/api/app/documents/${name}/links/${kind}${suffix}`;
    const reset = await owner.call('POST', link('view', '/reset'), { key: secrets.edit, userName: 'Olive' });
    expect(reset.status).toBe(200);
    expect((await owner.call('DELETE', link('comment'), { key: secrets.edit, userName: 'Olive' })).status).toBe(200);
    const on = await owner.call('POST', link('comment'), { key: secrets.edit, userName: 'Olive' });
    expect(on.status).toBe(201);
    const expiresAt = Date.now() + 86_400_000;
    expect((await owner.call('PATCH', link('view'), { key: secrets.edit, expiresAt, userName: 'Olive' })).status).toBe(200);
    expect((await owner.call('PATCH', `/api/app/documents/${name}`, { key: secrets.edit, title: 'Audited, renamed', userName: 'Olive' })).status).toBe(200);
    const named = await owner.call('POST', `/api/app/documents/${name}/history/name`, { key: secrets.edit, label: 'Before' });
    expect(named.status, JSON.stringify(named.data)).toBe(200);
    const version = (named.data.version as { id: number }).id;
    expect((await owner.call('POST', `/api/app/documents/${name}/history/restore`, { key: secrets.edit, id: version, userName: 'Olive' })).status).toBe(200);
    const backend = await server.token({ doc: name, role: 'editor', sub: 'billing-service', name: 'Billing' });
    expect((await api(server, 'POST', `/api/docs/${name}/links/view/reset`, backend)).status).toBe(200);

    const entries = await appLog(owner, name, secrets.edit);
    expect(entries.map((entry) => [entry.action, entry.actor.id, entry.actor.via, entry.detail.kind ?? null])).toEqual([
      ['link-reset', 'billing-service', 'token', 'view'],
      ['version-restored', ownerId, 'edit', null],
      ['renamed', ownerId, 'edit', null],
      ['link-expiry', ownerId, 'edit', 'view'],
      ['link-created', ownerId, 'edit', 'comment'],
      ['link-off', ownerId, 'edit', 'comment'],
      ['link-reset', ownerId, 'edit', 'view'],
      ['opened', guestId, 'view', null],
      ['opened', ownerId, 'edit', null],
    ]);
    expect(entries[1].detail).toEqual({ version });
    expect(entries[2].detail).toEqual({ title: 'Audited, renamed' });
    expect(entries[3].detail).toEqual({ kind: 'view', expiresAt: new Date(expiresAt).toISOString() });
    expect(entries[7].actor.name).toBe('Gus');
    expect(entries[6].description).toBe('reset the view link');
    // Newest first, numbered, timed.
    expect(entries.map((entry) => entry.seq)).toEqual([...entries.map((entry) => entry.seq)].sort((a, b) => b - a));
    expect(Date.parse(entries[0].at)).toBeGreaterThanOrEqual(Date.parse(entries[8].at));
    // The API gives the same log to a token that manages links.
    expect((await apiLog(server, name, backend)).entries).toEqual(entries);
    // No secret, old or new, and no token anywhere in it.
    const text = JSON.stringify(entries);
    for (const secret of [...Object.values(secrets), reset.data.secret, on.data.secret, ...tokens, backend]) expect(text).not.toContain(secret as string);
    editor.destroy();
    viewer.destroy();
  });

  it('[AU2] repeated openings by one identity are logged once per window; another identity gets its own entry', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Revolving door' });
    for (let round = 0; round < 5; round++) {
      const client =
        round % 2
          ? yWebsocketClient(server.yWebsocketUrl, name, await tokenFrom(owner, name, secrets.edit))
          : hocuspocusClient(server.hocuspocusUrl, name, await tokenFrom(owner, name, secrets.edit));
      await client.synced();
      client.destroy();
    }
    const other = new AppBrowser(server.httpUrl);
    const client = hocuspocusClient(server.hocuspocusUrl, name, await tokenFrom(other, name, secrets.view));
    await client.synced();
    await waitFor(async () => (await appLog(owner, name, secrets.edit)).length >= 2, { message: 'the second identity to be logged' });
    const entries = await appLog(owner, name, secrets.edit);
    expect(entries.map((entry) => [entry.action, entry.actor.id])).toEqual([
      ['opened', await identityOf(other)],
      ['opened', await identityOf(owner)],
    ]);
    client.destroy();
  });

  it('[AU3] a log keeps its newest AUDIT_MAX_ENTRIES entries and reads in pages; bad page parameters are refused', async () => {
    const admin = await small.token({ doc: '*', role: 'admin' });
    expect((await api(small, 'POST', '/api/docs', admin, { name: 'busy' })).status).toBe(201);
    for (let index = 0; index < 25; index++) expect((await api(small, 'PATCH', '/api/docs/busy', admin, { title: `Title ${index}` })).status).toBe(200);
    const { entries, pages } = await apiLog(small, 'busy', admin, 4);
    expect(pages).toEqual([4, 4, 2]);
    expect(entries.map((entry) => entry.detail.title)).toEqual(Array.from({ length: 10 }, (_, index) => `Title ${24 - index}`));
    for (const query of ['limit=0', 'limit=201', 'limit=x', 'before=-1', 'before=1.5']) {
      const refused = await api(small, 'GET', `/api/docs/busy/audit?${query}`, admin);
      expect(refused.status, query).toBe(400);
      expect(refused.json.error).toMatch(/must be a whole number from/);
    }
    const owner = new AppBrowser(small.httpUrl);
    const { name, secrets } = await owner.create();
    for (const body of [{ limit: 0 }, { limit: 'ten' }, { before: -3 }]) {
      expect((await owner.call('POST', `/api/app/documents/${name}/audit`, { key: secrets.edit, ...body })).status).toBe(400);
    }
  });

  it('[AU4] only the owner reads it: lesser links and tokens are refused; a deleted document’s log, its deletion last, is read by admins only; a document made again under the name shows its holders only its own', async () => {
    const admin = await server.token({ doc: '*', role: 'admin' });
    const created = await api(server, 'POST', '/api/docs', admin, { name: 'kept-record', links: true });
    const edit = new URL((created.json.links as Record<string, string>).edit).hash.slice(1);
    const view = new URL((created.json.links as Record<string, string>).view).hash.slice(1);
    const comment = new URL((created.json.links as Record<string, string>).comment).hash.slice(1);
    const browser = new AppBrowser(server.httpUrl);
    expect((await browser.call('PATCH', '/api/app/documents/kept-record', { key: edit, title: 'First life' })).status).toBe(200);

    for (const key of [view, comment]) {
      const refused = await browser.call('POST', '/api/app/documents/kept-record/audit', { key });
      expect(refused.status).toBe(403);
      expect(refused.data.error).toMatch(/may not see the document's activity/);
    }
    expect((await browser.call('POST', '/api/app/documents/kept-record/audit', { key: 'not-a-secret-of-it' })).status).toBe(404);
    for (const role of ['viewer', 'commenter'] as const) {
      expect((await api(server, 'GET', '/api/docs/kept-record/audit', await server.token({ doc: 'kept-record', role }))).status).toBe(403);
    }
    expect((await api(server, 'GET', '/api/docs/kept-record/audit', await server.token({ doc: 'elsewhere', role: 'admin' }))).status).toBe(403);
    expect((await api(server, 'GET', '/api/docs/kept-record/audit')).status).toBe(401);
    expect((await api(server, 'GET', '/api/docs/kept-record/audit', await tokenFrom(browser, 'kept-record', edit))).status).toBe(401);

    // Deleted (by the app's edit link): the log stays, for admins.
    expect((await browser.call('DELETE', '/api/app/documents/kept-record', { key: edit, userName: 'Closer' })).status).toBe(200);
    const editor = await server.token({ doc: 'kept-record', role: 'editor' });
    expect((await api(server, 'GET', '/api/docs/kept-record/audit', editor)).status).toBe(404);
    const kept = (await apiLog(server, 'kept-record', admin)).entries;
    expect(kept.map((entry) => entry.action)).toEqual(['deleted', 'renamed']);
    expect(kept[0].actor).toMatchObject({ id: await identityOf(browser), name: 'Closer', via: 'edit' });

    // Made again: its edit link's holder sees its own life only; admins see both.
    const again = await api(server, 'POST', '/api/docs', admin, { name: 'kept-record', links: true });
    const newEdit = new URL((again.json.links as Record<string, string>).edit).hash.slice(1);
    expect((await browser.call('PATCH', '/api/app/documents/kept-record', { key: newEdit, title: 'Second life' })).status).toBe(200);
    expect((await appLog(browser, 'kept-record', newEdit)).map((entry) => entry.detail.title)).toEqual(['Second life']);
    expect((await apiLog(server, 'kept-record', editor)).entries.map((entry) => entry.action)).toEqual(['renamed']);
    expect((await apiLog(server, 'kept-record', admin)).entries.map((entry) => entry.action)).toEqual(['renamed', 'deleted', 'renamed']);
  });
});
