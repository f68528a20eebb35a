import type { IncomingMessage, ServerResponse } from 'node:http';
import * as Y from 'yjs';
import type { DocumentDescription } from '../../packages/node/src/apiTypes';
import { type DocumentMeta, StoreError } from '../../persistence/DocumentStore';
import { ContentError } from '../../shared/conversion';
import { TITLE_FIELD } from '../../shared/documentFields';
import { documentNameProblem, newDocumentName } from '../../shared/documentName';
import { MAX_TITLE_LENGTH, normalizeTitle, replaceText } from '../../shared/titleText';
import { colorFor, type TokenClaims } from '../../shared/token';
import { actorOfClaims } from '../audit/AuditExtension';
import type { AuditLog } from '../audit/AuditLog';
import type { ConversionPool } from '../conversion/ConversionPool';
import { EXPORT_FORMATS, type ExportFormat } from '../conversion/jobs';
import { bodyFieldsProblem } from '../conversion/requestBody';
import type { DocumentService } from '../documents/DocumentService';
import { versionOf } from '../documents/documentVersion';
import { exportWithImages, storeImportedImages } from '../images/fileImages';
import { type ImageService, importedProperties } from '../images/ImageService';
import { initialLinks } from '../links/linkSecrets';
import type { ShareLinks } from '../links/ShareLinks';
import type { ClientAddresses } from '../net/ClientAddresses';
import { bearerClaims, requireRole } from './apiAuth';
import { conversionHttpError } from './conversionErrors';
import { originOf, requireManager, shareLinksOf } from './linkDescriptions';
import { HttpError, type Router, readJson, readRawJson, sendJson } from './Router';
import { CONTENT_POLICY } from './securityHeaders';
import { suggestionsByCaller } from './suggestionAuthorship';

/** The content API's path prefix. */
export const API_PREFIX = '/api/docs';

/** Largest body of a request without content (a title): parsed on the event loop, so kept small. */
const SMALL_BODY_BYTES = 16 * 1024;

/** Largest page of `GET /api/docs`, and the page size when `limit` is not given. */
export const MAX_LIST_LIMIT = 1000;
export const DEFAULT_LIST_LIMIT = 100;

export interface ApiRoutesOptions {
  documents: DocumentService;
  /** Converts content off the event loop: request bodies with content are parsed there too. */
  conversions: ConversionPool;
  authSecret: string;
  maxNameLength: number;
  /** Largest request body, in bytes. */
  maxBodyBytes: number;
  /** Largest document, in bytes (as stored). */
  maxDocumentBytes: number;
  /** Stored plus queued bytes of a loaded document, 0 when it is not loaded. */
  sizeOf: (name: string) => number;
  /** The web app's share links (`"links": true` at creation). */
  shareLinks: ShareLinks;
  /** Whether a request came through a trusted proxy (whose X-Forwarded-Host/-Proto are believed). */
  addresses: Pick<ClientAddresses, 'viaTrustedProxy'>;
  /** Stored images: an imported .docx file's pictures, and the pictures an export embeds. */
  images: Pick<ImageService, 'blobs' | 'limits' | 'importRules' | 'storeImported'>;
  /** Where renames and deletions are recorded. */
  audit: Pick<AuditLog, 'record'>;
}

export type { DocumentDescription };

/** The media type of each export format. */
export const CONTENT_TYPES: Record<ExportFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  pdf: 'application/pdf',
};

/** Whether `value` names an export format. */
export function isExportFormat(value: unknown): value is ExportFormat {
  return typeof value === 'string' && (EXPORT_FORMATS as readonly string[]).includes(value);
}

/**
 * The REST content API, for backends: list, create, read, write and delete documents with a
 * bearer token (see `apiAuth.ts`). A write is an ordinary CRDT change to the live document, so
 * connected editors see it at once and keep what they typed; the response is sent once the
 * change is durable. Errors are JSON `{ "error": "…" }` with a status that says what went wrong.
 *
 * Content reads answer with an `ETag` (the document's version). A write that sends it back as
 * `If-Match` is applied only if nobody changed the document since that read (otherwise 412), so
 * a read-modify-write never overwrites what someone typed in between.
 *
 *   GET    /api/docs                  admin, doc "*"  list (`?limit=`, `?after=<name>` to page)
 *   POST   /api/docs                  admin           create `{ name?, title?, content?, format?, links? }` (format `docx`: content in base64)
 *   GET    /api/docs/<name>           viewer          metadata
 *   PATCH  /api/docs/<name>           editor          `{ title }`
 *   DELETE /api/docs/<name>           admin           delete; open editors are closed
 *   GET    /api/docs/<name>/content   viewer          `?format=json|html|markdown|text|docx|pdf`
 *   PUT    /api/docs/<name>/content   editor          replace `{ content, format? }`
 *   POST   /api/docs/<name>/content   editor          append `{ content, format? }`
 *   …/links, …/versions                                the web app's share links (`linkApiRoutes.ts`), version history
 */
export function addApiRoutes(router: Router, options: ApiRoutesOptions): void {
  const { documents, authSecret } = options;
  const route = apiRoute(router, authSecret);

  route('GET', API_PREFIX, async ({ response, url, claims }) => {
    requireRole(claims, 'admin');
    if (claims.doc !== '*') throw new HttpError(403, 'listing documents needs an admin token for every document (doc "*")');
    const limit = integerParam(url, 'limit', DEFAULT_LIST_LIMIT, 1, MAX_LIST_LIMIT);
    const after = url.searchParams.get('after');
    const all = await documents.list();
    const start = after === null ? 0 : all.findIndex((meta) => compareNames(meta.name, after) > 0);
    const page = start === -1 ? [] : all.slice(start, start + limit);
    const more = start !== -1 && start + limit < all.length;
    sendJson(response, 200, { documents: page.map(describeDocument), next: more ? page[page.length - 1].name : null });
  });

  route('POST', API_PREFIX, async ({ request, response, claims }) => {
    requireRole(claims, 'admin');
    const raw = await readRawJson(request, options.maxBodyBytes);
    // The body is parsed, its content converted and the initial update built in a worker.
    // A .docx file's pictures get their addresses in the new document (the one the body names, else this one) in the worker.
    const imageRules = options.images.importRules(newDocumentName());
    const rules = { dialect: 'api', fields: ['name', 'title', 'content', 'format', 'links'], contentRequired: false, images: imageRules } as const;
    const { fields: body, update, images, notes } = await options.conversions.run({ kind: 'create', body: raw, rules });
    if (body.links !== undefined && typeof body.links !== 'boolean') throw new HttpError(400, '"links" must be true (create share links) or false');
    const name = body.name === undefined ? imageRules.document : validName(body.name, options.maxNameLength);
    requireRole(claims, 'admin', name);
    const title = body.title === undefined ? '' : validTitle(body.title);
    if (update && update.byteLength > options.maxDocumentBytes) throw tooLarge(update.byteLength, options.maxDocumentBytes);
    // Suggestions in the content are the caller's own ([SG11]); the server records them when it loads the document.
    if (update) {
      const empty = new Y.Doc();
      try {
        suggestionsByCaller(empty, update, claims);
      } finally {
        empty.destroy();
      }
    }
    // Share links asked for at creation are made with the document, in the same write.
    // Their secrets are in this answer and never again: the server keeps only their hashes.
    const origin = body.links ? originOf(request, options.addresses.viaTrustedProxy(request)) : '';
    const links = body.links ? initialLinks(name, requireManager(options.shareLinks, claims)) : null;
    const properties = { ...links?.properties, ...importedProperties(imageRules, images) };
    const meta = await documents.create(name, { update: update ?? undefined, title, properties });
    await storeImportedImages(documents, options.images, name, images);
    const described = {
      ...describeDocument(meta),
      ...(links ? { links: shareLinksOf(origin, name, links.secrets) } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };
    sendJson(response, 201, described, { location: `${API_PREFIX}/${encodeURIComponent(name)}` });
  });

  route('GET', `${API_PREFIX}/:name`, async ({ response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    sendJson(response, 200, describeDocument(await existing(documents, params.name)));
  });

  route('PATCH', `${API_PREFIX}/:name`, async ({ request, response, params, claims }) => {
    requireRole(claims, 'editor', params.name);
    const body = await readBody(request, SMALL_BODY_BYTES, ['title']);
    if (body.title === undefined) throw new HttpError(400, 'nothing to change: send {"title": "…"}');
    const title = validTitle(body.title);
    await documents.change(params.name, (doc) => replaceText(doc.getText(TITLE_FIELD), title), actingAs(claims));
    await options.audit.record(params.name, actorOfClaims(claims), 'renamed', { title });
    sendJson(response, 200, describeDocument(await existing(documents, params.name)));
  });

  route('DELETE', `${API_PREFIX}/:name`, async ({ response, params, claims }) => {
    requireRole(claims, 'admin', params.name);
    if (!(await documents.delete(params.name))) throw notFound(params.name);
    await options.audit.record(params.name, actorOfClaims(claims), 'deleted', {});
    response.writeHead(204, { 'cache-control': 'no-store' }).end();
  });

  route('GET', `${API_PREFIX}/:name/content`, async ({ request, response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const format = url.searchParams.get('format') ?? 'json';
    if (!isExportFormat(format)) throw new HttpError(400, `format must be one of ${EXPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
    // Images stored here get absolute addresses in HTML and Markdown, so they show wherever the file goes.
    const imageBase = originOf(request, options.addresses.viaTrustedProxy(request));
    const { content, version } = await exportWithImages(options.conversions, options.images.blobs, {
      name: params.name,
      state: await documents.state(params.name),
      format,
      imageBase,
      maxBytes: options.images.limits.maxDocumentImageBytes,
    });
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[format],
      etag: `"${version}"`,
      'cache-control': 'no-store',
      // Content is data, never a page: a browser that is somehow shown it runs nothing.
      'content-security-policy': CONTENT_POLICY,
      ...(typeof content === 'string' ? {} : { 'content-disposition': `attachment; filename="${params.name.replace(/[^\w.-]+/g, '_')}.${format}"` }),
    });
    response.end(content);
  });

  const write =
    (mode: 'replace' | 'append') =>
    async ({ request, response, params, claims }: RequestContext) => {
      requireRole(claims, 'editor', params.name);
      const expected = ifMatch(request);
      const raw = await readRawJson(request, options.maxBodyBytes);
      const before = await existing(documents, params.name);
      // A worker parses the body, converts the content and makes the change on a copy of the
      // document; what comes back is the update, applied here like any editor's.
      const { delta } = await options.conversions.run({ kind: 'write', body: raw, mode, state: await documents.state(params.name) });
      const size = Math.max(options.sizeOf(params.name), before.size);
      if (size + delta.byteLength > options.maxDocumentBytes) throw tooLarge(size + delta.byteLength, options.maxDocumentBytes);
      let version = '';
      await documents.change(
        params.name,
        (doc) => {
          // Checked inside the transaction that writes, so nothing can slip in between.
          if (expected && !expected.includes('*') && !expected.includes(versionOf(doc))) {
            throw new HttpError(412, 'the document changed since the version in If-Match was read; read it again (GET …/content) and retry');
          }
          // Suggestions the content carries are recorded ones, unchanged, or new ones by the caller ([SG11]).
          const recordNew = suggestionsByCaller(doc, delta, claims);
          Y.applyUpdate(doc, delta);
          recordNew();
          version = versionOf(doc);
        },
        actingAs(claims),
      );
      sendJson(response, 200, describeDocument(await existing(documents, params.name)), { etag: `"${version}"` });
    };
  route('PUT', `${API_PREFIX}/:name/content`, write('replace'));
  route('POST', `${API_PREFIX}/:name/content`, write('append'));
}

/** What an API route's handler gets: the request, and the claims of its bearer token. */
export interface RequestContext {
  request: IncomingMessage;
  response: ServerResponse;
  params: Record<string, string>;
  url: URL;
  claims: TokenClaims;
}

/**
 * Adds API routes to `router`: each request must carry a valid bearer token (401 otherwise), and
 * whatever its handler throws becomes an `HttpError` with the right status.
 */
export function apiRoute(router: Router, authSecret: string) {
  return (method: string, path: string, handler: (context: RequestContext) => Promise<void>) =>
    router.add(method, path, async (request, response, params, url) => {
      const claims = await bearerClaims(request, response, authSecret);
      try {
        await handler({ request, response, params, url, claims });
      } catch (error) {
        throw asHttpError(error);
      }
    });
}

/** The API's view of a document's metadata. */
export function describeDocument(meta: DocumentMeta): DocumentDescription {
  return {
    name: meta.name,
    title: meta.title,
    created: new Date(meta.createdAt).toISOString(),
    updated: new Date(meta.updatedAt).toISOString(),
    size: meta.size,
  };
}

/** The versions an `If-Match` header accepts (`*`: any), or null without one. */
function ifMatch(request: IncomingMessage): string[] | null {
  const header = request.headers['if-match'];
  if (header === undefined) return null;
  const versions = header.split(',').map((entry) =>
    entry
      .trim()
      .replace(/^W\//, '')
      .replace(/^"(.*)"$/, '$1'),
  );
  if (versions.some((version) => version === '')) throw new HttpError(400, 'If-Match must be the ETag of a content read, like "Jm3…", or *');
  return versions;
}

/** Changes made through the API carry the token's identity, so history shows who made them. */
function actingAs(claims: TokenClaims) {
  return { user: { id: claims.sub, name: claims.name, color: colorFor(claims.sub) }, role: claims.role };
}

async function existing(documents: DocumentService, name: string): Promise<DocumentMeta> {
  const meta = await documents.getMeta(name);
  if (!meta) throw notFound(name);
  return meta;
}

/**
 * Reads a small JSON object body (parsed on the event loop: keep `limit` small) with only
 * `allowed` fields; a misspelt field is an error, not ignored.
 */
export async function readBody(request: IncomingMessage, limit: number, allowed: string[]): Promise<Record<string, unknown>> {
  const body = await readJson(request, limit);
  const problem = bodyFieldsProblem(body, allowed);
  if (problem) throw new HttpError(400, problem);
  return body as Record<string, unknown>;
}

function validName(name: unknown, maxLength: number): string {
  if (typeof name !== 'string') throw new HttpError(400, '"name" must be a string');
  const problem = documentNameProblem(name, maxLength);
  if (problem) throw new HttpError(400, problem);
  // With the `u` flag a surrogate pair is one code point, so only unpaired halves match.
  if (/[\uD800-\uDFFF]/u.test(name)) throw new HttpError(400, 'the document name is not well-formed Unicode (it has an unpaired surrogate)');
  return name;
}

function validTitle(title: unknown): string {
  if (typeof title !== 'string') throw new HttpError(400, '"title" must be a string');
  if (title.length > MAX_TITLE_LENGTH) throw new HttpError(400, `"title" is ${title.length} characters long; at most ${MAX_TITLE_LENGTH} are allowed`);
  return normalizeTitle(title.trim());
}

/** The whole-number query parameter `key`, from `min` to `max`, or `fallback` when absent; 400 otherwise. */
export function integerParam(url: URL, key: string, fallback: number, min: number, max: number): number {
  const raw = url.searchParams.get(key);
  if (raw === null) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max)
    throw new HttpError(400, `${key} must be a whole number from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return value;
}

/** The order the store lists names in: by UTF-8 bytes. */
function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function notFound(name: string): HttpError {
  return new HttpError(404, `document ${JSON.stringify(name)} does not exist`);
}

function tooLarge(bytes: number, limit: number): HttpError {
  return new HttpError(413, `the document would be about ${bytes} bytes; the largest allowed is ${limit} bytes (MAX_DOCUMENT_BYTES)`);
}

/** Store, content and conversion errors as the HTTP errors a client can act on. */
export function asHttpError(error: unknown): unknown {
  if (error instanceof ContentError) return new HttpError(400, error.message);
  error = conversionHttpError(error);
  if (!(error instanceof StoreError)) return error;
  switch (error.code) {
    case 'NOT_FOUND':
      return new HttpError(404, error.message);
    case 'EXISTS':
      return new HttpError(409, error.message);
    default:
      return new HttpError(503, 'the document store is not available right now; try again later');
  }
}
