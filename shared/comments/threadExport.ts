import type { Node } from '@tiptap/pm/model';
import type * as Y from 'yjs';
import { BODY_FIELD } from '../documentFields';
import { mappingOf, resolveAnchor } from './anchors';
import { type CommentView, readThreads } from './threadModel';

/** A thread as the JSON export holds it: where it is in the exported body (`anchor` null: on deleted text) and its comments. */
export interface ExportedThread {
  id: string;
  kind: string;
  status: string;
  quote: string;
  anchor: { from: number; to: number } | null;
  author: { id: string; name: string };
  created: string;
  comments: Array<{
    id: string;
    author: { id: string; name: string };
    created: string;
    edited?: string;
    deleted: boolean;
    text: string;
    mentions: Array<{ id: string; name: string }>;
  }>;
}

/** The threads of `doc` for its JSON export, positioned in `body` (the body as exported); empty when it has none. */
export function exportThreads(doc: Y.Doc, body: Node): ExportedThread[] {
  const threads = readThreads(doc);
  if (threads.length === 0) return [];
  const fragment = doc.getXmlFragment(BODY_FIELD);
  const mapping = mappingOf(fragment, body);
  return threads.map((thread) => ({
    id: thread.id,
    kind: thread.kind,
    status: thread.status,
    quote: thread.quote,
    anchor: resolveAnchor(doc, fragment, mapping, thread.start, thread.end, body),
    author: { id: thread.author, name: thread.authorName },
    created: new Date(thread.created).toISOString(),
    comments: thread.comments.map(describeComment),
  }));
}

/** A comment as the JSON export and the content API show it. */
export function describeComment(comment: CommentView): ExportedThread['comments'][number] {
  return {
    id: comment.id,
    author: { id: comment.author, name: comment.authorName },
    created: new Date(comment.created).toISOString(),
    ...(comment.edited ? { edited: new Date(comment.edited).toISOString() } : {}),
    deleted: comment.deleted,
    text: comment.text,
    mentions: comment.mentions,
  };
}
