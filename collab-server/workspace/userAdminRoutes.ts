import type { WorkspaceStore } from '../../persistence/WorkspaceStore';
import { bearerClaims, requireRole } from '../http/apiAuth';
import { HttpError, type Router, sendJson } from '../http/Router';

export interface UserAdminRoutesOptions {
  store: WorkspaceStore;
  authSecret: string;
  /** Ends `userId`'s open sessions on `document`. */
  revoke: (document: string, userId: string) => void;
}

/**
 * Removing a person (workspace mode), for operators, with an `admin` token for every document
 * (`doc: "*"`), like the rest of the content API:
 *
 *   DELETE /api/admin/users/:id   removes them: their sign-in sessions, access and recent list; their open editors close
 *
 * Documents they owned stay, without an owner (the content API and their members still reach
 * them). Someone removed who signs in again comes back as a new person with no access.
 */
export function addUserAdminRoutes(router: Router, { store, authSecret, revoke }: UserAdminRoutesOptions): void {
  router.add('DELETE', '/api/admin/users/:id', async (request, response, { id }) => {
    const claims = await bearerClaims(request, response, authSecret);
    requireRole(claims, 'admin', '*');
    const documents = await store.documentsOf(id);
    if (!(await store.removeUser(id))) throw new HttpError(404, `there is no person with id ${JSON.stringify(id)}`);
    for (const access of documents) revoke(access.document, id);
    sendJson(response, 200, { id, removed: true, documents: documents.length });
  });
}
