import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { DocumentStore } from '../../persistence/DocumentStore';
import { newDocumentName } from '../../shared/documentName';
import { mintToken, type Role } from '../../shared/token';
import { HttpError, type Router, readJson, sendJson } from './Router';

/** Lifetime of a token handed out for a share link; the app fetches a new one on every reconnect. */
export const LINK_TOKEN_SECONDS = 10 * 60;

/** The document properties holding the two link secrets. */
export const EDIT_KEY = 'editKey';
export const VIEW_KEY = 'viewKey';

export interface AppRoutesOptions {
  store: DocumentStore;
  authSecret: string;
}

/**
 * The web app's own endpoints. Documents made in the app are shared by capability links: the
 * edit link and the view link each carry a 128-bit secret, which the app exchanges here for a
 * short-lived collab token with the matching role. The secret travels in the URL fragment and in
 * request bodies, never in a request path or query, so it stays out of server and proxy logs.
 */
export function addAppRoutes(router: Router, { store, authSecret }: AppRoutesOptions): void {
  router.add('POST', '/api/app/documents', async (request, response) => {
    const body = (await readJson(request, 16 * 1024)) as { title?: unknown } | null;
    const title = typeof body?.title === 'string' ? body.title.slice(0, 200) : '';
    const name = newDocumentName();
    const editKey = randomBytes(16).toString('base64url');
    const viewKey = randomBytes(16).toString('base64url');
    await store.create(name, { title, properties: { [EDIT_KEY]: editKey, [VIEW_KEY]: viewKey } });
    sendJson(response, 201, { name, editKey, viewKey });
  });

  router.add('POST', '/api/app/session', async (request, response) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const name = stringField(body, 'name', 200);
    const key = stringField(body, 'key', 100);
    const userId = stringField(body, 'userId', 64);
    const userName = (typeof body?.userName === 'string' ? body.userName.trim().slice(0, 60) : '') || 'Anonymous';
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(userId)) throw new HttpError(400, 'userId must be 8 to 64 letters, digits, "-" or "_"');
    const meta = await store.getMeta(name);
    const role: Role | null = !meta ? null : matches(key, meta.properties[EDIT_KEY]) ? 'editor' : matches(key, meta.properties[VIEW_KEY]) ? 'viewer' : null;
    // One answer for "no such document" and "wrong secret": a link holder learns nothing more.
    if (!meta || !role) throw new HttpError(404, 'this document does not exist, or the link is not valid');
    const token = await mintToken(authSecret, { sub: `link:${userId}`, name: userName, doc: name, role }, LINK_TOKEN_SECONDS);
    sendJson(response, 200, {
      token,
      role,
      expiresIn: LINK_TOKEN_SECONDS,
      title: meta.title,
      links: role === 'editor' ? { edit: meta.properties[EDIT_KEY], view: meta.properties[VIEW_KEY] } : { view: meta.properties[VIEW_KEY] },
    });
  });
}

function stringField(body: Record<string, unknown> | null, field: string, maxLength: number): string {
  const value = body?.[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new HttpError(400, `"${field}" must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

/** Constant-time comparison, so response timing reveals nothing about a secret. */
function matches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
