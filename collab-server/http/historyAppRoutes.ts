import type { IncomingMessage, ServerResponse } from 'node:http';
import { type DocumentMeta, StoreError } from '../../persistence/DocumentStore';
import type { LinkKind } from '../../shared/linkKinds';
import type { Role } from '../../shared/token';
import type { AuditLog } from '../audit/AuditLog';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { HistoryService } from '../history/HistoryService';
import type { ShareLinks } from '../links/ShareLinks';
import { requireLink } from './appLinkAccess';
import { stringField } from './appRoutes';
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
 */
export function addHistoryAppRoutes(router: Router, { links, identities, history, conversions, audit }: HistoryAppRoutesOptions): void {
  /** Reads the body and checks its link secret; `editor` refuses the view link. */
  const authorize = async (
    request: IncomingMessage,
    name: string,
    needs: Role,
  ): Promise<{ body: Record<string, unknown>; meta: DocumentMeta; role: Role; kind: LinkKind }> => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const { meta, role, kind } = await requireLink(links, name, stringField(body, 'key', 100));
    if (needs === 'editor' && role !== 'editor') throw new HttpError(403, 'this is a view-only link; naming and restoring versions needs the edit link');
    return { body: body as Record<string, unknown>, meta, role, kind };
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

  route('', async (request, name) => {
    const { role } = await authorize(request, name, 'viewer');
    return { role, versions: (await history.list(name)).map(describeVersion) };
  });

  route('/read', async (request, name) => {
    const { body } = await authorize(request, name, 'viewer');
    const id = idOf(body);
    const version = await history.version(name, id);
    const { title, content } = await conversions.run({ kind: 'export', state: await history.state(name, id), format: 'json' });
    // The content is JSON text from the worker: spliced in as it is, not parsed and written again here.
    return new JsonText(`{"version":${JSON.stringify(describeVersion(version))},"title":${JSON.stringify(title)},"content":${content}}`);
  });

  route('/name', async (request, name) => {
    const { body } = await authorize(request, name, 'editor');
    if (body.id === undefined) return { version: describeVersion(await history.nameCurrent(name, labelOf(body.label))) };
    const label = body.label === null || body.label === '' ? null : labelOf(body.label);
    return { version: describeVersion(await history.label(name, idOf(body), label)) };
  });

  route('/restore', async (request, name, response) => {
    const { body, kind } = await authorize(request, name, 'editor');
    const id = idOf(body);
    // The identity the same person's collab token carries, so history names them alike.
    const user = await identities.identify(request, response, body.userName);
    const version = await history.restore(name, id, { user, role: 'editor' });
    await audit.record(name, { id: user.id, name: user.name, via: kind }, 'version-restored', { version: id });
    return { version: describeVersion(version) };
  });
}

/** Store errors as the app's errors: the document was found when authorizing, so what is missing now is the version. */
function asAppError(error: unknown): unknown {
  if (!(error instanceof StoreError)) return conversionHttpError(error);
  if (error.code === 'NOT_FOUND') return new HttpError(404, 'this version does not exist (any more)');
  return new HttpError(503, 'the document store is not available right now; try again later');
}
