import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { TITLE_FIELD } from '../../shared/documentFields';
import { verifyToken } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { type HocuspocusClient, hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { FaultyStore } from '../../testing/faultyStore';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Resetting a share link: the old secret stops opening the document everywhere at once, the
 * sessions opened through it are closed with `4411 access-revoked` on both protocols (and tokens
 * already minted from it are refused), links may expire, and only the roles in
 * LINK_MANAGER_ROLES may create or reset links.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

/** A collab token for `key`, as the app gets one. */
async function tokenFrom(browser: AppBrowser, name: string, key: string): Promise<string> {
  const { status, data } = await browser.session(name, key);
  expect(status, JSON.stringify(data)).toBe(200);
  return data.token as string;
}

/** A Hocuspocus client that records the reasons its document connection was closed with. */
function editorClient(on: TestServer, name: string, token: string | (() => Promise<string>)): HocuspocusClient & { documentCloses: string[] } {
  const client = hocuspocusClient(on.hocuspocusUrl, name, token);
  const documentCloses: string[] = [];
  client.provider.on('close', ({ event }: { event: { reason: string } }) => documentCloses.push(event.reason));
  return Object.assign(client, { documentCloses });
}

const reset = (browser: AppBrowser, name: string, key: string, kind: string, extra: Record<string, unknown> = {}) =>
  browser.call('POST', `/api/app/documents/${name}/links/${kind}/reset`, { key, ...extra });

describe('resetting a share link', () => {
  it('[K1] the old secret is refused everywhere (session, lookup, rename, delete, history); the new one works', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Plans' });
    const answer = await reset(owner, name, secrets.edit, 'edit');
    expect(answer.status).toBe(200);
    const fresh = answer.data.secret as string;
    expect(fresh).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fresh).not.toBe(secrets.edit);
    // The holder's own link changed: it holds the new one, and still sees the view link.
    expect(answer.data.key).toBe(fresh);
    expect(answer.data.links).toEqual([
      { kind: 'edit', secret: fresh, expiresAt: null, expired: false },
      { kind: 'comment', secret: secrets.comment, expiresAt: null, expired: false },
      { kind: 'view', secret: secrets.view, expiresAt: null, expired: false },
    ]);

    const stranger = new AppBrowser(server.httpUrl);
    const session = await stranger.session(name, secrets.edit);
    expect(session).toMatchObject({ status: 410, data: { reason: 'link-reset' } });
    expect(session.data.error).toMatch(/this link was reset/);
    const lookup = await stranger.call('POST', '/api/app/documents/lookup', { documents: [{ name, key: secrets.edit }] });
    expect(lookup.data).toEqual({ documents: [] });
    for (const [method, path, body] of [
      ['PATCH', `/api/app/documents/${name}`, { key: secrets.edit, title: 'Taken over' }],
      ['DELETE', `/api/app/documents/${name}`, { key: secrets.edit }],
      ['POST', `/api/app/documents/${name}/history`, { key: secrets.edit }],
      ['POST', `/api/app/documents/${name}/history/name`, { key: secrets.edit, label: 'Mine now' }],
      ['POST', `/api/app/documents/${name}/links/view/reset`, { key: secrets.edit }],
    ] as const) {
      const refused = await stranger.call(method, path, body);
      expect(refused.status, `${method} ${path}`).toBe(410);
      expect(refused.data.reason).toBe('link-reset');
    }
    expect(await server.server.documents.getMeta(name)).toMatchObject({ title: 'Plans' });

    // The new secret opens everything the old one did; the view link was not touched.
    expect((await stranger.session(name, fresh)).data).toMatchObject({ role: 'editor', title: 'Plans' });
    expect((await stranger.session(name, secrets.view)).data).toMatchObject({ role: 'viewer' });
    const found = await stranger.call('POST', '/api/app/documents/lookup', { documents: [{ name, key: fresh }] });
    expect((found.data.documents as unknown[]).length).toBe(1);
    expect((await stranger.call('PATCH', `/api/app/documents/${name}`, { key: fresh, title: 'Renamed' })).status).toBe(200);
    // A secret the document never had is still the one answer for everything unknown.
    expect((await stranger.session(name, 'A'.repeat(22))).status).toBe(404);
  });

  it('[K2] sessions opened through the old secret close with access-revoked on both protocols; tokens minted from it are refused; the resetter and the other link go on', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const intruder = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Shared too widely' });

    const ownerClient = editorClient(server, name, await tokenFrom(owner, name, secrets.edit));
    const oldHocuspocus = editorClient(server, name, await tokenFrom(intruder, name, secrets.edit));
    const oldYWebsocket = yWebsocketClient(server.yWebsocketUrl, name, await tokenFrom(intruder, name, secrets.edit));
    const viewer = editorClient(server, name, await tokenFrom(new AppBrowser(server.httpUrl), name, secrets.view));
    // Minted before the reset, used only after it.
    const unused = await tokenFrom(intruder, name, secrets.edit);
    await Promise.all([ownerClient.synced(), oldHocuspocus.synced(), oldYWebsocket.synced(), viewer.synced()]);

    expect((await reset(owner, name, secrets.edit, 'edit')).status).toBe(200);

    await waitFor(() => oldHocuspocus.documentCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the Hocuspocus client to be closed' });
    await waitFor(() => oldYWebsocket.closes.some((close) => close.code === CloseCodes.AccessRevoked.code && close.reason === 'access-revoked'), {
      message: 'the y-websocket socket to be closed with 4411',
    });
    // What the intruder types goes nowhere; the owner (who reset) and the viewer stay connected.
    oldYWebsocket.doc.getText('body').insert(0, 'written after the reset ');
    ownerClient.doc.getText('body').insert(0, 'still editing');
    await ownerClient.saved();
    await waitFor(() => viewer.doc.getText('body').toString() === 'still editing', { message: "the owner's edit to reach the viewer" });
    expect(ownerClient.documentCloses).toEqual([]);
    expect(viewer.documentCloses).toEqual([]);
    // (y-websocket providers of one room share edits inside a process; the old one goes before the next.)
    oldYWebsocket.destroy();

    // Connecting with a token minted from the old secret is refused with the same reason, on both protocols.
    const late = editorClient(server, name, unused);
    await waitFor(() => late.refusals.includes(CloseCodes.AccessRevoked.reason), { message: 'a token minted from the old secret to be refused' });
    const lateY = yWebsocketClient(server.yWebsocketUrl, name, unused);
    await waitFor(() => lateY.closes.some((close) => close.code === CloseCodes.AccessRevoked.code), { message: 'the y-websocket refusal' });
    // Refused before anything of the document was sent.
    expect(late.doc.getText(TITLE_FIELD).toString()).toBe('');
    expect(lateY.doc.getText(TITLE_FIELD).toString()).toBe('');
    expect(await server.server.documents.read(name, (doc) => doc.getText('body').toString())).toBe('still editing');

    // The owner's connection moved to the new secret: a reset of that one (here by a backend) ends it too.
    const api = await apiCall(server, 'POST', `/api/docs/${name}/links/edit/reset`, await server.token({ doc: name, role: 'editor' }));
    expect(api.status).toBe(200);
    await waitFor(() => ownerClient.documentCloses.includes(CloseCodes.AccessRevoked.reason), {
      message: "the owner's connection to be closed by the second reset",
    });
    expect(viewer.documentCloses).toEqual([]);

    for (const client of [ownerClient, oldHocuspocus, viewer, late]) client.destroy();
    lateY.destroy();
  });

  it('[K3] a link may expire: tokens from it never outlive it, and once past it the link is refused everywhere', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Short-lived' });
    expect((await reset(owner, name, secrets.edit, 'view', { expiresAt: Date.now() - 1000 })).status).toBe(400);
    expect((await reset(owner, name, secrets.edit, 'view', { expiresAt: 'tomorrow' })).status).toBe(400);
    const expiresAt = Date.now() + 1500;
    const answer = await reset(owner, name, secrets.edit, 'view', { expiresAt });
    expect(answer.status).toBe(200);
    const view = answer.data.secret as string;
    expect((answer.data.links as Array<{ kind: string; expiresAt: number }>).find((link) => link.kind === 'view')?.expiresAt).toBe(expiresAt);

    const guest = new AppBrowser(server.httpUrl);
    const session = await guest.session(name, view);
    expect(session.status).toBe(200);
    const claims = await verifyToken(TEST_SECRET, session.data.token as string);
    expect(claims.exp).toBeLessThanOrEqual(Math.ceil(expiresAt / 1000));
    expect(claims.link).toEqual({ kind: 'view', generation: 2, id: expect.stringMatching(/^[A-Za-z0-9_-]{12}$/) });

    await waitFor(async () => (await guest.session(name, view)).status === 410, { message: 'the link to expire', timeoutMs: 5000 });
    const expired = await guest.session(name, view);
    expect(expired.data).toMatchObject({ reason: 'link-expired' });
    expect(expired.data.error).toMatch(/this link expired on/);
    expect((await guest.call('POST', '/api/app/documents/lookup', { documents: [{ name, key: view }] })).data).toEqual({ documents: [] });
    expect((await guest.call('POST', `/api/app/documents/${name}/history`, { key: view })).status).toBe(410);
    const described = await apiCall(server, 'GET', `/api/docs/${name}/links`, await server.token({ doc: name, role: 'viewer' }));
    expect(described.json.links).toMatchObject([
      { kind: 'edit', expired: false, expiresAt: null },
      { kind: 'comment', expired: false, expiresAt: null },
      { kind: 'view', expired: true, expiresAt: new Date(expiresAt).toISOString() },
    ]);
    // The edit link still works, and can give the view link a new, lasting secret.
    const renewed = await reset(owner, name, secrets.edit, 'view');
    expect((await guest.session(name, renewed.data.secret as string)).status).toBe(200);
  });

  it('[K4] only LINK_MANAGER_ROLES may create or reset links (editor and admin by default), never a link granting more than itself', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create();
    const viewerToken = await server.token({ doc: name, role: 'viewer' });
    const editorToken = await server.token({ doc: name, role: 'editor' });
    const byViewLink = await reset(new AppBrowser(server.httpUrl), name, secrets.view, 'view');
    expect(byViewLink.status).toBe(403);
    expect(byViewLink.data.error).toMatch(/may not create or reset links on this server/);
    for (const [method, path] of [
      ['POST', `/api/docs/${name}/links/view/reset`],
      ['POST', `/api/docs/${name}/links`],
      ['DELETE', `/api/docs/${name}/links/view`],
    ] as const) {
      const refused = await apiCall(server, method, path, viewerToken);
      expect(refused.status, `${method} ${path}`).toBe(403);
      expect(refused.json.error).toMatch(/LINK_MANAGER_ROLES/);
    }
    expect((await owner.session(name, secrets.view)).status).toBe(200);
    expect((await apiCall(server, 'POST', `/api/docs/${name}/links/view/reset`, editorToken)).status).toBe(200);
    expect((await owner.session(name, secrets.view)).status).toBe(410);

    // Where viewers may manage links, a view link resets the view link, and a viewer token too; neither touches the edit link.
    const lenient = await startTestServer({ config: { linkManagerRoles: ['viewer', 'editor', 'admin'] } });
    onTestFinished(() => lenient.stop({ removeData: true }));
    const lenientOwner = new AppBrowser(lenient.httpUrl);
    const other = await lenientOwner.create();
    const viewHolder = new AppBrowser(lenient.httpUrl);
    const byView = await reset(viewHolder, other.name, other.secrets.view, 'view');
    expect(byView.status).toBe(200);
    expect(byView.data.key).toBe(byView.data.secret);
    expect(byView.data.links).toEqual([{ kind: 'view', secret: byView.data.secret, expiresAt: null, expired: false }]);
    const upward = await reset(viewHolder, other.name, byView.data.secret as string, 'edit');
    expect(upward.status).toBe(403);
    expect(upward.data.error).toMatch(/would grant more than the link itself/);
    const lenientViewer = await lenient.token({ doc: other.name, role: 'viewer' });
    expect((await apiCall(lenient, 'POST', `/api/docs/${other.name}/links/view/reset`, lenientViewer)).status).toBe(200);
    expect((await apiCall(lenient, 'POST', `/api/docs/${other.name}/links/edit/reset`, lenientViewer)).status).toBe(403);
    expect((await lenientOwner.session(other.name, other.secrets.edit)).status).toBe(200);
  });

  it('[K5] a backend resets links through the API: the new secret is shown once, and the edit link still sees a view link reset without it', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create();
    const admin = await server.token({ doc: '*', role: 'admin' });
    const viewer = editorClient(server, name, await tokenFrom(new AppBrowser(server.httpUrl), name, secrets.view));
    await viewer.synced();

    const viewReset = await apiCall(server, 'POST', `/api/docs/${name}/links/view/reset`, admin, { expiresAt: null });
    expect(viewReset.status).toBe(200);
    const view = new URL(viewReset.json.view as string).hash.slice(1);
    expect(viewReset.json.edit).toBeUndefined();
    await waitFor(() => viewer.documentCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the viewer on the old view link to be closed' });
    // Sealed for the edit link's key, which the API needs no secret for: the edit link's holder sees the new view link.
    expect(await owner.links(name, secrets.edit)).toEqual([
      { kind: 'edit', secret: secrets.edit, expiresAt: null, expired: false },
      { kind: 'comment', secret: secrets.comment, expiresAt: null, expired: false },
      { kind: 'view', secret: view, expiresAt: null, expired: false },
    ]);

    // Resetting the edit link without its secret cannot seal the view link again: the new edit
    // link's holder is told it exists, until a reset from the app makes one it can see.
    const editReset = await apiCall(server, 'POST', `/api/docs/${name}/links/edit/reset`, admin);
    const edit = new URL(editReset.json.edit as string).hash.slice(1);
    expect(await owner.links(name, edit)).toEqual([
      { kind: 'edit', secret: edit, expiresAt: null, expired: false },
      { kind: 'comment', secret: null, expiresAt: null, expired: false },
      { kind: 'view', secret: null, expiresAt: null, expired: false },
    ]);
    const again = await reset(owner, name, edit, 'view');
    expect((again.data.links as Array<{ kind: string; secret: string }>).find((link) => link.kind === 'view')?.secret).toBe(again.data.secret);
    expect((await owner.session(name, view)).status).toBe(410);
    viewer.destroy();
  });

  it('[K6] removing (turning off) a link ends its sessions and its secret opens nothing (410 link-off); [K7] a token minted from a link is no API credential', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create();
    const token = await tokenFrom(owner, name, secrets.view);
    const viewer = yWebsocketClient(server.yWebsocketUrl, name, token);
    await viewer.synced();
    const refused = await apiCall(server, 'GET', `/api/docs/${name}/content`, await tokenFrom(owner, name, secrets.edit));
    expect(refused.status).toBe(401);
    expect(refused.json.error).toMatch(/minted for a share link/);

    const admin = await server.token({ doc: name, role: 'admin' });
    const removed = await apiCall(server, 'DELETE', `/api/docs/${name}/links/view`, admin);
    expect(removed.status).toBe(204);
    await waitFor(() => viewer.closes.some((close) => close.code === CloseCodes.AccessRevoked.code), { message: 'the view session to end' });
    expect(await owner.session(name, secrets.view)).toMatchObject({ status: 410, data: { reason: 'link-off' } });
    expect((await apiCall(server, 'DELETE', `/api/docs/${name}/links/view`, admin)).status).toBe(404);
    expect((await apiCall(server, 'GET', `/api/docs/${name}/links`, admin)).json.links).toMatchObject([{ kind: 'edit' }, { kind: 'comment' }]);
    // The edit link's holder may make a view link again.
    const created = await owner.call('POST', `/api/app/documents/${name}/links/view`, { key: secrets.edit });
    expect(created.status).toBe(201);
    expect((await owner.session(name, created.data.secret as string)).data).toMatchObject({ role: 'viewer' });
    expect((await owner.call('POST', `/api/app/documents/${name}/links/view`, { key: secrets.edit })).status).toBe(409);
    viewer.destroy();
  });

  it('[K8] a token minted for a deleted document is refused as deleted, and one made again under the same name does not honor it', async () => {
    const admin = await server.token({ doc: '*', role: 'admin' });
    const created = await apiCall(server, 'POST', '/api/docs', admin, { name: 'born-twice', links: true });
    const edit = secretOf((created.json.links as Record<string, string>).edit);
    const token = await tokenFrom(new AppBrowser(server.httpUrl), 'born-twice', edit);
    expect((await apiCall(server, 'DELETE', '/api/docs/born-twice', admin)).status).toBe(204);
    const refused = editorClient(server, 'born-twice', token);
    await waitFor(() => refused.refusals.length > 0, { message: 'the refusal' });
    expect(refused.refusals).toEqual([CloseCodes.DocumentDeleted.reason]);
    refused.destroy();

    // The new document's links are generation 1 too; the old token still opens nothing of it.
    expect((await apiCall(server, 'POST', '/api/docs', admin, { name: 'born-twice', title: 'Second life', links: true })).status).toBe(201);
    const stale = editorClient(server, 'born-twice', token);
    await waitFor(() => stale.refusals.length > 0, { message: 'the refusal' });
    expect(stale.refusals).toEqual([CloseCodes.AccessRevoked.reason]);
    expect(stale.doc.getText(TITLE_FIELD).toString()).toBe('');
    stale.destroy();
  });

  it('[K9] a reset that lands while a connection is authenticating still ends that connection once it joins', async () => {
    // The store holds back the answer of one metadata read: the new connection's link check
    // reads the link as it was before the reset, and is answered only after the reset is done.
    let store: HoldingStore | undefined;
    const local = await startTestServer({
      store: (dataDir) => {
        store = new HoldingStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
        return store;
      },
    });
    onTestFinished(() => local.stop({ removeData: true }));
    const owner = new AppBrowser(local.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Raced' });
    const token = await tokenFrom(new AppBrowser(local.httpUrl), name, secrets.edit);

    const release = store?.holdNextRead(name);
    const racer = editorClient(local, name, token);
    await waitFor(() => store?.holding, { message: 'the link check to read the link' });
    expect((await reset(owner, name, secrets.edit, 'edit')).status).toBe(200);
    release?.();
    await waitFor(() => racer.documentCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the raced connection to be closed once it joined' });
    racer.destroy();
  });

  it('[K10] a session open through a link that expires ends at the expiry: its token expires with the link and cannot be renewed', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Until the bell' });
    // Far enough ahead for the session to open first on a busy machine.
    const expiresAt = Date.now() + 6000;
    const view = (await reset(owner, name, secrets.edit, 'view', { expiresAt })).data.secret as string;
    // Fetches its tokens as the app does, from the session route, whenever the provider asks.
    const guest = new AppBrowser(server.httpUrl);
    const answers: number[] = [];
    const client = editorClient(server, name, async () => {
      const session = await guest.session(name, view);
      answers.push(session.status);
      if (session.status !== 200) throw new Error(`the session route answered ${session.status}`);
      return session.data.token as string;
    });
    await client.synced();
    await waitFor(() => client.documentCloses.includes(CloseCodes.TokenExpired.reason), { message: 'the session to end at the expiry', timeoutMs: 15_000 });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt - 1000);
    // Renewals before the expiry got tokens that end with the link; after it, none is handed out.
    expect(answers.every((status) => status === 200)).toBe(true);
    // Tokens carry whole seconds, so the session may end up to a second before the link does.
    await waitFor(() => Date.now() > expiresAt, { message: 'the link to expire', timeoutMs: 3000 });
    expect((await guest.session(name, view)).data).toMatchObject({ reason: 'link-expired' });
    client.destroy();
  });

  it('[K11] a fresh token sent on an open connection (token renewal) from a link reset since closes it with access-revoked', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Renewed' });
    const client = editorClient(server, name, await tokenFrom(owner, name, secrets.edit));
    await client.synced();
    // Minted from the old secret just before the reset, sent only after it.
    const stale = await tokenFrom(owner, name, secrets.edit);
    expect((await reset(owner, name, secrets.edit, 'edit')).status).toBe(200);
    expect(client.documentCloses).toEqual([]);
    client.provider.configuration.token = stale;
    await client.provider.sendToken();
    await waitFor(() => client.documentCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the renewal with a stale token to close the connection' });
    client.destroy();
  });
});

/** A store whose next metadata read of one document is answered only when the test says so. */
class HoldingStore extends FaultyStore {
  private held: { name: string; gate: Promise<void> } | null = null;
  holding = false;

  /** Holds the answer of the next `getMeta(name)`; returns the function that lets it go. */
  holdNextRead(name: string): () => void {
    let open = () => {};
    this.held = { name, gate: new Promise((resolve) => (open = resolve)) };
    return open;
  }

  async getMeta(name: string) {
    const meta = await super.getMeta(name);
    const held = this.held;
    if (held?.name === name) {
      this.held = null;
      this.holding = true;
      await held.gate;
    }
    return meta;
  }
}

/** The secret in a share link's fragment. */
const secretOf = (link: string) => new URL(link).hash.slice(1);

/** A content API request with a bearer token. */
const apiCall = (on: TestServer, method: string, path: string, token: string, body?: unknown) => apiRequest(on.httpUrl, method, path, { token, body });
