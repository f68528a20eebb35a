import { SignJWT, UnsecuredJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyToken } from '../../shared/token';
import { AppBrowser } from '../../testing/appBrowser';
import { hocuspocusClient } from '../../testing/clients';
import { startTestServer, TEST_SECRET, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { IDENTITY_COOKIE } from '../http/browserIdentity';

/**
 * The app's identities are issued by the server: a browser's id lives in a cookie the server
 * signed, and only that id is ever put into a link token or credited in history. A page that
 * names someone else's id (in the body, or in a cookie the server did not sign) gets a new id of
 * its own. Display names stay free; ids tell apart people who chose the same one.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

/** The user id (`sub`) of the token a session answer carries. */
const subOf = async (answer: { data: Record<string, unknown> }) => (await verifyToken(TEST_SECRET, answer.data.token as string)).sub;
/** The browser id inside a `browser:<id>` user id. */
const rawId = (sub: string) => sub.slice('browser:'.length);

describe('identities issued by the server', () => {
  it('[I1] a browser naming someone else’s id, or sending a cookie the server did not sign, never gets a token for that id', async () => {
    const alice = new AppBrowser(server.httpUrl);
    const { name, secrets } = await alice.create({ title: 'Whose words' });
    const first = await alice.session(name, secrets.edit, 'Alice');
    const aliceId = await subOf(first);
    expect(aliceId).toMatch(/^browser:[A-Za-z0-9_-]{22}$/);
    expect(first.data.user).toMatchObject({ id: aliceId, name: 'Alice' });
    // The same browser keeps its id.
    expect(await subOf(await alice.session(name, secrets.edit, 'Alice'))).toBe(aliceId);

    const cookieKey = new TextEncoder().encode(TEST_SECRET);
    const forgeries: Array<[string, string | null, Record<string, unknown>]> = [
      ['no cookie, her id in the body', null, { userId: rawId(aliceId), userName: 'Alice' }],
      ['her id as a bare cookie', rawId(aliceId), {}],
      ['an unsigned cookie', new UnsecuredJWT({}).setSubject(rawId(aliceId)).setAudience('quire-browser').setIssuedAt().encode(), {}],
      [
        'a cookie signed with AUTH_SECRET itself (not the key derived for cookies)',
        await new SignJWT({}).setProtectedHeader({ alg: 'HS256' }).setSubject(rawId(aliceId)).setAudience('quire-browser').setIssuedAt().sign(cookieKey),
        {},
      ],
      ['her collab token as the cookie', first.data.token as string, {}],
      ['her cookie with its id swapped', swapSubject(alice.cookie as string, 'A'.repeat(22)), {}],
    ];
    const seen = new Set([aliceId]);
    for (const [label, cookie, body] of forgeries) {
      const mallory = new AppBrowser(server.httpUrl);
      mallory.cookie = cookie;
      const answer = await mallory.call('POST', '/api/app/session', { name, key: secrets.edit, userName: 'Alice', ...body });
      expect(answer.status, label).toBe(200);
      const sub = await subOf(answer);
      expect(sub, label).not.toBe(aliceId);
      expect(sub, label).not.toBe('browser:AAAAAAAAAAAAAAAAAAAAAA');
      expect(seen.has(sub), `${label}: a fresh id`).toBe(false);
      seen.add(sub);
      // The answer sets the new id's cookie; the forged one is replaced.
      expect(mallory.cookie, label).not.toBe(cookie);
      expect(await subOf(await mallory.session(name, secrets.edit, 'Alice'))).toBe(sub);
    }
  });

  it('[I2] the cookie is HttpOnly, SameSite=Lax, for the whole site, and Secure over HTTPS', async () => {
    const plain = await new AppBrowser(server.httpUrl).call('GET', '/api/app/identity');
    expect(plain.data).toMatchObject({ id: expect.stringMatching(/^browser:/), color: expect.stringMatching(/^#/) });
    const [cookie] = plain.headers.getSetCookie();
    expect(cookie).toMatch(new RegExp(`^${IDENTITY_COOKIE}=[^;]+; Path=/; Max-Age=\\d+; HttpOnly; SameSite=Lax$`));
    const proxied = await fetch(`${server.httpUrl}/api/app/identity`, { headers: { 'x-forwarded-proto': 'https' } });
    expect(proxied.headers.getSetCookie()[0]).toMatch(/; HttpOnly; SameSite=Lax; Secure$/);
  });

  it('[I3] renames and restores are credited to the cookie’s identity; two people who chose the same name stay two people', async () => {
    const first = new AppBrowser(server.httpUrl);
    const second = new AppBrowser(server.httpUrl);
    const { name, secrets } = await first.create({ title: 'One' });
    const firstId = (await first.session(name, secrets.edit, 'Sam')).data.user as { id: string };
    const secondId = (await second.session(name, secrets.edit, 'Sam')).data.user as { id: string };
    expect(firstId.id).not.toBe(secondId.id);

    // Both Sams edit (the first through a collab connection, the second by renaming, claiming the first's id in the body).
    const client = hocuspocusClient(server.hocuspocusUrl, name, (await first.session(name, secrets.edit, 'Sam')).data.token as string);
    await client.synced();
    client.doc.getText('body').insert(0, 'Typed by the first Sam.');
    await client.saved();
    expect(
      (await second.call('PATCH', `/api/app/documents/${name}`, { key: secrets.edit, title: 'Two', userId: rawId(firstId.id), userName: 'Sam' })).status,
    ).toBe(200);
    const named = await first.call('POST', `/api/app/documents/${name}/history/name`, { key: secrets.edit, label: 'Both' });
    const authors = (named.data.version as { authors: Array<{ id: string; name: string; color: string }> }).authors;
    expect(authors.map(({ id, name }) => ({ id, name }))).toEqual([
      { id: firstId.id, name: 'Sam' },
      { id: secondId.id, name: 'Sam' },
    ]);

    // Presence: each connection's awareness entry carries its own server-issued id.
    const other = hocuspocusClient(server.hocuspocusUrl, name, (await second.session(name, secrets.edit, 'Sam')).data.token as string);
    await other.synced();
    client.provider.setAwarenessField('user', { id: firstId.id, name: 'Sam' });
    other.provider.setAwarenessField('user', { id: firstId.id, name: 'Sam' });
    const ids = () =>
      [...(client.provider.awareness?.getStates().values() ?? [])]
        .map((state) => (state as { user?: { id: string } }).user?.id)
        .filter(Boolean)
        .sort();
    await waitFor(() => ids().length === 2, { message: 'both people in presence' });
    expect(ids()).toEqual([firstId.id, secondId.id].sort());
    client.destroy();
    other.destroy();
  });
});

/** A JWT with its subject replaced and the signature left as it was. */
function swapSubject(token: string, sub: string): string {
  const [header, payload, signature] = token.split('.');
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  return [header, Buffer.from(JSON.stringify({ ...claims, sub })).toString('base64url'), signature].join('.');
}
