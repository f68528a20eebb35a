import type { VersionInfo } from '../../persistence/VersionStore';
import { CONTENT_FORMATS, type ContentFormat, isContentFormat } from '../../shared/conversion';
import { colorFor, type TokenClaims } from '../../shared/token';
import type { VersionDescription } from '../../shared/versionDescription';
import { MAX_VERSION_LABEL_LENGTH, versionLabelOf } from '../../shared/versionLabel';
import { actorOfClaims } from '../audit/AuditExtension';
import type { AuditLog } from '../audit/AuditLog';
import type { ConnectionContext } from '../context';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';
import type { HistoryService } from '../history/HistoryService';
import { requireRole } from './apiAuth';
import { API_PREFIX, apiRoute, type RequestContext, readBody } from './apiRoutes';
import { HttpError, type Router, sendJson } from './Router';
import { CONTENT_POLICY } from './securityHeaders';

export interface HistoryApiRoutesOptions {
  history: HistoryService;
  documents: DocumentService;
  authSecret: string;
  /** Rebuilds, exports and compares versions off the event loop. */
  conversions: ConversionPool;
  /** Where restores are recorded. */
  audit: Pick<AuditLog, 'record'>;
}

const CONTENT_TYPES: Record<ContentFormat, string> = {
  json: 'application/json; charset=utf-8',
  html: 'text/html; charset=utf-8',
  markdown: 'text/markdown; charset=utf-8',
  text: 'text/plain; charset=utf-8',
};

/**
 * The version history part of the content API, with the same bearer tokens (`apiAuth.ts`) and
 * errors. Viewers may browse history; naming and restoring need an editor.
 *
 *   GET    /api/docs/<name>/versions                 viewer  every version, newest first
 *   POST   /api/docs/<name>/versions                 editor  name the current state `{ label }`
 *   GET    /api/docs/<name>/versions/<id>            viewer  one version
 *   PATCH  /api/docs/<name>/versions/<id>            editor  `{ label }` names it; `{ label: null }` makes it automatic
 *   GET    /api/docs/<name>/versions/<id>/content    viewer  `?format=json|html|markdown|text`
 *   GET    /api/docs/<name>/versions/<id>/diff       viewer  what changed since: `?to=current` (default) or `?to=<id>`
 *   POST   /api/docs/<name>/versions/<id>/restore    editor  the document becomes that version again (a new change)
 */
export function addHistoryApiRoutes(router: Router, { history, documents, authSecret, conversions, audit }: HistoryApiRoutesOptions): void {
  const apiRouteAt = apiRoute(router, authSecret);
  const route = (method: string, path: string, handler: (context: RequestContext) => Promise<void>) =>
    apiRouteAt(method, `${API_PREFIX}/:name/versions${path}`, handler);

  route('GET', '', async ({ response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    sendJson(response, 200, { versions: (await history.list(params.name)).map(describeVersion) });
  });

  route('POST', '', async ({ request, response, params, claims }) => {
    requireRole(claims, 'editor', params.name);
    const body = await readBody(request, 16 * 1024, ['label']);
    if (body.label === undefined) throw new HttpError(400, `"label" is required: the name of the version (1 to ${MAX_VERSION_LABEL_LENGTH} characters)`);
    const version = await history.nameCurrent(params.name, labelOf(body.label));
    sendJson(response, 201, describeVersion(version), { location: `${API_PREFIX}/${encodeURIComponent(params.name)}/versions/${version.id}` });
  });

  route('GET', '/:id', async ({ response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    sendJson(response, 200, describeVersion(await history.version(params.name, versionId(params.id))));
  });

  route('PATCH', '/:id', async ({ request, response, params, claims }) => {
    requireRole(claims, 'editor', params.name);
    const id = versionId(params.id);
    const body = await readBody(request, 16 * 1024, ['label']);
    if (body.label === undefined) throw new HttpError(400, 'nothing to change: send {"label": "…"}, or {"label": null} to make it an automatic version again');
    const version = await history.label(params.name, id, body.label === null ? null : labelOf(body.label));
    sendJson(response, 200, describeVersion(version));
  });

  route('GET', '/:id/content', async ({ response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const id = versionId(params.id);
    const format = url.searchParams.get('format') ?? 'json';
    if (!isContentFormat(format)) throw new HttpError(400, `format must be one of ${CONTENT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`);
    const { content } = await conversions.run({ kind: 'export', state: await history.state(params.name, id), format });
    response.writeHead(200, {
      'content-type': CONTENT_TYPES[format],
      // Not cached: a document deleted and created again under its name starts its version ids again.
      'cache-control': 'no-store',
      'content-security-policy': CONTENT_POLICY,
    });
    response.end(content);
  });

  route('GET', '/:id/diff', async ({ response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const id = versionId(params.id);
    const to = url.searchParams.get('to') ?? 'current';
    const before = await history.state(params.name, id);
    const after = to === 'current' ? await documents.state(params.name) : await history.state(params.name, versionId(to));
    const { changes } = await conversions.run({ kind: 'diff', before, after });
    sendJson(response, 200, { from: id, to: to === 'current' ? 'current' : Number(to), changes });
  });

  route('POST', '/:id/restore', async ({ response, params, claims }) => {
    requireRole(claims, 'editor', params.name);
    const id = versionId(params.id);
    const version = await history.restore(params.name, id, identityOf(claims));
    await audit.record(params.name, actorOfClaims(claims), 'version-restored', { version: id });
    sendJson(response, 200, describeVersion(version));
  });
}

/** The APIs' view of a version. */
export function describeVersion(version: VersionInfo): VersionDescription {
  const { id, createdAt, label, authors, bytes, restoredFrom } = version;
  return {
    id,
    created: new Date(createdAt).toISOString(),
    label,
    authors: authors.map((author) => ({ ...author })),
    bytes,
    restoredFrom: restoredFrom && { id: restoredFrom.id, created: new Date(restoredFrom.createdAt).toISOString(), label: restoredFrom.label },
  };
}

/** A version id from a path: a positive whole number. */
export function versionId(raw: string): number {
  const id = Number(raw);
  if (!/^[1-9]\d{0,14}$/.test(raw)) throw new HttpError(400, `the version id must be a positive whole number (got ${JSON.stringify(raw)})`);
  return id;
}

/** A version name from a request body; 400 when it is not 1 to 100 characters of text. */
export function labelOf(value: unknown): string {
  const label = typeof value === 'string' ? versionLabelOf(value) : null;
  if (label === null) throw new HttpError(400, `"label" must be a name of 1 to ${MAX_VERSION_LABEL_LENGTH} characters`);
  return label;
}

/** Changes made through the API carry the token's identity, so history shows who made them. */
function identityOf(claims: TokenClaims): ConnectionContext {
  return { user: { id: claims.sub, name: claims.name, color: colorFor(claims.sub) }, role: claims.role };
}
