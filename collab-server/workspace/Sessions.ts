import { createHash, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { WorkspaceStore, WorkspaceUser } from '../../persistence/WorkspaceStore';
import { cookieValue } from '../http/browserIdentity';
import { HttpError } from '../http/Router';

/** The cookie holding a signed-in session's id. */
export const SESSION_COOKIE = 'quire_session';

export interface SessionsOptions {
  store: WorkspaceStore;
  /** How long a sign-in lasts, in ms. */
  lifetimeMs: number;
  /** True when the request reached the server over HTTPS (directly or through a trusted proxy): the cookie is then Secure. */
  overHttps: (request: IncomingMessage) => boolean;
  now?: () => number;
}

/**
 * Signed-in sessions, kept on the server. The cookie holds 256 random bits; the store keeps only
 * their SHA-256, so a copy of the database signs nobody in. The cookie is HttpOnly, SameSite=Lax
 * (the identity provider's redirect back is a top-level navigation) and Secure over HTTPS.
 * Signing out deletes the session on the server: the cookie is worthless from then on.
 */
export class Sessions {
  private readonly now: () => number;

  constructor(private readonly options: SessionsOptions) {
    this.now = options.now ?? Date.now;
  }

  /** Starts a session for `userId` and sets its cookie on `response`; a session the browser had before ends. */
  async start(userId: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const earlier = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (earlier) await this.options.store.deleteSession(hashOf(earlier));
    const value = randomBytes(32).toString('base64url');
    const createdAt = this.now();
    await this.options.store.saveSession({ hash: hashOf(value), userId, createdAt, expiresAt: createdAt + this.options.lifetimeMs });
    this.setCookie(request, response, value, Math.floor(this.options.lifetimeMs / 1000));
  }

  /** The signed-in person, or null when the request has no session cookie at all. Throws 401 for one the server does not know or that expired. */
  async userOf(request: IncomingMessage, response: ServerResponse): Promise<WorkspaceUser | null> {
    const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (!value) return null;
    const session = /^[A-Za-z0-9_-]{43}$/.test(value) ? await this.options.store.getSession(hashOf(value), this.now()) : null;
    const user = session ? await this.options.store.getUser(session.userId) : null;
    if (!user) {
      this.setCookie(request, response, '', 0);
      throw new HttpError(401, 'your session has ended or expired; sign in again', 'session-ended');
    }
    return user;
  }

  /** The signed-in person; 401 when there is none. */
  async require(request: IncomingMessage, response: ServerResponse): Promise<WorkspaceUser> {
    const user = await this.userOf(request, response);
    if (!user) throw new HttpError(401, 'sign in first: this needs a signed-in person', 'signed-out');
    return user;
  }

  /** Ends the request's session on the server and clears its cookie. */
  async end(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const value = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (value) await this.options.store.deleteSession(hashOf(value));
    this.setCookie(request, response, '', 0);
  }

  private setCookie(request: IncomingMessage, response: ServerResponse, value: string, maxAge: number): void {
    const secure = this.options.overHttps(request) ? '; Secure' : '';
    response.appendHeader('set-cookie', `${SESSION_COOKIE}=${value}; Path=/; Max-Age=${maxAge}; HttpOnly; SameSite=Lax${secure}`);
  }
}

/** The hex SHA-256 a session is stored under. */
export function hashOf(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
