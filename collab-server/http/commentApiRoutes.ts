import type * as Y from 'yjs';
import { describeComment } from '../../shared/comments/threadExport';
import { COMMENT_LIMITS, type CommentView, type Mention, readThreads, valueProblem } from '../../shared/comments/threadModel';
import { addReply, createThread, deleteComment, editComment, setThreadStatus } from '../../shared/comments/threadWrites';
import { colorFor, type TokenClaims } from '../../shared/token';
import type { DescribedThread, ThreadPlace, ThreadQuery } from '../comments/threadJobs';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { AnchorResult } from '../conversion/jobs';
import type { DocumentService } from '../documents/DocumentService';
import { requireRole } from './apiAuth';
import { API_PREFIX, apiRoute, type RequestContext, readBody } from './apiRoutes';
import { conversionHttpError } from './conversionErrors';
import { HttpError, type Router, sendJson } from './Router';

export interface CommentApiRoutesOptions {
  documents: DocumentService;
  authSecret: string;
  /** Where the body is read to place threads: never on the event loop. */
  conversions: ConversionPool;
}

/** Largest request body of these routes, in bytes (a comment of the longest length, with room). */
const MAX_BODY_BYTES = 64 * 1024;

/**
 * The comment threads part of the content API, with the same bearer tokens (`apiAuth.ts`) and
 * errors. Viewers read threads; commenters and editors write them, always as the token's user
 * (`sub` and `name`): a write is an ordinary change to the live document, answered once durable.
 * Placing a thread in the body (where it is now, where a new one goes) reads the whole body, so it
 * runs on a conversion worker (`comments/threadJobs.ts`), from the document's stored state: every
 * acknowledged change, this request's own included, without encoding the live document here.
 *
 *   GET    /api/docs/<name>/threads                         viewer     `?status=open|resolved|all` (default all)
 *   POST   /api/docs/<name>/threads                         commenter  `{ text, quote, occurrence? }` or `{ text, from, to }`; `mentions?`
 *   POST   /api/docs/<name>/threads/<id>/comments           commenter  reply `{ text, mentions? }`
 *   PATCH  /api/docs/<name>/threads/<id>/comments/<cid>     commenter  edit one's own `{ text, mentions? }`
 *   DELETE /api/docs/<name>/threads/<id>/comments/<cid>     commenter  delete one's own
 *   POST   /api/docs/<name>/threads/<id>/resolve | reopen   commenter
 */
export function addCommentApiRoutes(router: Router, { documents, authSecret, conversions }: CommentApiRoutesOptions): void {
  const threads = new ThreadReader(documents, conversions);
  const apiRouteAt = apiRoute(router, authSecret);
  const route = (method: string, path: string, handler: (context: RequestContext) => Promise<void>) =>
    apiRouteAt(method, `${API_PREFIX}/:name/threads${path}`, handler);

  route('GET', '', async ({ response, params, url, claims }) => {
    requireRole(claims, 'viewer', params.name);
    const status = url.searchParams.get('status') ?? 'all';
    if (!['open', 'resolved', 'all'].includes(status)) throw new HttpError(400, `status must be open, resolved or all (got ${JSON.stringify(status)})`);
    sendJson(response, 200, { threads: await threads.describe(params.name, { status: status as ThreadQuery['status'] }) });
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
    // Anchors are relative positions: placed in the state read now, they stay where they are
    // through whatever is written before the thread is.
    const place: ThreadPlace = byQuote
      ? { quote: body.quote as string, occurrence: occurrence as number }
      : { from: body.from as number, to: body.to as number };
    const anchor = await threads.anchorAt(params.name, place);
    let threadId = '';
    await change(documents, params.name, claims, (doc) => {
      threadId = createThread(doc, authorOf(claims), { ...anchor, text, mentions }).threadId;
    });
    const thread = await threads.one(params.name, threadId);
    sendJson(response, 201, thread, { location: `${API_PREFIX}/${encodeURIComponent(params.name)}/threads/${threadId}` });
  });

  route('POST', '/:id/comments', async ({ request, response, params, claims }) => {
    requireRole(claims, 'commenter', params.name);
    const body = await readBody(request, MAX_BODY_BYTES, ['text', 'mentions']);
    const text = commentText(body.text);
    const mentions = mentionsOf(body.mentions);
    // The answer is the comment alone, read where it was written: nothing in it needs the body,
    // and the document may be unloaded once the change is stored.
    let comment: CommentView | undefined;
    await change(documents, params.name, claims, (doc) => {
      const commentId = addReply(doc, authorOf(claims), params.id, text, mentions);
      if (!commentId) throw noThread(params.name, params.id);
      comment = readThreads(doc)
        .find((thread) => thread.id === params.id)
        ?.comments.find((entry) => entry.id === commentId);
    });
    if (!comment) throw noThread(params.name, params.id);
    sendJson(response, 201, describeComment(comment));
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
    sendJson(response, 200, await threads.one(params.name, params.id));
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
      sendJson(response, 200, await threads.one(params.name, params.id));
    });
  }
}

function authorOf(claims: TokenClaims) {
  return { id: claims.sub, name: claims.name };
}

/** Applies `write` as the token's user. */
async function change(documents: DocumentService, name: string, claims: TokenClaims, write: (doc: Y.Doc) => void): Promise<void> {
  await documents.change(name, write, { user: { id: claims.sub, name: claims.name, color: colorFor(claims.sub) }, role: claims.role });
}

/** Threads described on a conversion worker, from the document's state. */
class ThreadReader {
  constructor(
    private readonly documents: DocumentService,
    private readonly conversions: ConversionPool,
  ) {}

  /** The threads of document `name` that `query` asks for. */
  async describe(name: string, query: ThreadQuery): Promise<DescribedThread[]> {
    try {
      return (await this.conversions.run({ kind: 'threads', state: await this.documents.storedState(name), query })).threads;
    } catch (error) {
      throw conversionHttpError(error);
    }
  }

  /** Thread `id` of document `name`; 404 when there is none. */
  async one(name: string, id: string): Promise<DescribedThread> {
    const [thread] = await this.describe(name, { id });
    if (!thread) throw noThread(name, id);
    return thread;
  }

  /** The anchor of a new thread at `place`; 422 when the place is not in the body. */
  async anchorAt(name: string, place: ThreadPlace): Promise<AnchorResult> {
    try {
      return await this.conversions.run({ kind: 'anchor', state: await this.documents.storedState(name), place });
    } catch (error) {
      throw conversionHttpError(error);
    }
  }
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
