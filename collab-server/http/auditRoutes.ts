import type { AuditPage } from '../../persistence/AuditStore';
import { AUDIT_PAGE, describeAuditAction } from '../../shared/auditActions';
import type { AuditLog } from '../audit/AuditLog';
import type { ShareLinks } from '../links/ShareLinks';
import { requireRole } from './apiAuth';
import { API_PREFIX, apiRoute, integerParam } from './apiRoutes';
import { type MemberAccessOf, manages, requireAppAccess } from './appAccess';
import type { BrowserIdentities } from './browserIdentity';
import { HttpError, type Router, readJson, sendJson } from './Router';

export interface AuditRoutesOptions {
  audit: Pick<AuditLog, 'read'>;
  links: ShareLinks;
  authSecret: string;
  identities: BrowserIdentities;
  /** Workspace mode: a signed-in member's access, for requests without a link secret (the owner and editors read the log). */
  members?: MemberAccessOf;
}

/**
 * A document's audit log (who opened it, changed its links, renamed, deleted it, restored a
 * version), newest first, a page at a time. Its owner reads it: a content API token whose role
 * manages links (LINK_MANAGER_ROLES) for the document, or in the app a link that manages links
 * (by default the edit link). They see the document's own life (from its creation); an `admin`
 * token sees every entry kept under the name, also once the document was deleted (the deletion is
 * its last entry) and those of earlier documents of that name.
 *
 *   GET  /api/docs/<name>/audit?limit=&before=     manager (admin: also deleted documents)
 *   POST /api/app/documents/<name>/audit           { key, limit?, before? } (workspace mode: no key; the owner or an editor)
 */
export function addAuditRoutes(router: Router, { audit, links, authSecret, identities, members }: AuditRoutesOptions): void {
  apiRoute(router, authSecret)('GET', `${API_PREFIX}/:name/audit`, async ({ response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    if (!links.canManage(claims.role) && claims.role !== 'admin') {
      throw new HttpError(
        403,
        `reading the audit log needs a token with one of the roles set in LINK_MANAGER_ROLES, or admin; this token has "${claims.role}"`,
      );
    }
    const limit = integerParam(url, 'limit', AUDIT_PAGE.default, 1, AUDIT_PAGE.max);
    const before = url.searchParams.has('before') ? integerParam(url, 'before', 0, 0, Number.MAX_SAFE_INTEGER) : null;
    let since: number | undefined;
    if (claims.role !== 'admin') {
      const meta = await links.meta(params.name);
      if (!meta) throw new HttpError(404, `document ${JSON.stringify(params.name)} does not exist (an admin token reads the log of a deleted document)`);
      since = meta.createdAt;
    }
    sendJson(response, 200, describePage(await audit.read(params.name, { before, limit, since })));
  });

  router.add('POST', '/api/app/documents/:name/audit', async (request, response, { name }) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const access = await requireAppAccess(links, identities, members, request, response, name, body);
    const { meta } = access;
    if (!manages(links, access)) {
      throw new HttpError(
        403,
        access.link
          ? "this link may not see the document's activity; ask someone with the edit link"
          : `a ${access.memberRole} may not see the document's activity; its owner and editors may`,
      );
    }
    const limit = wholeField(body, 'limit', AUDIT_PAGE.default, 1, AUDIT_PAGE.max);
    const before = body?.before === undefined || body.before === null ? null : wholeField(body, 'before', 0, 0, Number.MAX_SAFE_INTEGER);
    sendJson(response, 200, describePage(await audit.read(name, { before, limit, since: meta.createdAt })));
  });
}

/** A page as both routes answer it: times in ISO 8601, and what happened in words. */
function describePage({ entries, next }: AuditPage) {
  return {
    entries: entries.map(({ seq, at, action, actor, detail }) => ({
      seq,
      at: new Date(at).toISOString(),
      action,
      actor,
      detail,
      description: describeAuditAction(action, detail),
    })),
    next,
  };
}

function wholeField(body: Record<string, unknown> | null, field: string, fallback: number, min: number, max: number): number {
  const value = body?.[field];
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    throw new HttpError(400, `"${field}" must be a whole number from ${min} to ${max}`);
  }
  return value;
}
