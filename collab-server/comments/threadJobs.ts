import type * as Y from 'yjs';
import { describeComment } from '../../shared/comments/threadExport';
import { readThreads, type ThreadView } from '../../shared/comments/threadModel';
import { ConversionError } from '../conversion/ConversionError';
import { AnchorRangeError, BodyView } from './threadRanges';

/**
 * The content API's thread work that reads the whole body as ProseMirror does (`BodyView`): run on
 * a conversion worker (`conversion/jobs.ts`), from the document's state, so a request for a
 * thread costs the event loop no reading of the body.
 */

/** Which threads to describe: those with `status` (`all` by default), or the one with `id`. */
export interface ThreadQuery {
  status?: 'open' | 'resolved' | 'all';
  id?: string;
}

/** Where a new thread goes: the `occurrence`-th (from 1) appearance of `quote` in one block, or the range `from`–`to`. */
export type ThreadPlace = { quote: string; occurrence: number } | { from: number; to: number };

/** A thread as the content API shows it: its comments, and where it is now (`anchor` null: on deleted text). */
export type DescribedThread = ReturnType<typeof describeThread>;

/** The threads of `doc` that `query` asks for, described with where they are now. */
export function describeThreads(doc: Y.Doc, query: ThreadQuery): DescribedThread[] {
  const threads = readThreads(doc).filter((thread) =>
    query.id === undefined ? query.status === undefined || query.status === 'all' || thread.status === query.status : thread.id === query.id,
  );
  if (threads.length === 0) return [];
  const view = new BodyView(doc);
  return threads.map((thread) => describeThread(thread, view));
}

/** The anchor of a new thread at `place` in `doc`; a place that cannot be found is the client's error (422). */
export function anchorAt(doc: Y.Doc, place: ThreadPlace): { start: Uint8Array; end: Uint8Array; quote: string } {
  try {
    const view = new BodyView(doc);
    const range = 'quote' in place ? view.findQuote(place.quote, place.occurrence) : place;
    return view.anchorOf(range.from, range.to);
  } catch (error) {
    if (error instanceof AnchorRangeError) throw new ConversionError('invalid', error.message, 422);
    throw error;
  }
}

function describeThread(thread: ThreadView, view: BodyView) {
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
