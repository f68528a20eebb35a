import type * as Y from 'yjs';
import { describeComment } from '../../shared/comments/threadExport';
import { COMMENT_LIMITS, type Mention, readThreads, type ThreadView, valueProblem } from '../../shared/comments/threadModel';
import { addReply, createThread, deleteComment, editComment, setThreadStatus } from '../../shared/comments/threadWrites';
import { colorFor, type TokenClaims } from '../../shared/token';
import { AnchorRangeError, BodyView } from '../comments/threadRanges';
import type { DocumentService } from '../documents/DocumentService';
import { requireRole } from './apiAuth';
import { API_PREFIX, apiRoute, type RequestContext, readBody } from './apiRoutes';
import { HttpError, type Router, sendJson } from './Router';

export interface CommentApiRoutesOptions {
  documents: DocumentService;
  authSecret: string;
}

/** Largest request body of these routes, in bytes (a comment of the longest length, with room). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The comment threads part of the content API, with the same bearer tokens (`apiAuth.ts`) and
 * errors. Viewers read threads; commenters and editors write them, always as the token's user
 * (`sub` and `name`): a write is an ordinary change to the live document, answered once durable.
 *
 *   GET    /api/docs/<name>/threads                         viewer     `?status=open|resolved|all` (default all)
 *   POST   /api/docs/<name>/threads                         commenter  `{ text, quote, occurrence? }` or `{ text, from, to }`; `mentions?`
 *   POST   /api/docs/<name>/threads/<id>/comments           commenter  reply `{ text, mentions? }`
 *   PATCH  /api/docs/<name>/threads/<id>/comments/<cid>     commenter  edit one's own `{ text, mentions? }`
 *   DELETE /api/docs/<name>/threads/<id>/comments/<cid>     commenter  delete one's own
 *   POST   /api/docs/<name>/threads/<id>/resolve | reopen   commenter
 */
export function addCommentApiRoutes(router: Router, { documents, authSecret }: CommentApiRoutesOptions): void {
  const apiRouteAt = apiRoute(router, authSecret);
  const route = (method: string, path: string, handler: (context: RequestContext) => Promise<void>) =>
    apiRouteAt(method, `${API_PREFIX}/:name/threads${path}`, handler);

  route('GET', '', async ({ response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const status = url.searchParams.get('status') ?? 'all';
    if (!['open', 'resolved', 'all'].includes(status)) throw new HttpError(400, `status must be open, resolved or all (got ${JSON.stringify(status)})`);
    const threads = await documents.read(params.name, (doc) => {
      const view = new BodyView(doc);
      return readThreads(doc)
        .filter((thread) => status === 'all' || thread.status === status)
        .map((thread) => describeThread(thread, view));
    });
    sendJson(response, 200, { threads });
  });

  route('POST', '', async ({ request, response, params, claims }) => {
    requireRole(claims, 'commenter', params.name);
    const body = await readBody(request, MAX_BODY_BYTES, ['text', 'quote', 'occurrence', 'from', 'to', 'mentions']);
    const text = commentText(body.text);
    const mentions = mentionsOf(body.mentions);
    const byQuote = body.quote !== undefined;
    if (byQuote === (body.from !== undefined || body.to !== undefined)) {
      throw new HttpError(400, 'say where the thread goes: { "quote": "…", "occurrence"?: n } or { "from": n, "to": n }');
    }
    if (byQuote && typeof body.quote !== 'string') throw new HttpError(400, '"quote" must be a string');
    const occurrence = body.occurrence ?? 1;
    if (!Number.isSafeInteger(occurrence) || (occurrence as number) < 1) throw new HttpError(400, '"occurrence" must be a whole number from 1');
    let threadId = '';
    await change(documents, params.name, claims, (doc) => {
      const view = new BodyView(doc);
      const range = byQuote ? view.findQuote(body.quote as string, occurrence as number) : { from: body.from as number, to: body.to as number };
      const anchor = view.anchorOf(range.from, range.to);
      threadId = createThread(doc, authorOf(claims), { ...anchor, text, mentions }).threadId;
    });
    const thread = await readOne(documents, params.name, threadId);
    sendJson(response, 201, thread, { location: `${API_PREFIX}/${encodeURIComponent(params.name)}/threads/${threadId}` });
  });

  route('POST', '/:id/comments', async ({ request, response, params, claims }) => {
    requireRole(claims, 'commenter', params.name);
    const body = await readBody(request, MAX_BODY_BYTES, ['text', 'mentions']);
    const text = commentText(body.text);
    const mentions = mentionsOf(body.mentions);
    let commentId: string | null = null;
    await change(documents, params.name, claims, (doc) => {
      commentId = addReply(doc, authorOf(claims), params.id, text, mentions);
      if (!commentId) throw noThread(params.name, params.id);
    });
    const thread = await readOne(documents, params.name, params.id);
    sendJson(
      response,
      201,
      thread.comments.find((comment) => comment.id === commentId),
    );
  });

  route('PATCH', '/:id/comments/:comment', async ({ request, response, params, claims }) => {
    requireRole(claims, 'commenter', params.name);
    const body = await readBody(request, MAX_BODY_BYTES, ['text', 'mentions']);
    const text = commentText(body.text);
    const mentions = mentionsOf(body.mentions);
    await change(documents, params.name, claims, (doc) => {
      ownComment(doc, params, claims);
      editComment(doc, params.id, params.comment, text, mentions);
    });
    sendJson(response, 200, await readOne(documents, params.name, params.id));
  });

  route('DELETE', '/:id/comments/:comment', async ({ response, params, claims }) => {
    requireRole(claims, 'commenter', params.name);
    await change(documents, params.name, claims, (doc) => {
      ownComment(doc, params, claims);
      deleteComment(doc, params.id, params.comment);
    });
    response.writeHead(204).end();
  });

  for (const [action, status] of [
    ['resolve', 'resolved'],
    ['reopen', 'open'],
  ] as const) {
    route('POST', `/:id/${action}`, async ({ response, params, claims }) => {
      requireRole(claims, 'commenter', params.name);
      await change(documents, params.name, claims, (doc) => {
        if (!setThreadStatus(doc, authorOf(claims), params.id, status)) throw noThread(params.name, params.id);
      });
      sendJson(response, 200, await readOne(documents, params.name, params.id));
    });
  }
}

/** What the API tells about a thread: its comments, and where it is now (`anchor` null: on deleted text). */
export function describeThread(thread: ThreadView, view: BodyView) {
  return {
    id: thread.id,
    kind: thread.kind,
    status: thread.status,
    quote: thread.quote,
    anchor: view.rangeOf(thread),
    author: { id: thread.author, name: thread.authorName },
    created: new Date(thread.created).toISOString(),
    ...(thread.statusBy ? { statusBy: { id: thread.statusBy, name: thread.statusByName ?? '' }, statusAt: new Date(thread.statusAt ?? 0).toISOString() } : {}),
    comments: thread.comments.map(describeComment),
  };
}

function authorOf(claims: TokenClaims) {
  return { id: claims.sub, name: claims.name };
}

/** Applies `write` as the token's user; an anchor that cannot be found is the client's error. */
async function change(documents: DocumentService, name: string, claims: TokenClaims, write: (doc: Y.Doc) => void): Promise<void> {
  try {
    await documents.change(name, write, { user: { id: claims.sub, name: claims.name, color: colorFor(claims.sub) }, role: claims.role });
  } catch (error) {
    if (error instanceof AnchorRangeError) throw new HttpError(422, error.message);
    throw error;
  }
}

async function readOne(documents: DocumentService, name: string, id: string) {
  const thread = await documents.read(name, (doc) => {
    const found = readThreads(doc).find((entry) => entry.id === id);
    return found ? describeThread(found, new BodyView(doc)) : null;
  });
  if (!thread) throw noThread(name, id);
  return thread;
}

function ownComment(doc: Y.Doc, params: Record<string, string>, claims: TokenClaims): void {
  const thread = readThreads(doc).find((entry) => entry.id === params.id);
  const comment = thread?.comments.find((entry) => entry.id === params.comment);
  if (!thread || !comment) throw new HttpError(404, `thread ${JSON.stringify(params.id)} has no comment ${JSON.stringify(params.comment)}`);
  if (comment.author !== claims.sub) throw new HttpError(403, 'only its author edits or deletes a comment');
}

function commentText(text: unknown): string {
  if (typeof text !== 'string' || text.trim() === '') throw new HttpError(400, '"text" is required: the comment, a non-empty string');
  const problem = valueProblem('comment', 'text', text);
  if (problem) throw new HttpError(400, problem);
  return text;
}

function mentionsOf(mentions: unknown): Mention[] {
  if (mentions === undefined) return [];
  const problem = valueProblem('comment', 'mentions', mentions);
  if (problem) throw new HttpError(400, `"mentions" must be a list of at most ${COMMENT_LIMITS.mentionsPerComment} { "id", "name" } objects`);
  return mentions as Mention[];
}

function noThread(name: string, id: string): HttpError {
  return new HttpError(404, `document ${JSON.stringify(name)} has no thread ${JSON.stringify(id)}`);
}
