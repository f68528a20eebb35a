import type { IncomingMessage, ServerResponse } from 'node:http';
import { type AccessRole, MEMBER_ROLES, type MemberRole, type WorkspaceStore, type WorkspaceUser } from '../../persistence/WorkspaceStore';
import { documentNameProblem } from '../../shared/documentName';
import { colorFor, mintToken } from '../../shared/token';
import { stringField } from '../http/appRoutes';
import { HttpError, type Router, readJson, sendJson } from '../http/Router';
import type { Sessions } from './Sessions';
import { requireSameOrigin } from './sameOrigin';
import type { WorkspaceDocuments } from './WorkspaceDocuments';

export interface WorkspaceRoutesOptions {
  store: WorkspaceStore;
  sessions: Sessions;
  documents: WorkspaceDocuments;
  authSecret: string;
  publicOrigin: string;
  /** Lifetime of a member's collab token, in seconds (LINK_TOKEN_SECONDS): renewals re-check access. */
  tokenSeconds: number;
  /** Ends `userId`'s open sessions on `document` (their access was removed or changed). */
  revoke: (document: string, userId: string) => void;
}

/** The answer for a document that does not exist and for one the person has no access to, alike. */
const NO_ACCESS = 'this document does not exist, or you have no access to it';

/**
 * The signed-in person's documents and the people each is shared with (workspace mode). Every
 * route needs a session; every state-changing one also the app's own Origin (`sameOrigin.ts`).
 *
 *   GET    /api/workspace/documents?q=                     my documents, shared with me, recent (q: search titles and text)
 *   POST   /api/workspace/documents/:name/session          a collab token with my role on it
 *   GET    /api/workspace/people?q=                        people who signed in, for completion
 *   GET    /api/workspace/documents/:name/people           who has access
 *   POST   /api/workspace/documents/:name/people           { email | userId, role }: share with someone
 *   PATCH  /api/workspace/documents/:name/people/:userId   { role }: change it
 *   DELETE /api/workspace/documents/:name/people/:userId   remove it (their open sessions end)
 *   POST   /api/workspace/documents/:name/owner            { userId }: transfer ownership (owner only)
 */
export function addWorkspaceRoutes(router: Router, options: WorkspaceRoutesOptions): void {
  const { store, sessions, documents, authSecret, publicOrigin, tokenSeconds, revoke } = options;

  /** The signed-in person and their access to `name`; 404 alike for no document and no access. */
  const requireAccess = async (request: IncomingMessage, response: ServerResponse, name: string) => {
    const user = await sessions.require(request, response);
    const problem = documentNameProblem(name);
    if (problem) throw new HttpError(400, problem);
    const access = await store.accessOf(name, user.id);
    if (!access || !(await documents.exists(name))) throw new HttpError(404, NO_ACCESS);
    return { user, role: access.role };
  };
  /** Like `requireAccess`, for a change to who has access: the owner or an editor, from the app's own pages. */
  const requireManager = async (request: IncomingMessage, response: ServerResponse, name: string) => {
    requireSameOrigin(request, publicOrigin);
    const found = await requireAccess(request, response, name);
    if (found.role !== 'owner' && found.role !== 'editor') throw new HttpError(403, 'only the owner or an editor may change who has access');
    return found;
  };

  router.add('GET', '/api/workspace/documents', async (request, response, _params, url) => {
    const user = await sessions.require(request, response);
    const query = (url.searchParams.get('q') ?? '').trim().slice(0, 200);
    sendJson(response, 200, await documents.listsOf(user.id, query));
  });

  router.add('POST', '/api/workspace/documents/:name/session', async (request, response, { name }) => {
    requireSameOrigin(request, publicOrigin);
    const { user, role } = await requireAccess(request, response, name);
    const tokenRole = role === 'owner' ? 'editor' : role;
    const token = await mintToken(authSecret, { sub: user.id, name: user.name, doc: name, role: tokenRole, member: true }, tokenSeconds);
    await store.recordOpen(user.id, name, Date.now());
    const meta = await documents.meta(name);
    sendJson(response, 200, {
      token,
      role: tokenRole,
      access: role,
      expiresIn: tokenSeconds,
      title: meta?.title ?? '',
      user: { id: user.id, name: user.name, color: colorFor(user.id) },
    });
  });

  router.add('GET', '/api/workspace/people', async (request, response, _params, url) => {
    await sessions.require(request, response);
    const query = (url.searchParams.get('q') ?? '').trim().slice(0, 100);
    const people = query ? await store.findUsers(query, 10) : [];
    sendJson(response, 200, { people: people.map(personOf) });
  });

  router.add('GET', '/api/workspace/documents/:name/people', async (request, response, { name }) => {
    const { role } = await requireAccess(request, response, name);
    sendJson(response, 200, { yourRole: role, people: await peopleOf(store, name) });
  });

  router.add('POST', '/api/workspace/documents/:name/people', async (request, response, { name }) => {
    const { user, role: managerRole } = await requireManager(request, response, name);
    const body = (await readJson(request, 4 * 1024)) as Record<string, unknown> | null;
    const role = memberRole(body?.role, managerRole);
    const person = typeof body?.userId === 'string' ? await store.getUser(body.userId) : await store.userByEmail(stringField(body, 'email', 320));
    if (!person) throw new HttpError(404, 'nobody with that e-mail has signed in yet; they can be added once they have signed in once', 'unknown-person');
    if (person.id === user.id) throw new HttpError(400, 'you cannot change your own access');
    const existing = await store.accessOf(name, person.id);
    if (existing?.role === 'owner') throw new HttpError(409, "the owner's access cannot be changed; transfer ownership instead");
    await store.setAccess(name, person.id, role, Date.now());
    // A lower role ends their open sessions: they reconnect with the role they have now.
    if (existing && rank(role) < rank(existing.role)) revoke(name, person.id);
    sendJson(response, existing ? 200 : 201, { people: await peopleOf(store, name) });
  });

  router.add('PATCH', '/api/workspace/documents/:name/people/:userId', async (request, response, { name, userId }) => {
    const { user, role: managerRole } = await requireManager(request, response, name);
    const body = (await readJson(request, 4 * 1024)) as Record<string, unknown> | null;
    const role = memberRole(body?.role, managerRole);
    const existing = await changeable(store, name, userId, user);
    await store.setAccess(name, userId, role, Date.now());
    if (rank(role) < rank(existing.role)) revoke(name, userId);
    sendJson(response, 200, { people: await peopleOf(store, name) });
  });

  router.add('DELETE', '/api/workspace/documents/:name/people/:userId', async (request, response, { name, userId }) => {
    const { user } = await requireManager(request, response, name);
    await changeable(store, name, userId, user);
    await store.removeAccess(name, userId);
    revoke(name, userId);
    sendJson(response, 200, { people: await peopleOf(store, name) });
  });

  router.add('POST', '/api/workspace/documents/:name/owner', async (request, response, { name }) => {
    requireSameOrigin(request, publicOrigin);
    const { role } = await requireAccess(request, response, name);
    if (role !== 'owner') throw new HttpError(403, 'only the owner may transfer ownership');
    const body = (await readJson(request, 4 * 1024)) as Record<string, unknown> | null;
    const to = stringField(body, 'userId', 400);
    if (!(await store.getUser(to))) throw new HttpError(404, 'there is no such person; they must have signed in once');
    await store.transferOwnership(name, to, Date.now());
    sendJson(response, 200, { people: await peopleOf(store, name) });
  });
}

/** A role from a request body that `managerRole` may give: an editor gives up to editor, like the owner. */
function memberRole(value: unknown, managerRole: AccessRole): MemberRole {
  if (!MEMBER_ROLES.includes(value as MemberRole)) throw new HttpError(400, `"role" must be one of ${MEMBER_ROLES.join(', ')}`);
  if (managerRole !== 'owner' && managerRole !== 'editor') throw new HttpError(403, 'only the owner or an editor may give access');
  return value as MemberRole;
}

/** The access of `userId` on `name`, which `by` may change: not their own, not the owner's. */
async function changeable(store: WorkspaceStore, name: string, userId: string, by: WorkspaceUser) {
  if (userId === by.id) throw new HttpError(400, 'you cannot change your own access');
  const existing = await store.accessOf(name, userId);
  if (!existing) throw new HttpError(404, 'that person has no access to this document');
  if (existing.role === 'owner') throw new HttpError(409, "the owner's access cannot be changed; transfer ownership instead");
  return existing;
}

const rank = (role: AccessRole) => ['viewer', 'commenter', 'editor', 'owner'].indexOf(role);

function personOf(user: WorkspaceUser) {
  return { id: user.id, name: user.name, email: user.email, avatarUrl: user.avatarUrl };
}

/** Everyone with access to `name`, with who they are, the owner first. */
async function peopleOf(store: WorkspaceStore, name: string) {
  const people = [];
  for (const access of await store.membersOf(name)) {
    const user = await store.getUser(access.userId);
    if (user) people.push({ ...personOf(user), role: access.role });
  }
  return people;
}
