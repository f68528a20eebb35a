import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CloseCodes } from '../../shared/closeCodes';
import { verifyToken } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { type HocuspocusClient, hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { FrameType, hpFrames, readYServerFrame, yFrames } from '../../testing/rawFrames';
import { RawSocket } from '../../testing/rawSocket';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * Links under control: each of a document's links can be turned off (its secret opens nothing,
 * every session and token through it ends, on both protocols) and on again with a new secret,
 * reset, and given a new expiry, from the app (the Share dialog's routes) and the content API;
 * nobody touches a link granting more than they have.
 */

let server: TestServer;
/** Every role manages links here, so a view or comment link can try to touch the greater ones. */
let lenient: TestServer;

beforeAll(async () => {
  [server, lenient] = await Promise.all([startTestServer(), startTestServer({ config: { linkManagerRoles: ['viewer', 'commenter', 'editor', 'admin'] } })]);
});

afterAll(async () => {
  await Promise.all([server.stop({ removeData: true }), lenient.stop({ removeData: true })]);
});

const api = (on: TestServer, method: string, path: string, token: string, body?: unknown) => apiRequest(on.httpUrl, method, path, { token, body });
const links = (name: string) => `/api/app/documents/${encodeURIComponent(name)}/links`;

async function tokenFrom(browser: AppBrowser, name: string, key: string): Promise<string> {
  const { status, data } = await browser.session(name, key);
  expect(status, JSON.stringify(data)).toBe(200);
  return data.token as string;
}

/** A Hocuspocus client that records why its document connection was closed. */
function closingClient(on: TestServer, name: string, token: string): HocuspocusClient & { documentCloses: string[] } {
  const client = hocuspocusClient(on.hocuspocusUrl, name, token);
  const documentCloses: string[] = [];
  client.provider.on('close', ({ event }: { event: { reason: string } }) => documentCloses.push(event.reason));
  return Object.assign(client, { documentCloses });
}

/** A raw `/collab` socket authenticated for `name` with `token`. */
async function rawHocuspocus(on: TestServer, name: string, token: string): Promise<RawSocket> {
  const socket = await RawSocket.open(on.hocuspocusUrl);
  socket.send(hpFrames.auth(name, token));
  expect(await socket.authResult(name)).toMatch(/^authenticated/);
  return socket;
}

/** A raw `/y/<name>` socket, open once the server has sent its first frame (it authenticated). */
async function rawYWebsocket(on: TestServer, name: string, token: string): Promise<RawSocket> {
  const socket = await RawSocket.open(`${on.yWebsocketUrl}/${name}?token=${token}`);
  socket.send(yFrames.syncStep1(new Uint8Array([0])));
  // The server's sync step 2 proves the socket is authenticated and served.
  await waitFor(() => socket.received.some((data) => readYServerFrame(data).subtype === 1), { message: 'the y-websocket socket to be served' });
  return socket;
}

/** A time a year ahead, in ISO 8601 as the API takes it. */
const inAYear = () => new Date(Date.now() + 365 * 86_400_000).toISOString();

const closeReasonOf = (socket: RawSocket, name: string) => socket.frames().find((frame) => frame.address === name && frame.type === FrameType.Close)?.text;

describe('turning links off and on', () => {
  it('[K12] turning a link off closes every session and raw client through it on both protocols (one that renewed its token too), refuses its tokens and secret with link-off, and leaves the other links alone', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const guest = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Off switch' });

    const provider = closingClient(server, name, await tokenFrom(guest, name, secrets.view));
    const yProvider = yWebsocketClient(server.yWebsocketUrl, name, await tokenFrom(guest, name, secrets.view));
    const rawHp = await rawHocuspocus(server, name, await tokenFrom(guest, name, secrets.view));
    // This one renews its token (a fresh one from the same link) before the link is turned off.
    const renewed = await rawHocuspocus(server, name, await tokenFrom(guest, name, secrets.view));
    renewed.send(hpFrames.auth(name, await tokenFrom(guest, name, secrets.view)));
    const rawY = await rawYWebsocket(server, name, await tokenFrom(guest, name, secrets.view));
    const editor = closingClient(server, name, await tokenFrom(owner, name, secrets.edit));
    const commenter = closingClient(server, name, await tokenFrom(guest, name, secrets.comment));
    // Minted before, used only after.
    const unused = await tokenFrom(guest, name, secrets.view);
    await Promise.all([provider.synced(), yProvider.synced(), editor.synced(), commenter.synced()]);

    const off = await owner.call('DELETE', `${links(name)}/view`, { key: secrets.edit, userName: 'Owner' });
    expect(off.status, JSON.stringify(off.data)).toBe(200);
    expect((off.data.links as { kind: string }[]).map((link) => link.kind)).toEqual(['edit', 'comment']);

    const revoked = CloseCodes.AccessRevoked;
    await waitFor(() => provider.documentCloses.includes(revoked.reason), { message: 'the provider on the view link to be closed' });
    await waitFor(() => yProvider.closes.some((close) => close.code === revoked.code), { message: 'the y-websocket provider to be closed with 4411' });
    await waitFor(() => closeReasonOf(rawHp, name) === revoked.reason, { message: 'the raw /collab client to be closed with access-revoked' });
    await waitFor(() => closeReasonOf(renewed, name) === revoked.reason, { message: 'the renewed raw client to be closed with access-revoked' });
    expect(await rawY.waitClosed()).toEqual({ code: revoked.code, reason: revoked.reason });

    // A token minted from it is refused on both protocols, before anything of the document is sent.
    const late = await RawSocket.open(server.hocuspocusUrl);
    late.send(hpFrames.auth(name, unused));
    expect(await late.authResult(name)).toBe(revoked.reason);
    const lateY = await RawSocket.open(`${server.yWebsocketUrl}/${name}?token=${unused}`);
    expect(await lateY.waitClosed()).toEqual({ code: revoked.code, reason: revoked.reason });
    expect(lateY.received).toEqual([]);

    // The secret: a clear refusal, everywhere it is presented.
    const session = await new AppBrowser(server.httpUrl).session(name, secrets.view);
    expect(session).toMatchObject({ status: 410, data: { reason: 'link-off' } });
    expect(session.data.error).toMatch(/turned off/);
    expect((await guest.call('POST', '/api/app/documents/lookup', { documents: [{ name, key: secrets.view }] })).data).toEqual({ documents: [] });
    expect((await guest.call('POST', `/api/app/documents/${name}/history`, { key: secrets.view })).data).toMatchObject({ reason: 'link-off' });

    // The other links go on.
    editor.doc.getText('body').insert(0, 'still here');
    await editor.saved();
    await waitFor(() => commenter.doc.getText('body').toString() === 'still here', { message: 'the edit to reach the comment link' });
    expect(editor.documentCloses).toEqual([]);
    expect(commenter.documentCloses).toEqual([]);

    // Turned off twice: said so. Turned on again: a new secret; the old one is now "reset".
    expect((await owner.call('DELETE', `${links(name)}/view`, { key: secrets.edit })).status).toBe(409);
    const on = await owner.call('POST', `${links(name)}/view`, { key: secrets.edit });
    expect(on.status).toBe(201);
    expect(on.data.secret).not.toBe(secrets.view);
    expect((await guest.session(name, on.data.secret as string)).data).toMatchObject({ role: 'viewer' });
    expect((await guest.session(name, secrets.view)).data).toMatchObject({ reason: 'link-reset' });

    for (const client of [provider, editor, commenter]) client.destroy();
    yProvider.destroy();
    for (const socket of [rawHp, renewed, late]) socket.close();
  });

  it('[K12] the content API turns a link off (DELETE) and on again (POST …/links): sessions end, the secret answers link-off, the list leaves it out', async () => {
    const admin = await server.token({ doc: '*', role: 'admin' });
    const created = await api(server, 'POST', '/api/docs', admin, { name: 'api-switch', links: true });
    const edit = new URL((created.json.links as Record<string, string>).edit).hash.slice(1);
    const owner = new AppBrowser(server.httpUrl);
    const raw = await rawYWebsocket(server, 'api-switch', await tokenFrom(owner, 'api-switch', edit));
    const editorToken = await server.token({ doc: 'api-switch', role: 'editor' });
    expect((await api(server, 'DELETE', '/api/docs/api-switch/links/edit', editorToken)).status).toBe(204);
    expect((await raw.waitClosed()).code).toBe(CloseCodes.AccessRevoked.code);
    expect((await owner.session('api-switch', edit)).data).toMatchObject({ reason: 'link-off' });
    expect(((await api(server, 'GET', '/api/docs/api-switch/links', editorToken)).json.links as { kind: string }[]).map((link) => link.kind)).toEqual([
      'comment',
      'view',
    ]);
    const patched = await api(server, 'PATCH', '/api/docs/api-switch/links/edit', editorToken, { expiresAt: inAYear() });
    expect(patched.status).toBe(404);
    expect(patched.json.error).toMatch(/it is off/);
    const on = await api(server, 'POST', '/api/docs/api-switch/links', editorToken, { kinds: ['edit'] });
    expect(on.status).toBe(201);
    expect((await owner.session('api-switch', new URL(on.json.edit as string).hash.slice(1))).data).toMatchObject({ role: 'editor' });
  });

  it('[K13] a reset ends a session opened through the link before it that has renewed its token since, on both protocols', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const guest = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Renewed then reset' });
    // Hocuspocus: the fresh token arrives on the open connection (token sync).
    const client = closingClient(server, name, await tokenFrom(guest, name, secrets.comment));
    await client.synced();
    client.provider.configuration.token = await tokenFrom(guest, name, secrets.comment);
    await client.provider.sendToken();
    // y-websocket: renewing is connecting again with the fresh token.
    const yClient = yWebsocketClient(server.yWebsocketUrl, name, await tokenFrom(guest, name, secrets.comment));
    await yClient.synced();
    yClient.provider.params.token = await tokenFrom(guest, name, secrets.comment);
    yClient.provider.disconnect();
    yClient.provider.connect();
    await waitFor(() => yClient.provider.wsconnected && yClient.provider.synced, { message: 'the y-websocket client to sync with its fresh token' });
    const bystander = await rawHocuspocus(server, name, await tokenFrom(owner, name, secrets.edit));

    expect((await owner.call('POST', `${links(name)}/comment/reset`, { key: secrets.edit })).status).toBe(200);
    await waitFor(() => client.documentCloses.includes(CloseCodes.AccessRevoked.reason), { message: 'the renewed provider to be closed' });
    await waitFor(() => yClient.closes.some((close) => close.code === CloseCodes.AccessRevoked.code), {
      message: 'the reconnected y-websocket client to be closed',
    });
    expect(closeReasonOf(bystander, name)).toBeUndefined();
    client.destroy();
    yClient.destroy();
    bystander.close();
  });
});

describe('link expiry', () => {
  it('[K14] a link gets a new expiry without a new secret (app and API); sessions whose tokens outlive it renew, and new tokens never outlive it', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const guest = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Deadline' });
    const client = closingClient(server, name, await tokenFrom(guest, name, secrets.view));
    await client.synced();

    const expiresAt = Date.now() + 120_000;
    const changed = await owner.call('PATCH', `${links(name)}/view`, { key: secrets.edit, expiresAt });
    expect(changed.status, JSON.stringify(changed.data)).toBe(200);
    expect(changed.data.links).toContainEqual({ kind: 'view', secret: secrets.view, expiresAt, expired: false });
    // Its ten-minute token outlived the new expiry: closed as expired, so the client fetches one that does not.
    await waitFor(() => client.documentCloses.includes(CloseCodes.TokenExpired.reason), { message: 'the session to be asked to renew' });
    const { exp } = await verifyToken(TEST_SECRET, await tokenFrom(guest, name, secrets.view));
    expect(exp * 1000).toBeLessThanOrEqual(expiresAt);

    // Through the API, ISO 8601; null removes the expiry. The secret stays the same throughout.
    const token = await server.token({ doc: name, role: 'editor' });
    const later = inAYear();
    const viaApi = await api(server, 'PATCH', `/api/docs/${name}/links/view`, token, { expiresAt: later });
    expect(viaApi.status, viaApi.text).toBe(200);
    expect(viaApi.json.links).toContainEqual(expect.objectContaining({ kind: 'view', expiresAt: later, generation: 1 }));
    expect((await api(server, 'PATCH', `/api/docs/${name}/links/view`, token, { expiresAt: null })).json.links).toContainEqual(
      expect.objectContaining({ kind: 'view', expiresAt: null }),
    );
    expect((await guest.session(name, secrets.view)).data).toMatchObject({ role: 'viewer' });
    client.destroy();
  });

  it('[K15] bad input is refused with a clear error and changes nothing: malformed and past expiries, nothing to change, an off link, a link granting more than the caller has', async () => {
    const owner = new AppBrowser(server.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Guarded' });
    const token = await server.token({ doc: name, role: 'editor' });
    for (const expiresAt of ['tomorrow', '2030-13-45T00:00:00Z', Date.now() + 60_000, '2001-01-01T00:00:00Z', '2999-01-01T00:00:00Z']) {
      const refused = await api(server, 'PATCH', `/api/docs/${name}/links/view`, token, { expiresAt });
      expect(refused.status, String(expiresAt)).toBe(400);
      expect(refused.json.error).toMatch(/"expiresAt" must be a time in the future in ISO 8601/);
    }
    expect((await api(server, 'PATCH', `/api/docs/${name}/links/view`, token, {})).json.error).toMatch(/nothing to change/);
    expect((await api(server, 'PATCH', `/api/docs/${name}/links/view`, token, { expiresAt: null, secret: 'x' })).status).toBe(400);
    expect((await api(server, 'PATCH', `/api/docs/${name}/links/sideways`, token, { expiresAt: null })).status).toBe(404);
    for (const expiresAt of [inAYear(), Date.now() - 1000, 1.5, Date.now() + 20 * 365 * 86_400_000]) {
      const refused = await owner.call('PATCH', `${links(name)}/view`, { key: secrets.edit, expiresAt });
      expect(refused.status, String(expiresAt)).toBe(400);
      expect(refused.data.error).toMatch(/"expiresAt" must be a time in the future \(milliseconds since the epoch/);
    }
    expect((await owner.call('PATCH', `${links(name)}/view`, { key: secrets.edit })).data.error).toMatch(/nothing to change/);
    // The page's own link cannot be turned off from it.
    expect((await owner.call('DELETE', `${links(name)}/edit`, { key: secrets.edit })).status).toBe(409);
    // An off link's secret authorizes nothing, and an off link gets no expiry.
    expect((await owner.call('DELETE', `${links(name)}/comment`, { key: secrets.edit })).status).toBe(200);
    expect((await owner.call('PATCH', `${links(name)}/view`, { key: secrets.comment, expiresAt: null })).data).toMatchObject({ reason: 'link-off' });
    expect((await owner.call('DELETE', `${links(name)}/view`, { key: secrets.comment })).data).toMatchObject({ reason: 'link-off' });
    expect((await owner.call('PATCH', `${links(name)}/comment`, { key: secrets.edit, expiresAt: null })).status).toBe(409);
    // Nothing changed: the view link has no expiry, the edit link is on.
    expect(await owner.links(name, secrets.edit)).toEqual([
      { kind: 'edit', secret: secrets.edit, expiresAt: null, expired: false },
      { kind: 'view', secret: secrets.view, expiresAt: null, expired: false },
    ]);
    // By default a view link manages nothing; a viewer token neither.
    expect((await owner.call('DELETE', `${links(name)}/view`, { key: secrets.view })).status).toBe(403);
    expect((await api(server, 'DELETE', `/api/docs/${name}/links/view`, await server.token({ doc: name, role: 'viewer' }))).status).toBe(403);
  });

  it('[K15] where every role manages links, a view or comment link and a viewer token still cannot turn off, reset or re-date a link granting more', async () => {
    const owner = new AppBrowser(lenient.httpUrl);
    const { name, secrets } = await owner.create({ title: 'Lenient' });
    for (const [key, kind] of [
      [secrets.view, 'comment'],
      [secrets.view, 'edit'],
      [secrets.comment, 'edit'],
    ]) {
      for (const [method, suffix, body] of [
        ['DELETE', '', {}],
        ['PATCH', '', { expiresAt: null }],
        ['POST', '/reset', {}],
      ] as const) {
        const refused = await owner.call(method, `${links(name)}/${kind}${suffix}`, { key, ...body });
        expect(refused.status, `${method} ${kind}${suffix}`).toBe(403);
        expect(refused.data.error).toMatch(/would grant more than the link itself/);
      }
    }
    const viewer = await lenient.token({ doc: name, role: 'viewer' });
    for (const [method, path, body] of [
      ['DELETE', `/api/docs/${name}/links/edit`, undefined],
      ['PATCH', `/api/docs/${name}/links/comment`, { expiresAt: null }],
    ] as const) {
      const refused = await api(lenient, method, path, viewer, body);
      expect(refused.status).toBe(403);
      expect(refused.json.error).toMatch(/grants more than the token itself/);
    }
    // Within their own reach they may: the comment link turns the view link off.
    expect((await owner.call('DELETE', `${links(name)}/view`, { key: secrets.comment })).status).toBe(200);
    expect(((await owner.links(name, secrets.edit)) as { kind: string }[]).map((link) => link.kind)).toEqual(['edit', 'comment']);
  });
});
