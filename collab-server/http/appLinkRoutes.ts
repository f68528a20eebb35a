import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AuditActor } from '../../persistence/AuditStore';
import type { DocumentMeta } from '../../persistence/DocumentStore';
import { isLinkKind, LINK_KINDS, type LinkKind, linkKindInfo } from '../../shared/linkKinds';
import { isValidExpiry, type ShareLinks } from '../links/ShareLinks';
import { type MemberAccessOf, manages, requireAppAccess } from './appAccess';
import { type AppLink, appLinksOf, NOT_FOUND } from './appLinkAccess';
import type { BrowserIdentities } from './browserIdentity';
import { HttpError, type Router, readJson, sendJson } from './Router';

export interface AppLinkRoutesOptions {
  links: ShareLinks;
  identities: BrowserIdentities;
  /** Workspace mode: a signed-in member's access, for requests without a link secret (the owner and editors manage links). */
  members?: MemberAccessOf;
}

/** Who is managing links: through the link whose secret they sent, or as a member (no link held). */
interface Manager {
  /** The link held, or null for a member. */
  holder: { kind: LinkKind; secret: string } | null;
  /** The kinds of link this manager may create, reset, change and turn off. */
  manageable: LinkKind[];
  actor: (userName: unknown) => Promise<AuditActor>;
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
 * In workspace mode the owner and editors of a document, signed in, manage its links without a
 * link (no `key`; from the app's own pages): they see the links without secrets (they hold none
 * that opens the sealed copies) and get a link's new secret when they create or reset it.
 *
 * Showing a secret means opening its sealed copy (about a millisecond of CPU), so it is done when
 * the Share dialog asks, not on every token. Creating and resetting answer `{ kind, secret, key, links }`: the new secret (shown this once), the secret this
 * browser holds afterwards (the new one when it reset its own link), and the links it may see.
 * A reset ends, with `4411 access-revoked`, the sessions opened through the old secret, except
 * this browser's own, which move to the new secret.
 */
export function addAppLinkRoutes(router: Router, { links, identities, members }: AppLinkRoutesOptions): void {
  /** Who may manage links of `name`: the link in the body, or the signed-in member (no `key`). */
  const managerOf = async (request: IncomingMessage, response: ServerResponse, name: string, body: Record<string, unknown> | null): Promise<Manager> => {
    const access = await requireAppAccess(links, identities, members, request, response, name, body);
    const actor = async (userName: unknown): Promise<AuditActor> => {
      const user = await access.identify(userName);
      return { id: user.id, name: user.name, via: access.via };
    };
    if (access.link) return { holder: access.link, manageable: links.manageable(access.role), actor };
    // Members: the owner and editors manage every link, as they manage who has access.
    return { holder: null, manageable: manages(links, access) ? LINK_KINDS.map((entry) => entry.kind) : [], actor };
  };
  const authorize = async (request: IncomingMessage, response: ServerResponse, name: string, kind: string) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const manager = await managerOf(request, response, name, body);
    if (!isLinkKind(kind))
      throw new HttpError(404, `there is no kind of link called ${JSON.stringify(kind)}; the kinds are ${LINK_KINDS.map((entry) => entry.kind).join(', ')}`);
    requireManager(manager, kind);
    return { body, manager, kind, expiresAt: expiryOf(body?.expiresAt) };
  };
  /** The links `manager` may see: with the secrets its link may see; a member sees the links without secrets. */
  const shown = (name: string, meta: DocumentMeta, manager: Manager, held = manager.holder): AppLink[] => {
    if (held) return appLinksOf(links, name, meta, held);
    if (manager.manageable.length === 0) return [];
    return links.summaries(meta).map(({ kind, expiresAt, expired }) => ({ kind, secret: null, expiresAt, expired }));
  };

  router.add('POST', '/api/app/documents/:name/links', async (request, response, { name }) => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const manager = await managerOf(request, response, name, body);
    const meta = await links.meta(name);
    if (!meta) throw new HttpError(404, NOT_FOUND);
    sendJson(response, 200, { link: manager.holder?.kind ?? null, links: shown(name, meta, manager), manages: manager.manageable });
  });

  router.add('POST', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, manager, kind, expiresAt } = await authorize(request, response, params.name, params.kind);
    const actor = await manager.actor(body?.userName);
    const { secrets, meta } = await links.create(params.name, [kind], { expiresAt, holder: manager.holder ?? undefined, actor });
    const secret = secrets[kind];
    if (!secret) throw new HttpError(409, `this document has a ${linkKindInfo(kind).label.toLowerCase()} already; reset it to get a new secret`);
    sendJson(response, 201, answer(kind, secret, manager.holder?.secret ?? null, shown(params.name, meta, manager)));
  });

  router.add('POST', '/api/app/documents/:name/links/:kind/reset', async (request, response, params) => {
    const { body, manager, kind, expiresAt } = await authorize(request, response, params.name, params.kind);
    const actor = await manager.actor(body?.userName);
    const { secret, meta } = await links.reset(params.name, kind, { expiresAt, holder: manager.holder ?? undefined, spare: actor.id, actor });
    const held = manager.holder && (kind === manager.holder.kind ? { kind, secret } : manager.holder);
    sendJson(response, 200, answer(kind, secret, held?.secret ?? null, shown(params.name, meta, manager, held)));
  });

  router.add('PATCH', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, manager, kind, expiresAt } = await authorize(request, response, params.name, params.kind);
    if (body === null || !('expiresAt' in body))
      throw new HttpError(400, 'nothing to change: send "expiresAt" (milliseconds since the epoch, or null for never)');
    if (!(await links.meta(params.name).then((meta) => meta && links.summaries(meta).some((link) => link.kind === kind)))) {
      throw new HttpError(409, `the ${linkKindInfo(kind).label.toLowerCase()} is off; turn it on to give it an expiry`);
    }
    const meta = await links.setExpiry(params.name, kind, expiresAt, { actor: await manager.actor(body.userName) });
    sendJson(response, 200, { kind, links: shown(params.name, meta, manager) });
  });

  router.add('DELETE', '/api/app/documents/:name/links/:kind', async (request, response, params) => {
    const { body, manager, kind } = await authorize(request, response, params.name, params.kind);
    // The page would lock itself out; another link or a backend may still turn it off.
    if (kind === manager.holder?.kind)
      throw new HttpError(409, 'the link this page was opened with cannot be turned off from it; reset it instead to end the old one');
    const actor = await manager.actor(body?.userName);
    if (!(await links.remove(params.name, kind, { actor }))) throw new HttpError(409, `the ${linkKindInfo(kind).label.toLowerCase()} is off already`);
    const meta = await links.meta(params.name);
    sendJson(response, 200, { kind, links: meta ? shown(params.name, meta, manager) : [] });
  });
}

function answer(kind: LinkKind, secret: string, key: string | null, shown: AppLink[]) {
  return { kind, secret, key, links: shown };
}

/** 403 unless `manager` may create and reset links of `kind`. */
function requireManager(manager: Manager, kind: LinkKind): void {
  const who = manager.holder ? `a ${linkKindInfo(manager.holder.kind).label.toLowerCase()}` : 'a member who is not the owner or an editor';
  if (manager.manageable.length === 0) {
    throw new HttpError(403, `${who} may not create or reset links on this server; ask someone with the edit link`);
  }
  if (!manager.manageable.includes(kind)) {
    throw new HttpError(403, `${who} may not create or reset the ${linkKindInfo(kind).label.toLowerCase()}: it would grant more than the link itself`);
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
