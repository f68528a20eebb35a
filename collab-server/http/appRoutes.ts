import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { type DocumentMeta, StoreError } from '../../persistence/DocumentStore';
import { TITLE_FIELD } from '../../shared/documentFields';
import { newDocumentName } from '../../shared/documentName';
import { normalizeTitle, replaceText } from '../../shared/titleText';
import { colorFor, mintToken, type Role } from '../../shared/token';
import type { Identity } from '../context';
import type { ConversionPool } from '../conversion/ConversionPool';
import { importTooLarge, titleOf } from '../conversion/requestBody';
import type { DocumentService } from '../documents/DocumentService';
import { EDIT_KEY, newLinkSecret, VIEW_KEY } from '../documents/ShareLinks';
import { conversionHttpError } from './conversionErrors';
import { HttpError, type Router, readJson, readRawJson, sendJson } from './Router';

/** Lifetime of a token handed out for a share link; the app fetches a new one on every reconnect. */
export const LINK_TOKEN_SECONDS = 10 * 60;

/** The largest Markdown file accepted for import, in bytes of UTF-8. */
export const MAX_IMPORT_BYTES = 1024 * 1024;

/** The most documents one lookup may ask about. */
export const MAX_LOOKUP_DOCUMENTS = 500;

export interface AppRoutesOptions {
  documents: DocumentService;
  authSecret: string;
  /** Converts imports off the event loop (the body is parsed there too). */
  conversions: ConversionPool;
  /** Overrides `MAX_IMPORT_BYTES` (tests use a small limit). */
  maxImportBytes?: number;
}

/**
 * The web app's own endpoints. Documents made in the app are shared by capability links: the
 * edit link and the view link each carry a 128-bit secret, which the app exchanges here for a
 * short-lived collab token with the matching role. The secret travels in the URL fragment and in
 * request bodies, never in a request path or query, so it stays out of server and proxy logs.
 *
 *   POST   /api/app/documents          create (optionally from Markdown) → name and both secrets
 *   POST   /api/app/session            a link secret → collab token, role, title, links
 *   POST   /api/app/documents/lookup   [{ name, key }] → title and last change of each valid one
 *   PATCH  /api/app/documents/:name    rename (edit secret, and who renames, in the body)
 *   DELETE /api/app/documents/:name    delete; open editors are closed (edit secret in the body)
 */
export function addAppRoutes(router: Router, { documents, authSecret, conversions, maxImportBytes = MAX_IMPORT_BYTES }: AppRoutesOptions): void {
  /** The document and the role a link secret grants on it, or null (no such document, or a wrong secret). */
  const open = async (name: string, key: string): Promise<{ meta: DocumentMeta; role: Role } | null> => {
    const meta = await documents.getMeta(name);
    const role = meta ? roleOf(meta, key) : null;
    return meta && role ? { meta, role } : null;
  };

  /** Reads `{ name?, key }` and requires the edit secret of `name`. */
  const requireEditor = async (request: IncomingMessage, name: string): Promise<Record<string, unknown> | null> => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const access = await open(name, stringField(body, 'key', 100));
    if (!access) throw new HttpError(404, NOT_FOUND);
    if (access.role !== 'editor') throw new HttpError(403, 'this is a view-only link; renaming or deleting needs the edit link');
    return body;
  };

  router.add('POST', '/api/app/documents', async (request, response) => {
    const raw = await readImportBody(request, maxImportBytes);
    // The body is parsed, the Markdown converted and the initial update built in a worker.
    let imported: { fields: Record<string, unknown>; update: Uint8Array | null };
    try {
      imported = await conversions.run({ kind: 'create', body: raw, rules: { dialect: 'import', maxContentBytes: maxImportBytes } });
    } catch (error) {
      throw conversionHttpError(error);
    }
    const title = titleOf(imported.fields);
    const update = imported.update ?? undefined;
    const name = newDocumentName();
    const editKey = newLinkSecret();
    const viewKey = newLinkSecret();
    await documents.create(name, { update, title, properties: { [EDIT_KEY]: editKey, [VIEW_KEY]: viewKey } });
    sendJson(response, 201, { name, editKey, viewKey, title });
  });

  router.add('POST', '/api/app/session', async (request, response) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const name = stringField(body, 'name', 200);
    const key = stringField(body, 'key', 100);
    const user = linkIdentity(body);
    const access = await open(name, key);
    // One answer for "no such document" and "wrong secret": a link holder learns nothing more.
    if (!access) throw new HttpError(404, NOT_FOUND);
    const { meta, role } = access;
    const { properties } = meta;
    const token = await mintToken(authSecret, { sub: user.id, name: user.name, doc: name, role }, LINK_TOKEN_SECONDS);
    sendJson(response, 200, {
      token,
      role,
      expiresIn: LINK_TOKEN_SECONDS,
      title: meta.title,
      links: role === 'editor' ? { edit: properties[EDIT_KEY], view: properties[VIEW_KEY] } : { view: properties[VIEW_KEY] },
    });
  });

  router.add('POST', '/api/app/documents/lookup', async (request, response) => {
    const body = (await readJson(request, 128 * 1024)) as { documents?: unknown } | null;
    const list = body?.documents;
    if (!Array.isArray(list) || list.length > MAX_LOOKUP_DOCUMENTS) {
      throw new HttpError(400, `"documents" must be an array of at most ${MAX_LOOKUP_DOCUMENTS} { name, key } objects`);
    }
    const found = [];
    for (const entry of list as Record<string, unknown>[]) {
      const name = stringField(entry, 'name', 200);
      const key = stringField(entry, 'key', 100);
      const access = await open(name, key);
      // Documents that do not exist and wrong secrets are both left out, alike.
      if (access) {
        const { meta, role } = access;
        found.push({ name, role, title: meta.title, createdAt: meta.createdAt, updatedAt: meta.updatedAt });
      }
    }
    sendJson(response, 200, { documents: found });
  });

  router.add('PATCH', '/api/app/documents/:name', async (request, response, { name }) => {
    const body = await requireEditor(request, name);
    if (typeof body?.title !== 'string') throw new HttpError(400, '"title" must be a string');
    const title = normalizeTitle(body.title.trim());
    // The person renaming, as their collab token names them, so history shows who renamed.
    const user = linkIdentity(body);
    try {
      // A change to the live document: open editors see the new title at once.
      await documents.change(name, (doc) => replaceText(doc.getText(TITLE_FIELD), title), { user, role: 'editor' });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NOT_FOUND') throw new HttpError(404, NOT_FOUND);
      throw error;
    }
    sendJson(response, 200, { name, title });
  });

  router.add('DELETE', '/api/app/documents/:name', async (request, response, { name }) => {
    await requireEditor(request, name);
    if (!(await documents.delete(name))) throw new HttpError(404, NOT_FOUND);
    sendJson(response, 200, { name, deleted: true });
  });
}

/** The one answer for a document that does not exist and for a wrong link secret. */
export const NOT_FOUND = 'this document does not exist, or the link is not valid';

/** Reads the create body's bytes (parsed in a worker); a body too large for any import gets the import size message. */
async function readImportBody(request: IncomingMessage, maxImportBytes: number): Promise<Buffer> {
  // JSON escaping can double the size of Markdown (every newline becomes `\n`), plus the other fields.
  const limit = maxImportBytes * 2 + 16 * 1024;
  try {
    return await readRawJson(request, limit);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) throw new HttpError(413, importTooLarge(maxImportBytes));
    throw error;
  }
}

/** The string `field` of a request body, 1 to `maxLength` characters; 400 otherwise. */
export function stringField(body: Record<string, unknown> | null, field: string, maxLength: number): string {
  const value = body?.[field];
  if (typeof value !== 'string' || value.length === 0 || value.length > maxLength) {
    throw new HttpError(400, `"${field}" must be a string of 1 to ${maxLength} characters`);
  }
  return value;
}

/**
 * The person a request from the app names (`userId`, `userName`: the browser's identity), as the
 * identity a link token carries for them: id `link:<userId>`, the name, the color derived from
 * the id. 400 when `userId` is missing or malformed.
 */
export function linkIdentity(body: Record<string, unknown> | null): Identity {
  const userId = stringField(body, 'userId', 64);
  if (!/^[A-Za-z0-9_-]{8,64}$/.test(userId)) throw new HttpError(400, 'userId must be 8 to 64 letters, digits, "-" or "_"');
  const name = (typeof body?.userName === 'string' ? body.userName.trim().slice(0, 60) : '') || 'Anonymous';
  const id = `link:${userId}`;
  return { id, name, color: colorFor(id) };
}

/** The role `key` grants on a document, or null when it is neither of its secrets. */
export function roleOf(meta: DocumentMeta, key: string): Role | null {
  if (matches(key, meta.properties[EDIT_KEY])) return 'editor';
  if (matches(key, meta.properties[VIEW_KEY])) return 'viewer';
  return null;
}

/** Constant-time comparison, so response timing reveals nothing about a secret. */
function matches(given: string, expected: string | undefined): boolean {
  if (!expected) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}
