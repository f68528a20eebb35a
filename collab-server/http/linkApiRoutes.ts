import type { IncomingMessage } from 'node:http';
import type { DocumentMeta } from '../../persistence/DocumentStore';
import { isLinkKind, LINK_KINDS, type LinkKind } from '../../shared/linkKinds';
import { actorOfClaims } from '../audit/AuditExtension';
import { isValidExpiry, type ShareLinks } from '../links/ShareLinks';
import type { ClientAddresses } from '../net/ClientAddresses';
import { requireRole } from './apiAuth';
import { API_PREFIX, apiRoute, readBody } from './apiRoutes';
import { describeLinks, originOf, requireManager, shareLinksOf } from './linkDescriptions';
import { HttpError, type Router, sendJson } from './Router';

export interface LinkApiRoutesOptions {
  links: ShareLinks;
  authSecret: string;
  /** Whether a request came through a trusted proxy (whose X-Forwarded-Host/-Proto address the links). */
  addresses: Pick<ClientAddresses, 'viaTrustedProxy'>;
}

/**
 * The web app's share links, for backends (bearer tokens, `apiAuth.ts`). The server keeps only a
 * hash of each secret, so a secret is in the answer of the request that made it and never again.
 * Creating, resetting and removing need a token whose role is in LINK_MANAGER_ROLES (by default
 * editor or admin), and touch only links granting at most that role.
 *
 *   GET    /api/docs/<name>/links                viewer   which links exist, their generation and expiry (no secrets)
 *   POST   /api/docs/<name>/links                manager  creates the links not there yet `{ kinds?, expiresAt? }`
 *   POST   /api/docs/<name>/links/<kind>/reset   manager  a new secret `{ expiresAt? }`; sessions on the old one end
 *   PATCH  /api/docs/<name>/links/<kind>         manager  a new expiry `{ expiresAt }` (null: never), same secret
 *   DELETE /api/docs/<name>/links/<kind>         manager  turns the link off; sessions through it end (POST …/links turns it on again)
 */
export function addLinkApiRoutes(router: Router, { links, authSecret, addresses }: LinkApiRoutesOptions): void {
  const route = apiRoute(router, authSecret);
  const prefix = `${API_PREFIX}/:name/links`;

  route('GET', prefix, async ({ response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    sendJson(response, 200, { links: describeLinks(links.summaries(await existing(links, params.name))) });
  });

  route('POST', prefix, async ({ request, response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const body = await optionalBody(request, ['kinds', 'expiresAt']);
    const kinds = body.kinds === undefined ? requireManager(links, claims) : kindsOf(body.kinds);
    for (const kind of kinds) requireManager(links, claims, kind);
    const origin = originOf(request, addresses.viaTrustedProxy(request));
    const { secrets, meta } = await links.create(params.name, kinds, { expiresAt: expiryOf(body.expiresAt), actor: actorOfClaims(claims) });
    const created = Object.keys(secrets).length > 0;
    sendJson(response, created ? 201 : 200, { ...shareLinksOf(origin, params.name, secrets), links: describeLinks(links.summaries(meta)) });
  });

  route('POST', `${prefix}/:kind/reset`, async ({ request, response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const kind = kindOf(params.kind);
    requireManager(links, claims, kind);
    const body = await optionalBody(request, ['expiresAt']);
    const origin = originOf(request, addresses.viaTrustedProxy(request));
    const { secret, meta } = await links.reset(params.name, kind, { expiresAt: expiryOf(body.expiresAt), actor: actorOfClaims(claims) });
    sendJson(response, 200, { ...shareLinksOf(origin, params.name, { [kind]: secret }), links: describeLinks(links.summaries(meta)) });
  });

  route('DELETE', `${prefix}/:kind`, async ({ response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const kind = kindOf(params.kind);
    requireManager(links, claims, kind);
    if (!(await links.remove(params.name, kind, { actor: actorOfClaims(claims) }))) {
      throw new HttpError(404, `document ${JSON.stringify(params.name)} has no ${kind} link (it is off)`);
    }
    response.writeHead(204, { 'cache-control': 'no-store' }).end();
  });

  route('PATCH', `${prefix}/:kind`, async ({ request, response, params, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const kind = kindOf(params.kind);
    requireManager(links, claims, kind);
    const body = await readBody(request, 16 * 1024, ['expiresAt']);
    if (!('expiresAt' in body)) throw new HttpError(400, 'nothing to change: send {"expiresAt": "<ISO 8601 time>"} or {"expiresAt": null} for never');
    const expiresAt = expiryOf(body.expiresAt);
    const meta = await existing(links, params.name);
    if (!links.summaries(meta).some((link) => link.kind === kind))
      throw new HttpError(404, `document ${JSON.stringify(params.name)} has no ${kind} link (it is off)`);
    const updated = await links.setExpiry(params.name, kind, expiresAt, { actor: actorOfClaims(claims) });
    sendJson(response, 200, { links: describeLinks(links.summaries(updated)) });
  });
}

/** A link's expiry from an API body (ISO 8601, in the future), or null for none. */
function expiryOf(value: unknown, now = Date.now()): number | null {
  if (value === undefined || value === null) return null;
  const time = typeof value === 'string' ? Date.parse(value) : Number.NaN;
  if (!isValidExpiry(time, now)) {
    throw new HttpError(400, '"expiresAt" must be a time in the future in ISO 8601 (like "2030-01-31T12:00:00Z", at most ten years ahead), or null');
  }
  return time;
}

function kindOf(value: unknown): LinkKind {
  if (!isLinkKind(value))
    throw new HttpError(404, `there is no kind of link called ${JSON.stringify(value)}; the kinds are ${LINK_KINDS.map((entry) => entry.kind).join(', ')}`);
  return value;
}

function kindsOf(value: unknown): LinkKind[] {
  if (!Array.isArray(value) || value.length === 0 || !value.every(isLinkKind)) {
    throw new HttpError(400, `"kinds" must be a non-empty array of ${LINK_KINDS.map((entry) => JSON.stringify(entry.kind)).join(', ')}`);
  }
  return [...new Set(value)];
}

/** A JSON object body with only `allowed` fields, or {} when the request has no body. */
async function optionalBody(request: IncomingMessage, allowed: string[]): Promise<Record<string, unknown>> {
  const empty =
    request.headers['content-length'] === '0' || (request.headers['content-length'] === undefined && request.headers['transfer-encoding'] === undefined);
  if (empty) return {};
  return readBody(request, 16 * 1024, allowed);
}

async function existing(links: ShareLinks, name: string): Promise<DocumentMeta> {
  const meta = await links.meta(name);
  if (!meta) throw new HttpError(404, `document ${JSON.stringify(name)} does not exist`);
  return meta;
}
