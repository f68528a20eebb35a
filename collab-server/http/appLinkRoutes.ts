import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor } from '../../persistence/AuditStore';
import { isLinkKind, LINK_KINDS, type LinkKind, linkKindInfo } from '../../shared/linkKinds';
import { isValidExpiry, type ShareLinks } from '../links/ShareLinks';
import { type AppLink, appLinksOf, type OpenLink, requireLink } from './appLinkAccess';
import { stringField } from './appRoutes';
import type { BrowserIdentities } from './browserIdentity';
import { HttpError, type Router, readJson, sendJson } from './Router';

export interface AppLinkRoutesOptions {
  links: ShareLinks;
  identities: BrowserIdentities;
}

/**
 * The Share dialog's endpoints, authorized by a link secret in the body like the app's others. A
 * link may create and reset links only when its role is one of LINK_MANAGER_ROLES (by default the
 * edit link), and never a link granting more than itself.
 *
 *   POST /api/app/documents/:name/links               { key }              the links this one may see, with their secrets
 *   POST /api/app/documents/:name/links/:kind         { key, expiresAt? }  creates a link the document lacks
 *   POST /api/app/documents/:name/links/:kind/reset   { key, expiresAt? }  gives it a new secret
 *   PATCH  /api/app/documents/:name/links/:kind       { key, expiresAt }   a new expiry (null: never), same secret
 *   DELETE /api/app/documents/:name/links/:kind       { key }              turns it off (POST …/:kind turns it on again)
 *
 * Showing a secret means opening its sealed copy (about a millisecond of CPU), so it is done when
 * the Share dialog asks, not on every token. Creating and resetting answer `{ kind, secret, key, links }`: the new secret (shown this once), the secret this
 * browser holds afterwards (the new one when it reset its own link), and the links it may see.
 * A reset ends, with `4411 access-revoked`, the sessions opened through the old secret, except
 * this browser's own, which move to the new secret.
 */
export function addAppLinkRoutes(router: Router, { links, identities }: AppLinkRoutesOptions): void {
  const authorize = async (request: IncomingMessage, name: string, kind: string) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const key = stringField(body, 'key', 100);
    const access = await requireLink(links, name, key);
    if (!isLinkKind(kind))
      throw new HttpError(404, `there is no kind of link called ${JSON.stringify(kind)}; the kinds are ${LINK_KINDS.map((entry) => entry.kind).join(', ')}`);
    requireManager(links, access, kind);
    return { body, key, access, kind, expiresAt: expiryOf(body?.expiresAt) };
  };
  /** Who is changing links, for the audit log: this browser's identity, through the link it holds. */
  const actorOf = async (request: IncomingMessage, response: ServerResponse, body: Record<string, unknown> | null, access: OpenLink): Promise<AuditActor> => {
    const user = await identities.identify(request, response, body?.userName);
    return { id: user.id, name: user.name, via: access.kind };
  };

  router.add('POST', '/api/app/documents/:name/links', async (request, response, { name }) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const key = stringField(body, 'key', 100);
    const { kind, meta, role } = await requireLink(links, name, key);
    sendJson(response, 200, { link: kind, links: appLinksOf(links, name, meta, { kind, secret: key }), manages: links.manageable(role) });
  });

  router.add('POST', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, key, access, kind, expiresAt } = await authorize(request, params.name, params.kind);
    const actor = await actorOf(request, response, body, access);
    const { secrets, meta } = await links.create(params.name, [kind], { expiresAt, holder: { kind: access.kind, secret: key }, actor });
    const secret = secrets[kind];
    if (!secret) throw new HttpError(409, `this document has a ${linkKindInfo(kind).label.toLowerCase()} already; reset it to get a new secret`);
    sendJson(response, 201, answer(kind, secret, key, appLinksOf(links, params.name, meta, { kind: access.kind, secret: key })));
  });

  router.add('POST', '/api/app/documents/:name/links/:kind/reset', async (request, response, params) => {
    const { body, key, access, kind, expiresAt } = await authorize(request, params.name, params.kind);
    const actor = await actorOf(request, response, body, access);
    const { secret, meta } = await links.reset(params.name, kind, { expiresAt, holder: { kind: access.kind, secret: key }, spare: actor.id, actor });
    const held = kind === access.kind ? secret : key;
    sendJson(response, 200, answer(kind, secret, held, appLinksOf(links, params.name, meta, { kind: access.kind, secret: held })));
  });

  router.add('PATCH', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, key, access, kind, expiresAt } = await authorize(request, params.name, params.kind);
    if (body === null || !('expiresAt' in body))
      throw new HttpError(400, 'nothing to change: send "expiresAt" (milliseconds since the epoch, or null for never)');
    if (!(await links.meta(params.name).then((meta) => meta && links.summaries(meta).some((link) => link.kind === kind)))) {
      throw new HttpError(409, `the ${linkKindInfo(kind).label.toLowerCase()} is off; turn it on to give it an expiry`);
    }
    const meta = await links.setExpiry(params.name, kind, expiresAt, { actor: await actorOf(request, response, body, access) });
    sendJson(response, 200, { kind, links: appLinksOf(links, params.name, meta, { kind: access.kind, secret: key }) });
  });

  router.add('DELETE', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, key, access, kind } = await authorize(request, params.name, params.kind);
    // The page would lock itself out; another link or a backend may still turn it off.
    if (kind === access.kind) throw new HttpError(409, 'the link this page was opened with cannot be turned off from it; reset it instead to end the old one');
    const actor = await actorOf(request, response, body, access);
    if (!(await links.remove(params.name, kind, { actor }))) throw new HttpError(409, `the ${linkKindInfo(kind).label.toLowerCase()} is off already`);
    const meta = await links.meta(params.name);
    sendJson(response, 200, { kind, links: meta ? appLinksOf(links, params.name, meta, { kind: access.kind, secret: key }) : [] });
  });
}

function answer(kind: LinkKind, secret: string, key: string, shown: AppLink[]) {
  return { kind, secret, key, links: shown };
}

/** 403 unless the link `access` proves may create and reset links of `kind`. */
function requireManager(links: ShareLinks, access: OpenLink, kind: LinkKind): void {
  if (!links.canManage(access.role)) {
    throw new HttpError(403, `a ${linkKindInfo(access.kind).label.toLowerCase()} may not create or reset links on this server; ask someone with the edit link`);
  }
  if (!links.manageable(access.role).includes(kind)) {
    throw new HttpError(
      403,
      `a ${linkKindInfo(access.kind).label.toLowerCase()} may not create or reset the ${linkKindInfo(kind).label.toLowerCase()}: it would grant more than the link itself`,
    );
  }
}

/** A link's expiry from a request (ms since the epoch, in the future), or null for none. */
export function expiryOf(value: unknown, now = Date.now()): number | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'number' || !isValidExpiry(value, now)) {
    throw new HttpError(
      400,
      '"expiresAt" must be a time in the future (milliseconds since the epoch, at most ten years ahead), or null for a link that does not expire',
    );
  }
  return value;
}
