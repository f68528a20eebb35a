import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DocumentMeta } from '../../persistence/DocumentStore';
import type { LinkKind } from '../../shared/linkKinds';
import type { Role } from '../../shared/token';
import type { AccessRole } from '../../shared/workspaceTypes';
import type { Identity } from '../context';
import type { ShareLinks } from '../links/ShareLinks';
import { NOT_FOUND, requireLink } from './appLinkAccess';
import { stringField } from './appRoutes';
import type { BrowserIdentities } from './browserIdentity';
import { HttpError } from './Router';

/**
 * A signed-in member's access to document `name` (workspace mode), or null when the request
 * carries no session cookie at all. Refuses (403) a request that is not from the app's own pages
 * (the cookie could have been sent by another site), 401 an ended session, 404 no access.
 */
export type MemberAccessOf = (request: IncomingMessage, response: ServerResponse, name: string) => Promise<{ user: Identity; role: AccessRole } | null>;

/** What a request to one of the app's document endpoints may do, and who it is. */
export interface AppAccess {
  /** The role collab tokens carry: the owner counts as an editor. */
  role: Role;
  /** The member's own role (`owner` included), or null for a link holder. */
  memberRole: AccessRole | null;
  /** The link the request came with, or null for a member. */
  link: { kind: LinkKind; secret: string } | null;
  /** What the audit log records it came through: the link's kind, or `member`. */
  via: string;
  meta: DocumentMeta;
  /** Who is acting: the member, or the browser's own identity under the display name it chose. */
  identify: (userName: unknown) => Promise<Identity>;
}

/**
 * Who may act on document `name` in one of the app's endpoints: the link secret in the body's
 * `key` when it has one (as in link mode), otherwise the signed-in member's session and role. A
 * body without `key` and a request without a session is refused (400) as before.
 */
export async function requireAppAccess(
  links: ShareLinks,
  identities: BrowserIdentities,
  members: MemberAccessOf | undefined,
  request: IncomingMessage,
  response: ServerResponse,
  name: string,
  body: Record<string, unknown> | null,
): Promise<AppAccess> {
  if (body?.key === undefined && members) {
    const member = await members(request, response, name);
    if (member) {
      const meta = await links.meta(name);
      if (!meta) throw new HttpError(404, NOT_FOUND);
      const role: Role = member.role === 'owner' ? 'editor' : member.role;
      return { role, memberRole: member.role, link: null, via: 'member', meta, identify: async () => member.user };
    }
  }
  const secret = stringField(body, 'key', 100);
  const { role, kind, meta } = await requireLink(links, name, secret);
  return {
    role,
    memberRole: null,
    link: { kind, secret },
    via: kind,
    meta,
    identify: (userName) => identities.identify(request, response, userName),
  };
}

/** True when `access` may manage the document (see its activity): a link that manages links, or the member owner or an editor. */
export function manages(links: Pick<ShareLinks, 'canManage'>, access: AppAccess): boolean {
  return access.memberRole === null ? links.canManage(access.role) : access.memberRole === 'owner' || access.memberRole === 'editor';
}
