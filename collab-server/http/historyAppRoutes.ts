import type { IncomingMessage, ServerResponse } from 'node:http';
import { StoreError } from '../../persistence/DocumentStore';
import type { Role } from '../../shared/token';
import type { AuditLog } from '../audit/AuditLog';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { HistoryService } from '../history/HistoryService';
import type { ShareLinks } from '../links/ShareLinks';
import { type AppAccess, type MemberAccessOf, requireAppAccess } from './appAccess';
import type { BrowserIdentities } from './browserIdentity';
import { conversionHttpError } from './conversionErrors';
import { describeVersion, labelOf } from './historyApiRoutes';
import { HttpError, JsonText, type Router, readJson, sendJson } from './Router';

export interface HistoryAppRoutesOptions {
  links: ShareLinks;
  identities: BrowserIdentities;
  history: HistoryService;
  /** Rebuilds and exports versions off the event loop. */
  conversions: ConversionPool;
  /** Where restores are recorded. */
  audit: Pick<AuditLog, 'record'>;
  /** Workspace mode: a signed-in member's access, for requests without a link secret. */
  members?: MemberAccessOf;
}

/**
 * The web app's version history endpoints, authorized like the app's other endpoints by a link
 * secret in the request body (never in the path or query). The view link may browse history;
 * naming and restoring need the edit link, whatever the app shows.
 *
 *   POST /api/app/documents/:name/history           { key }                      → role and versions, newest first
 *   POST /api/app/documents/:name/history/read      { key, id }                  → the version, its title and content (JSON)
 *   POST /api/app/documents/:name/history/name      { key, label, id? }          → names version `id`, or the current state
 *   POST /api/app/documents/:name/history/restore   { key, id, userName }         → the document becomes version `id` again
 *
 * A restore is credited to the browser's own identity (its signed cookie, `browserIdentity.ts`).
 * In workspace mode a signed-in member may send no `key`: any member browses, an editor or the
 * owner names and restores (`appAccess.ts`).
 */
export function addHistoryAppRoutes(router: Router, { links, identities, history, conversions, audit, members }: HistoryAppRoutesOptions): void {
  /** Reads the body and checks its link secret (or the member's session); `editor` refuses the view link and members who do not edit. */
  const authorize = async (
    request: IncomingMessage,
    response: ServerResponse,
    name: string,
    needs: Role,
  ): Promise<{ body: Record<string, unknown>; access: AppAccess }> => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const access = await requireAppAccess(links, identities, members, request, response, name, body);
    if (needs === 'editor' && access.role !== 'editor') {
      throw new HttpError(
        403,
        access.link ? 'this is a view-only link; naming and restoring versions needs the edit link' : 'naming and restoring versions needs an editor',
      );
    }
    return { body: body ?? {}, access };
  };
  const idOf = (body: Record<string, unknown>): number => {
    const { id } = body;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new HttpError(400, '"id" must be the id of a version, a positive whole number');
    return id;
  };
  const route = (path: string, handler: (request: IncomingMessage, name: string, response: ServerResponse) => Promise<unknown>) =>
    router.add('POST', `/api/app/documents/:name/history${path}`, async (request, response, { name }) => {
      try {
        sendJson(response, 200, await handler(request, name, response));
      } catch (error) {
        throw asAppError(error);
      }
    });

  route('', async (request, name, response) => {
    const { role } = (await authorize(request, response, name, 'viewer')).access;
    return { role, versions: (await history.list(name)).map(describeVersion) };
  });

  route('/read', async (request, name, response) => {
    const { body } = await authorize(request, response, name, 'viewer');
    const id = idOf(body);
    const version = await history.version(name, id);
    const { title, content } = await conversions.run({ kind: 'export', state: await history.state(name, id), format: 'json' });
    // The content is JSON text from the worker: spliced in as it is, not parsed and written again here.
    return new JsonText(`{"version":${JSON.stringify(describeVersion(version))},"title":${JSON.stringify(title)},"content":${content}}`);
  });

  route('/name', async (request, name, response) => {
    const { body } = await authorize(request, response, name, 'editor');
    if (body.id === undefined) return { version: describeVersion(await history.nameCurrent(name, labelOf(body.label))) };
    const label = body.label === null || body.label === '' ? null : labelOf(body.label);
    return { version: describeVersion(await history.label(name, idOf(body), label)) };
  });

  route('/restore', async (request, name, response) => {
    const { body, access } = await authorize(request, response, name, 'editor');
    const id = idOf(body);
    // The identity the same person's collab token carries, so history names them alike.
    const user = await access.identify(body.userName);
    const version = await history.restore(name, id, { user, role: 'editor' });
    await audit.record(name, { id: user.id, name: user.name, via: access.via }, 'version-restored', { version: id });
    return { version: describeVersion(version) };
  });
}

/** Store errors as the app's errors: the document was found when authorizing, so what is missing now is the version. */
function asAppError(error: unknown): unknown {
  if (!(error instanceof StoreError)) return conversionHttpError(error);
  if (error.code === 'NOT_FOUND') return new HttpError(404, 'this version does not exist (any more)');
  return new HttpError(503, 'the document store is not available right now; try again later');
}
