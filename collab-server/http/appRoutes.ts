import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreError } from '../../persistence/DocumentStore';
import { TITLE_FIELD } from '../../shared/documentFields';
import { documentNameProblem, newDocumentName } from '../../shared/documentName';
import { LINK_KINDS } from '../../shared/linkKinds';
import { normalizeTitle, replaceText } from '../../shared/titleText';
import { mintToken } from '../../shared/token';
import type { AuditLog } from '../audit/AuditLog';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { JobResults } from '../conversion/jobs';
import { importTooLarge, titleOf } from '../conversion/requestBody';
import type { DocumentService } from '../documents/DocumentService';
import { exportWithImages, storeImportedImages } from '../images/fileImages';
import { type ImageService, importedProperties } from '../images/ImageService';
import { sizeText } from '../images/imageCapability';
import { initialLinks } from '../links/linkSecrets';
import type { ShareLinks } from '../links/ShareLinks';
import type { ClientAddresses } from '../net/ClientAddresses';
import { CONTENT_TYPES } from './apiRoutes';
import { type AppAccess, type MemberAccessOf, requireAppAccess } from './appAccess';
import { NOT_FOUND, requireLink } from './appLinkAccess';
import type { BrowserIdentities } from './browserIdentity';
import { conversionHttpError } from './conversionErrors';
import { originOf } from './linkDescriptions';
import { HttpError, type Router, readJson, readRawJson, sendJson } from './Router';
import { CONTENT_POLICY } from './securityHeaders';
import { suggestionsByImporter } from './suggestionAuthorship';

/** The largest Markdown file accepted for import, in bytes of UTF-8. */
export const MAX_IMPORT_BYTES = 1024 * 1024;

/** The largest .docx file accepted for import: its pictures come with it (each within MAX_IMAGE_BYTES). */
export const MAX_DOCX_IMPORT_BYTES = 16 * 1024 * 1024;

/** The most documents one lookup may ask about. */
export const MAX_LOOKUP_DOCUMENTS = 500;

export interface AppRoutesOptions {
  documents: DocumentService;
  links: ShareLinks;
  identities: BrowserIdentities;
  authSecret: string;
  /** Converts imports off the event loop (the body is parsed there too). */
  conversions: ConversionPool;
  /** Whether a request came through a trusted proxy: exports link images to the server's address as the request reached it. */
  addresses: Pick<ClientAddresses, 'viaTrustedProxy'>;
  /** Overrides `MAX_IMPORT_BYTES` (tests use a small limit). */
  maxImportBytes?: number;
  /** Overrides `MAX_DOCX_IMPORT_BYTES`. */
  maxDocxImportBytes?: number;
  /** Stored images: an imported .docx file's pictures, and the pictures an export embeds. */
  images: Pick<ImageService, 'blobs' | 'limits' | 'importRules' | 'storeImported'>;
  /** Takes one document creation from the requester's budget: 0, or the seconds until one is allowed (429). */
  takeCreation?: (request: IncomingMessage) => number;
  /**
   * Lifetime of a token handed out for a share link (`LINK_TOKEN_SECONDS`): the app fetches a new
   * one on every reconnect, and when the server asks for one before it expires.
   */
  linkTokenSeconds: number;
  /** Where renames and deletions are recorded. */
  audit: Pick<AuditLog, 'record'>;
  /**
   * Workspace mode: who creates a document (refusing when nobody is signed in), and what makes
   * them its owner once it exists. Absent in link mode, where anyone may create one.
   */
  creator?: (request: IncomingMessage, response: ServerResponse) => Promise<{ author: string; makeOwner: (name: string) => Promise<void> }>;
  /** Workspace mode: a signed-in member's access, for requests without a link secret (rename, delete, export). */
  members?: MemberAccessOf;
}

/**
 * The web app's own endpoints. Documents made in the app are shared by capability links (kinds in
 * `shared/linkKinds.ts`), each carrying a 128-bit secret, which the app exchanges here for a
 * short-lived collab token with the link's role. The secret travels in the URL fragment and in
 * request bodies, never in a request path or query, so it stays out of server and proxy logs.
 * Who the person is comes from the browser's signed cookie (`browserIdentity.ts`), never from
 * the body; the body names only the display name they chose.
 *
 *   GET    /api/app/identity           this browser's id and color (issues the cookie)
 *   POST   /api/app/documents          create (optionally from Markdown or a .docx file) → name, its links' secrets, notes
 *   POST   /api/app/documents/:name/export  { key, format: docx|pdf } → the file
 *   POST   /api/app/session            a link secret → collab token, role, title, which link it is
 *   POST   /api/app/documents/lookup   [{ name, key }] → title and last change of each valid one
 *   PATCH  /api/app/documents/:name    rename (edit secret in the body)
 *   DELETE /api/app/documents/:name    delete; open editors are closed (edit secret in the body)
 *
 * In workspace mode, export, rename and delete also accept a signed-in member instead of a link
 * secret (a body without `key`; `appAccess.ts`): any member exports, an editor or the owner
 * renames, only the owner deletes; such requests must come from the app's own pages.
 *
 * Showing, creating and resetting links (the Share dialog): `appLinkRoutes.ts`.
 */
export function addAppRoutes(
  router: Router,
  {
    documents,
    links,
    identities,
    authSecret,
    conversions,
    addresses,
    images,
    maxImportBytes = MAX_IMPORT_BYTES,
    maxDocxImportBytes = MAX_DOCX_IMPORT_BYTES,
    takeCreation,
    linkTokenSeconds,
    audit,
    creator,
    members,
  }: AppRoutesOptions,
): void {
  /** Reads `{ key?, … }` and requires the edit link of `name`, or a member who edits it (`owner`: only its owner). */
  const requireEditor = async (
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    action: string,
    needsOwner = false,
  ): Promise<{ body: Record<string, unknown> | null; access: AppAccess }> => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const access = await requireAppAccess(links, identities, members, request, response, name, body);
    if (access.memberRole !== null) {
      if (needsOwner && access.memberRole !== 'owner') throw new HttpError(403, `only the document's owner may ${action} it; you are ${access.memberRole}`);
      if (access.role !== 'editor') throw new HttpError(403, `you may view this document but not ${action} it: that needs an editor`);
    } else if (access.role !== 'editor') throw new HttpError(403, `this is a view-only link; to ${action} the document needs the edit link`);
    return { body, access };
  };

  router.add('GET', '/api/app/identity', async (request, response) => {
    const user = await identities.identify(request, response, '');
    sendJson(response, 200, { id: user.id, color: user.color });
  });

  router.add('POST', '/api/app/documents', async (request, response) => {
    // Anyone may create a document here, so each address has a budget of them.
    const creating = await creator?.(request, response);
    const wait = takeCreation?.(request) ?? 0;
    if (wait > 0) {
      response.setHeader('retry-after', String(wait));
      throw new HttpError(429, `too many documents created from this address; retry in ${wait} s`);
    }
    const raw = await readImportBody(request, maxImportBytes, maxDocxImportBytes);
    const name = newDocumentName();
    // A .docx file's pictures get their addresses in the new document in the worker, so the initial update shows them.
    const imageRules = images.importRules(name);
    // The body is parsed, the Markdown converted and the initial update built in a worker.
    let imported: JobResults['create'];
    try {
      imported = await conversions.run({
        kind: 'create',
        body: raw,
        rules: { dialect: 'import', maxContentBytes: maxImportBytes, maxDocxBytes: maxDocxImportBytes, images: imageRules },
      });
    } catch (error) {
      throw conversionHttpError(error);
    }
    const title = titleOf(imported.fields);
    const update = imported.update ?? undefined;
    // Suggestions in the file are the importer's own, as their sessions' tokens will say ([SG13]).
    if (update) suggestionsByImporter(update, creating?.author ?? (await identities.identify(request, response, '')).id);
    // Whoever creates a document holds its most powerful link, and with it every other one.
    const { properties, secrets } = initialLinks(
      name,
      LINK_KINDS.map((entry) => entry.kind),
    );
    await documents.create(name, { update, title, properties: { ...properties, ...importedProperties(imageRules, imported.images) } });
    await storeImportedImages(documents, images, name, imported.images);
    await creating?.makeOwner(name);
    const created = LINK_KINDS.map(({ kind }) => ({ kind, secret: secrets[kind] as string, expiresAt: null, expired: false }));
    sendJson(response, 201, { name, title, links: created, notes: imported.notes });
  });

  router.add('POST', '/api/app/session', async (request, response) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const name = stringField(body, 'name', 200);
    const nameProblem = documentNameProblem(name);
    if (nameProblem) throw new HttpError(400, nameProblem);
    const key = stringField(body, 'key', 100);
    const access = await requireLink(links, name, key);
    const user = await identities.identify(request, response, body?.userName);
    const { meta, role, kind, record } = access;
    // A token never outlives its link.
    const untilExpiry = record.expiresAt === null ? linkTokenSeconds : Math.ceil((record.expiresAt - Date.now()) / 1000);
    const lifetime = Math.max(1, Math.min(linkTokenSeconds, untilExpiry));
    const link = { kind, generation: record.generation, id: record.id };
    const token = await mintToken(authSecret, { sub: user.id, name: user.name, doc: name, role, link }, lifetime);
    sendJson(response, 200, {
      token,
      role,
      expiresIn: lifetime,
      title: meta.title,
      user,
      link: kind,
      manages: links.manageable(role),
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
      const access = await links.check(name, key);
      // Documents that do not exist, wrong secrets and links reset or expired are all left out, alike.
      if (access.status === 'ok') {
        const { meta, role } = access;
        found.push({ name, role, title: meta.title, createdAt: meta.createdAt, updatedAt: meta.updatedAt });
      }
    }
    sendJson(response, 200, { documents: found });
  });

  router.add('POST', '/api/app/documents/:name/export', async (request, response, { name }) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    await requireAppAccess(links, identities, members, request, response, name, body);
    const format = body?.format;
    if (format !== 'docx' && format !== 'pdf') throw new HttpError(400, '"format" must be "docx" or "pdf"');
    let file: { content: string | Uint8Array };
    try {
      // Built from the stored document in a worker, as the content API's exports are.
      file = await exportWithImages(conversions, images.blobs, {
        name,
        state: await documents.state(name),
        format,
        imageBase: originOf(request, addresses.viaTrustedProxy(request)),
        maxBytes: images.limits.maxDocumentImageBytes,
      });
    } catch (error) {
      throw conversionHttpError(error);
    }
    response.writeHead(200, { 'content-type': CONTENT_TYPES[format], 'cache-control': 'no-store', 'content-security-policy': CONTENT_POLICY });
    response.end(file.content);
  });

  router.add('PATCH', '/api/app/documents/:name', async (request, response, { name }) => {
    const { body, access } = await requireEditor(request, response, name, 'rename');
    if (typeof body?.title !== 'string') throw new HttpError(400, '"title" must be a string');
    const title = normalizeTitle(body.title.trim());
    // The person renaming, as their collab token names them, so history shows who renamed.
    const user = await access.identify(body.userName);
    try {
      // A change to the live document: open editors see the new title at once.
      await documents.change(name, (doc) => replaceText(doc.getText(TITLE_FIELD), title), { user, role: 'editor' });
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NOT_FOUND') throw new HttpError(404, NOT_FOUND);
      throw error;
    }
    await audit.record(name, { id: user.id, name: user.name, via: access.via }, 'renamed', { title });
    sendJson(response, 200, { name, title });
  });

  router.add('DELETE', '/api/app/documents/:name', async (request, response, { name }) => {
    const { body, access } = await requireEditor(request, response, name, 'delete', true);
    const user = await access.identify(body?.userName);
    if (!(await documents.delete(name))) throw new HttpError(404, NOT_FOUND);
    await audit.record(name, { id: user.id, name: user.name, via: access.via }, 'deleted', {});
    sendJson(response, 200, { name, deleted: true });
  });
}

/** Reads the create body's bytes (parsed in a worker); a body too large for any import gets the import size message. */
async function readImportBody(request: IncomingMessage, maxImportBytes: number, maxDocxImportBytes: number): Promise<Buffer> {
  // JSON escaping can double the size of Markdown (every newline becomes `\n`); base64 makes a .docx a third larger; plus the other fields.
  const limit = Math.max(maxImportBytes * 2, Math.ceil((maxDocxImportBytes * 4) / 3)) + 16 * 1024;
  try {
    return await readRawJson(request, limit);
  } catch (error) {
    if (error instanceof HttpError && error.status === 413)
      throw new HttpError(413, `${importTooLarge(maxImportBytes)} (${sizeText(maxDocxImportBytes)} of a .docx file)`);
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
