import type { IncomingMessage } from 'node:http';
import { LINK_KINDS, type LinkKind, roleOfLink } from '../../shared/linkKinds';
import type { TokenClaims } from '../../shared/token';
import { type LinkSummary, type ShareLinks, sharePath } from '../links/ShareLinks';
import { HttpError } from './Router';
import { firstForwarded } from './securityHeaders';

/** How the content API describes share links, and who may manage them: shared by the link routes and document creation. */

/** What the API answers with share links: each new link's URL, and its path for a caller that knows a better origin. */
export type ShareLinksDescription = Partial<Record<LinkKind, string>> & { paths: Partial<Record<LinkKind, string>> };

/** The share links of `secrets` on `origin` (see `originOf`; read it before making secrets, so a bad Host header costs none). */
export function shareLinksOf(origin: string, name: string, secrets: Partial<Record<LinkKind, string>>): ShareLinksDescription {
  const description: ShareLinksDescription = { paths: {} };
  for (const { kind } of LINK_KINDS) {
    const secret = secrets[kind];
    if (secret === undefined) continue;
    description.paths[kind] = sharePath(name, secret);
    description[kind] = `${origin}${description.paths[kind]}`;
  }
  return description;
}

/** The API's description of links: no secrets, times in ISO 8601. */
export function describeLinks(summaries: LinkSummary[]) {
  return summaries.map(({ kind, generation, createdAt, expiresAt, expired }) => ({
    kind,
    role: roleOfLink(kind),
    generation,
    createdAt: new Date(createdAt).toISOString(),
    expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString(),
    expired,
  }));
}

/**
 * Throws 403 unless `claims` may manage links (of `kind`, when given); returns the kinds it may manage.
 */
export function requireManager(links: ShareLinks, claims: TokenClaims, kind?: LinkKind): LinkKind[] {
  const allowed = links.manageable(claims.role);
  if (allowed.length === 0) {
    throw new HttpError(
      403,
      `creating and resetting share links needs a token with one of the roles set in LINK_MANAGER_ROLES; this token has "${claims.role}"`,
    );
  }
  if (kind !== undefined && !allowed.includes(kind)) {
    throw new HttpError(403, `a "${claims.role}" token may not create or reset the ${kind} link: it grants more than the token itself`);
  }
  return allowed;
}

/**
 * The origin a client reached this server at: the `Host` header, or `X-Forwarded-Host` and
 * `X-Forwarded-Proto` when the request came through a trusted proxy (`TRUST_PROXY`); from anyone
 * else those headers are ignored.
 */
export function originOf(request: IncomingMessage, viaTrustedProxy: boolean): string {
  const first = (value: string | string[] | undefined) => (viaTrustedProxy ? firstForwarded(value) : undefined);
  const host = first(request.headers['x-forwarded-host']) ?? request.headers.host;
  if (!host || !/^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/.test(host)) {
    throw new HttpError(400, 'the request has no valid Host header, which the share links are addressed to');
  }
  const forwarded = first(request.headers['x-forwarded-proto'])?.toLowerCase();
  const protocol = forwarded === 'https' || forwarded === 'http' ? forwarded : 'encrypted' in request.socket ? 'https' : 'http';
  return `${protocol}://${host}`;
}
