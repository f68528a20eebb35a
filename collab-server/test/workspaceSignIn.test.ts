import { decodeJwt, generateKeyPair, importJWK, SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OidcBrowser } from '../../testing/oidcBrowser';
import { emailOf, nameOf } from '../../testing/oidcIssuer';
import { startWorkspaceServer, type WorkspaceServer } from '../../testing/workspaceServer';
import { LOGIN_COOKIE } from '../workspace/authRoutes';
import { hashOf, SESSION_COOKIE } from '../workspace/Sessions';

/**
 * Signing in with the organisation's OpenID provider (a real `oidc-provider` on loopback, through
 * its own login and consent pages): sessions kept on the server under a hash, HttpOnly SameSite
 * cookies, sign-out ending them there, and every forged, replayed or foreign answer refused.
 */

let workspace: WorkspaceServer;

beforeAll(async () => {
  workspace = await startWorkspaceServer({ trustProxy: ['loopback'] });
});

afterAll(async () => {
  await workspace?.stop();
});

const store = () => workspace.server.server.workspace?.store as NonNullable<typeof workspace.server.server.workspace>['store'];

describe('signing in', () => {
  it('[WS1] a person signs in through the provider; the session cookie is HttpOnly and SameSite, kept on the server only as a hash', async () => {
    const browser = new OidcBrowser(workspace.url);
    expect((await browser.call('GET', '/api/auth/me')).data).toEqual({ mode: 'workspace', user: null });
    const answer = await browser.signIn('ada');
    expect(answer.headers.get('location')).toBe('/');
    const cookie = browser.setCookies.find((header) => header.startsWith(`${SESSION_COOKIE}=`) && !header.includes('Max-Age=0')) as string;
    expect(cookie).toMatch(/; HttpOnly/);
    expect(cookie).toMatch(/; SameSite=Lax/);
    expect(cookie).not.toMatch(/Secure/);
    const me = await browser.call('GET', '/api/auth/me');
    expect(me.data).toEqual({ mode: 'workspace', user: { id: 'oidc:ada', name: nameOf('ada'), email: emailOf('ada'), avatarUrl: null } });
    const value = browser.cookies.get(SESSION_COOKIE) as string;
    expect(await store().getSession(hashOf(value), Date.now())).toMatchObject({ userId: 'oidc:ada' });
    expect(await store().getSession(value, Date.now())).toBeNull();
    // The sign-in's own cookie is gone once it is used.
    expect(browser.cookies.has(LOGIN_COOKIE)).toBe(false);
  });

  it('[WS1] behind a trusted proxy that says HTTPS, the session cookie is Secure', async () => {
    const browser = new OidcBrowser(workspace.url);
    await browser.signIn('grace', { 'x-forwarded-proto': 'https' });
    const cookie = browser.setCookies.find((header) => header.startsWith(`${SESSION_COOKIE}=`) && !header.includes('Max-Age=0')) as string;
    expect(cookie).toMatch(/; Secure/);
  });

  it('[WS2] signing in again ends the session the browser had before', async () => {
    const browser = new OidcBrowser(workspace.url);
    await browser.signIn('ada');
    const first = browser.cookies.get(SESSION_COOKIE) as string;
    // The provider remembers her: the second sign-in passes its pages without asking again.
    await browser.signIn('ada');
    expect(browser.cookies.get(SESSION_COOKIE)).not.toBe(first);
    expect(await store().getSession(hashOf(first), Date.now())).toBeNull();
    expect((await browser.call('GET', '/api/auth/me')).data.user).toMatchObject({ id: 'oidc:ada' });
  });

  it('[WS2] signing out ends the session on the server: the old cookie no longer signs anyone in', async () => {
    const browser = new OidcBrowser(workspace.url);
    await browser.signIn('ada');
    const value = browser.cookies.get(SESSION_COOKIE) as string;
    expect((await browser.call('POST', '/api/auth/logout')).status).toBe(200);
    expect(await store().getSession(hashOf(value), Date.now())).toBeNull();
    const replay = new OidcBrowser(workspace.url);
    replay.cookies.set(SESSION_COOKIE, value);
    const refused = await replay.call('GET', '/api/workspace/documents');
    expect(refused.status).toBe(401);
    expect(refused.data.reason).toBe('session-ended');
  });

  it('[WS3] an expired session cookie is refused with 401 and cleared', async () => {
    const browser = new OidcBrowser(workspace.url);
    await browser.signIn('ada');
    const value = browser.cookies.get(SESSION_COOKIE) as string;
    const session = await store().getSession(hashOf(value), Date.now());
    await store().saveSession({ ...(session as NonNullable<typeof session>), expiresAt: Date.now() - 1 });
    const refused = await browser.call('GET', '/api/workspace/documents');
    expect(refused).toMatchObject({ status: 401, data: { reason: 'session-ended' } });
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });
});

describe('refused sign-in answers', () => {
  it('[WS4] a forged state (not the one this browser started) is refused and signs nobody in', async () => {
    const browser = new OidcBrowser(workspace.url);
    const callback = new URL(await browser.untilCallback('ada'));
    callback.searchParams.set('state', 'forged-state-value');
    const answer = await browser.request(callback.href);
    expect(answer.status).toBe(400);
    expect(((await answer.json()) as { reason: string }).reason).toBe('state-mismatch');
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('[WS4] an answer started in another browser (login CSRF) is refused', async () => {
    const attacker = new OidcBrowser(workspace.url);
    const callback = await attacker.untilCallback('mallory');
    const victim = new OidcBrowser(workspace.url);
    const answer = await victim.request(callback);
    expect(answer.status).toBe(400);
    expect(victim.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('[WS4] a replayed answer (its code already used) is refused, even with the sign-in cookie copied to another browser', async () => {
    const browser = new OidcBrowser(workspace.url);
    const callback = await browser.untilCallback('ada');
    const sealed = browser.cookies.get(LOGIN_COOKIE) as string;
    expect((await browser.request(callback)).status).toBe(303);
    // The browser that finished no longer holds the sign-in.
    expect(browser.cookies.has(LOGIN_COOKIE)).toBe(false);
    const again = await browser.request(callback);
    expect(again.status).toBe(400);
    const other = new OidcBrowser(workspace.url);
    other.cookies.set(LOGIN_COOKIE, sealed);
    const answer = await other.request(callback);
    expect(answer.status).toBe(401);
    expect(((await answer.json()) as { reason: string }).reason).toBe('sign-in-refused');
    expect(other.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  it('[WS4] a sign-in cookie the browser altered, or one naming another state, is refused', async () => {
    const browser = new OidcBrowser(workspace.url);
    const callback = await browser.untilCallback('ada');
    const sealed = browser.cookies.get(LOGIN_COOKIE) as string;
    // The sealed sign-in is encrypted: its state, nonce and PKCE verifier cannot be read from it.
    expect(sealed).not.toContain(new URL(callback).searchParams.get('state'));
    const parts = sealed.split('.');
    parts[3] = `${parts[3][0] === 'A' ? 'B' : 'A'}${parts[3].slice(1)}`;
    browser.cookies.set(LOGIN_COOKIE, parts.join('.'));
    const altered = await browser.request(callback);
    expect(altered.status).toBe(400);
    expect(((await altered.json()) as { reason: string }).reason).toBe('state-mismatch');
    // A genuine sealed sign-in of another sign-in of this browser does not finish this one.
    const second = new OidcBrowser(workspace.url);
    await second.untilCallback('ada');
    browser.cookies.set(LOGIN_COOKIE, second.cookies.get(LOGIN_COOKIE) as string);
    const mismatched = await browser.request(callback);
    expect(mismatched.status).toBe(400);
    expect(browser.cookies.has(SESSION_COOKIE)).toBe(false);
  });

  /** Signs in as `login` while the provider's token endpoint answers with the ID token `forge` makes from the real one. */
  async function signInWithIdToken(forge: (claims: Record<string, unknown>) => Promise<string>) {
    workspace.issuer.tamperTokenResponse(async (body) => ({ ...body, id_token: await forge(decodeJwt(body.id_token as string)) }));
    try {
      const browser = new OidcBrowser(workspace.url);
      const answer = await browser.request(await browser.untilCallback('ada'));
      const text = await answer.text();
      if (!text.startsWith('{')) throw new Error(`the callback answered ${answer.status}: ${text}`);
      return { status: answer.status, body: JSON.parse(text) as { error: string; reason: string }, signedIn: browser.cookies.has(SESSION_COOKIE) };
    } finally {
      workspace.issuer.tamperTokenResponse(null);
    }
  }
  const signedBy = async (key: Parameters<typeof importJWK>[0] | CryptoKey, claims: Record<string, unknown>) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
      .sign(key instanceof CryptoKey ? key : ((await importJWK(key, 'RS256')) as CryptoKey));

  it('[WS5] an ID token with another nonce (replayed from another sign-in) is refused', async () => {
    const result = await signInWithIdToken((claims) => signedBy(workspace.issuer.signingKey, { ...claims, nonce: 'another-sign-ins-nonce' }));
    expect(result).toMatchObject({ status: 401, signedIn: false, body: { reason: 'sign-in-refused' } });
    expect(result.body.error).toMatch(/nonce/);
  });

  it('[WS5] an ID token from another issuer is refused', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const result = await signInWithIdToken((claims) => signedBy(privateKey, { ...claims, iss: 'https://other-issuer.example.test' }));
    expect(result).toMatchObject({ status: 401, signedIn: false, body: { reason: 'sign-in-refused' } });
    expect(result.body.error).toMatch(/iss/);
  });

  it('[WS5] an ID token for another audience, signed by the right issuer, is refused', async () => {
    const result = await signInWithIdToken((claims) => signedBy(workspace.issuer.signingKey, { ...claims, aud: 'another-client' }));
    expect(result).toMatchObject({ status: 401, signedIn: false, body: { reason: 'sign-in-refused' } });
    expect(result.body.error).toMatch(/aud/);
  });

  it('[WS5] an ID token signed with a key the issuer does not publish is refused', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const result = await signInWithIdToken((claims) => signedBy(privateKey, claims));
    expect(result).toMatchObject({ status: 401, signedIn: false });
  });

  it('[WS6] sign-in never redirects to another site', async () => {
    const browser = new OidcBrowser(workspace.url);
    for (const returnTo of ['//evil.example', 'https://evil.example/', '/\\evil.example']) {
      const start = await browser.request(`${workspace.url}/api/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(start.status).toBe(302);
    }
    const callback = await browser.untilCallback('ada', '//evil.example/x');
    const answer = await browser.request(callback);
    expect(answer.headers.get('location')).toBe('/');
  });
});
