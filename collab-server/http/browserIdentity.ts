import { hkdfSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { jwtVerify, SignJWT } from 'jose';
import { colorFor } from '../../shared/token';
import type { Identity } from '../context';

/** The cookie that names a browser to the web app's endpoints. */
export const IDENTITY_COOKIE = 'quire_browser';

/** The longest display name kept, in characters. */
export const MAX_DISPLAY_NAME = 60;

/** Browsers keep a cookie at most 400 days; it is renewed when older than a day. */
const MAX_AGE_SECONDS = 400 * 24 * 60 * 60;
const RENEW_AFTER_SECONDS = 24 * 60 * 60;
const AUDIENCE = 'quire-browser';
const ID_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Who is using the web app, as the server knows them: each browser gets a random id the first time
 * it calls an app endpoint, in a signed cookie (a JWT under a key derived from AUTH_SECRET, HttpOnly,
 * SameSite=Lax, Secure over HTTPS). Only that id is ever put into a link token or credited in
 * history: a page cannot name itself with someone else's id, and a cookie the server did not sign
 * (forged, altered, or signed with another secret) earns a new id, not the one it claims. The
 * display name stays the person's free choice; presence and history tell people apart by id.
 */
export class BrowserIdentities {
  private readonly key: Uint8Array;

  constructor(authSecret: string) {
    // Its own key, so an identity cookie can never pass for a collab token or the other way round.
    this.key = new Uint8Array(hkdfSync('sha256', Buffer.from(authSecret, 'utf8'), Buffer.alloc(0), 'quire browser identity cookie', 32));
  }

  /**
   * The identity of the browser that sent `request`, named `name` (its own choice, trimmed and
   * shortened; "Anonymous" when empty). A browser without a valid cookie gets a new id, set on `response`.
   */
  async identify(request: IncomingMessage, response: ServerResponse, name: unknown): Promise<Identity> {
    const id = `browser:${await this.idOf(request, response)}`;
    const shown = (typeof name === 'string' ? name.trim().slice(0, MAX_DISPLAY_NAME) : '') || 'Anonymous';
    return { id, name: shown, color: colorFor(id) };
  }

  /** The browser's id from its signed cookie; a new one (set as the cookie) when it has none that the server signed. */
  async idOf(request: IncomingMessage, response: ServerResponse): Promise<string> {
    const cookie = cookieValue(request.headers.cookie, IDENTITY_COOKIE);
    if (cookie) {
      try {
        const { payload } = await jwtVerify(cookie, this.key, { algorithms: ['HS256'], audience: AUDIENCE, requiredClaims: ['sub', 'iat'] });
        if (typeof payload.sub === 'string' && ID_PATTERN.test(payload.sub)) {
          if (Date.now() / 1000 - (payload.iat as number) > RENEW_AFTER_SECONDS) await this.issue(payload.sub, request, response);
          return payload.sub;
        }
      } catch {
        // Not signed by this server (or expired): the browser gets a new id below.
      }
    }
    const id = randomBytes(16).toString('base64url');
    await this.issue(id, request, response);
    return id;
  }

  private async issue(id: string, request: IncomingMessage, response: ServerResponse): Promise<void> {
    const value = await new SignJWT({})
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject(id)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setExpirationTime(Math.floor(Date.now() / 1000) + MAX_AGE_SECONDS)
      .sign(this.key);
    const secure = isHttps(request) ? '; Secure' : '';
    response.appendHeader('set-cookie', `${IDENTITY_COOKIE}=${value}; Path=/; Max-Age=${MAX_AGE_SECONDS}; HttpOnly; SameSite=Lax${secure}`);
  }
}

/** The value of cookie `name` in a `Cookie` header, or null. */
export function cookieValue(header: string | undefined, name: string): string | null {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** True when the client reached the server over HTTPS (directly, or as a proxy in front says). */
function isHttps(request: IncomingMessage): boolean {
  const forwarded = request.headers['x-forwarded-proto'];
  const proto = (Array.isArray(forwarded) ? forwarded[0] : forwarded)?.split(',')[0].trim().toLowerCase();
  return proto === 'https' || 'encrypted' in request.socket;
}
