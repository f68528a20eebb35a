import type { IncomingMessage } from 'node:http';
import type { WorkspaceStore } from '../../persistence/WorkspaceStore';
import { cookieValue } from '../http/browserIdentity';
import { type Router, sendJson } from '../http/Router';
import type { Logger } from '../logger';
import { type OidcLogin, PENDING_SECONDS } from './OidcLogin';
import type { Sessions } from './Sessions';
import { requireSameOrigin } from './sameOrigin';

/** The cookie holding a sign-in under way, sealed (`OidcLogin`): it binds the sign-in to the browser that started it. */
export const LOGIN_COOKIE = 'quire_login';

export interface AuthRoutesOptions {
  /** Null in link mode (no OIDC_ISSUER): `/api/auth/me` then says so, and nothing else is served. */
  workspace: {
    login: OidcLogin;
    sessions: Sessions;
    store: WorkspaceStore;
    /** PUBLIC_URL: the callback is read against it, and state-changing requests must come from it. */
    publicUrl: string;
    overHttps: (request: IncomingMessage) => boolean;
    logger: Logger;
  } | null;
}

/**
 * Signing in and out (workspace mode):
 *
 *   GET  /api/auth/me         { mode: 'link' } or { mode: 'workspace', user: … | null }
 *   GET  /api/auth/login      ?returnTo=/path → redirect to the identity provider
 *   GET  /api/auth/callback   the provider's answer → session cookie, redirect to returnTo
 *   POST /api/auth/logout     ends the session on the server (same-origin only)
 */
export function addAuthRoutes(router: Router, { workspace }: AuthRoutesOptions): void {
  router.add('GET', '/api/auth/me', async (request, response) => {
    if (!workspace) return sendJson(response, 200, { mode: 'link' });
    const user = await workspace.sessions.userOf(request, response);
    sendJson(response, 200, { mode: 'workspace', user: user && { id: user.id, name: user.name, email: user.email, avatarUrl: user.avatarUrl } });
  });
  if (!workspace) return;
  const { login, sessions, store, publicUrl } = workspace;
  const loginCookie = (request: IncomingMessage, value: string, maxAge: number) =>
    `${LOGIN_COOKIE}=${value}; Path=/api/auth; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${workspace.overHttps(request) ? '; Secure' : ''}`;

  router.add('GET', '/api/auth/login', async (request, response, _params, url) => {
    const asked = url.searchParams.get('returnTo') ?? '/';
    // Only a path of this app: never an open redirect to another site.
    const returnTo = /^\/(?![/\\])[^\s]*$/.test(asked) && asked.length <= 2000 ? asked : '/';
    const { url: target, sealed } = await login.begin(returnTo);
    response.writeHead(302, { location: target.href, 'set-cookie': loginCookie(request, sealed, PENDING_SECONDS), 'cache-control': 'no-store' });
    response.end();
  });

  router.add('GET', '/api/auth/callback', async (request, response) => {
    const callback = new URL(request.url ?? '/', publicUrl);
    response.appendHeader('set-cookie', loginCookie(request, '', 0));
    const signedIn = await login.finish(callback, cookieValue(request.headers.cookie, LOGIN_COOKIE));
    const user = await store.saveUser(
      { id: `oidc:${signedIn.subject}`, name: signedIn.name, email: signedIn.email, avatarUrl: signedIn.avatarUrl },
      Date.now(),
    );
    await sessions.start(user.id, request, response);
    workspace.logger.info({ event: 'signed-in', user: user.id }, 'a person signed in');
    response.writeHead(303, { location: signedIn.returnTo, 'cache-control': 'no-store' });
    response.end();
  });

  router.add('POST', '/api/auth/logout', async (request, response) => {
    requireSameOrigin(request, publicUrl);
    await sessions.end(request, response);
    sendJson(response, 200, { signedOut: true });
  });
}
