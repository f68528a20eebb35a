import type { IncomingMessage } from 'node:http';
import { type DocumentMeta, StoreError } from '../../persistence/DocumentStore';
import { colorFor, type Role } from '../../shared/token';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';
import type { HistoryService } from '../history/HistoryService';
import { NOT_FOUND, roleOf, stringField } from './appRoutes';
import { conversionHttpError } from './conversionErrors';
import { describeVersion, labelOf } from './historyApiRoutes';
import { HttpError, JsonText, type Router, readJson, sendJson } from './Router';

export interface HistoryAppRoutesOptions {
  documents: DocumentService;
  history: HistoryService;
  /** Rebuilds and exports versions off the event loop. */
  conversions: ConversionPool;
}

/**
 * The web app's version history endpoints, authorized like the app's other endpoints by a link
 * secret in the request body (never in the path or query). The view link may browse history;
 * naming and restoring need the edit link, whatever the app shows.
 *
 *   POST /api/app/documents/:name/history           { key }                      → role and versions, newest first
 *   POST /api/app/documents/:name/history/read      { key, id }                  → the version, its title and content (JSON)
 *   POST /api/app/documents/:name/history/name      { key, label, id? }          → names version `id`, or the current state
 *   POST /api/app/documents/:name/history/restore   { key, id, userId, userName } → the document becomes version `id` again
 */
export function addHistoryAppRoutes(router: Router, { documents, history, conversions }: HistoryAppRoutesOptions): void {
  /** Reads the body and checks its link secret; `editor` refuses the view link. */
  const authorize = async (request: IncomingMessage, name: string, needs: Role): Promise<{ body: Record<string, unknown>; meta: DocumentMeta; role: Role }> => {
    const body = (await readJson(request, 16 * 1024)) as Record<string, unknown> | null;
    const key = stringField(body, 'key', 100);
    const meta = await documents.getMeta(name);
    const role = meta ? roleOf(meta, key) : null;
    if (!meta || !role || !body) throw new HttpError(404, NOT_FOUND);
    if (needs === 'editor' && role !== 'editor') throw new HttpError(403, 'this is a view-only link; naming and restoring versions needs the edit link');
    return { body, meta, role };
  };
  const idOf = (body: Record<string, unknown>): number => {
    const { id } = body;
    if (typeof id !== 'number' || !Number.isSafeInteger(id) || id < 1) throw new HttpError(400, '"id" must be the id of a version, a positive whole number');
    return id;
  };
  const route = (path: string, handler: (request: IncomingMessage, name: string) => Promise<unknown>) =>
    router.add('POST', `/api/app/documents/:name/history${path}`, async (request, response, { name }) => {
      try {
        sendJson(response, 200, await handler(request, name));
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

  route('/restore', async (request, name) => {
    const { body } = await authorize(request, name, 'editor');
    const id = idOf(body);
    const userId = stringField(body, 'userId', 64);
    if (!/^[A-Za-z0-9_-]{8,64}$/.test(userId)) throw new HttpError(400, 'userId must be 8 to 64 letters, digits, "-" or "_"');
    const userName = (typeof body.userName === 'string' ? body.userName.trim().slice(0, 60) : '') || 'Anonymous';
    // The identity the same person's collab token carries, so history names them alike.
    const sub = `link:${userId}`;
    const version = await history.restore(name, id, { user: { id: sub, name: userName, color: colorFor(sub) }, role: 'editor' });
    return { version: describeVersion(version) };
  });
}

/** Store errors as the app's errors: the document was found when authorizing, so what is missing now is the version. */
function asAppError(error: unknown): unknown {
  if (!(error instanceof StoreError)) return conversionHttpError(error);
  if (error.code === 'NOT_FOUND') return new HttpError(404, 'this version does not exist (any more)');
  return new HttpError(503, 'the document store is not available right now; try again later');
}
