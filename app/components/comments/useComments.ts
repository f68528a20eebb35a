'use client';

import type { Node } from '@tiptap/pm/model';
import type { Editor } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { commentsMap, type Mention, readThreads, type ThreadView } from '../../../shared/comments/threadModel';
import { addReply, createThread, deleteComment, editComment, setThreadStatus } from '../../../shared/comments/threadWrites';
import { activateThread, anchorAt, Comments } from './commentsExtension';
import type { ThreadActions } from './ThreadCard';

/** A comment being written on a selection, before it becomes a thread. */
export interface Draft {
  start: Uint8Array;
  end: Uint8Array;
  quote: string;
  from: number;
}

/**
 * The part of `from`–`to` that holds content (text or leaf nodes such as images): a selection
 * made by a triple click, or across blocks, starts and ends between blocks, where an anchor
 * would tie itself to a block rather than to the text.
 */
function contentRange(doc: Node, from: number, to: number): { from: number; to: number } | null {
  let start = -1;
  let end = -1;
  doc.nodesBetween(from, to, (node, pos) => {
    if (!node.isLeaf) return true;
    const nodeFrom = Math.max(pos, from);
    const nodeTo = Math.min(pos + node.nodeSize, to);
    if (nodeFrom >= nodeTo) return false;
    if (start === -1) start = nodeFrom;
    end = nodeTo;
    return false;
  });
  return start === -1 || start >= end ? null : { from: start, to: end };
}

/** Writes from this browser carry this origin: not the editor's, so undo never takes back a comment. */
export const COMMENT_ORIGIN = { source: 'comments' };

/**
 * The comment threads of an open document for the page: the threads (live), the active one, a
 * draft on the selection, the actions a card offers as `me`, and the editor extension that shows
 * the highlights. `me` is null where this person may not comment (viewers, or identity unknown).
 */
export function useComments(doc: Y.Doc, me: Mention | null, people: Mention[]) {
  const [threads, setThreads] = useState<ThreadView[]>(() => readThreads(doc));
  const [active, setActive] = useState<string | null>(null);
  const [draft, setDraft] = useState<Draft | null>(null);
  const editorRef = useRef<Editor | null>(null);
  const meRef = useRef(me);
  meRef.current = me;

  const startDraft = useCallback(() => {
    const editor = editorRef.current;
    if (!editor || !meRef.current) return;
    if (editor.state.selection.empty) return;
    const range = contentRange(editor.state.doc, editor.state.selection.from, editor.state.selection.to);
    if (!range) return;
    const { from, to } = range;
    const anchor = anchorAt(editor.state, from, to);
    if (!anchor) return;
    setDraft({ ...anchor, quote: editor.state.doc.textBetween(from, to, '\n', ' ').slice(0, 1000), from });
    setActive(null);
  }, []);

  const activate = useCallback((threadId: string | null) => {
    setActive(threadId);
    const view = editorRef.current?.view;
    if (view && !editorRef.current?.isDestroyed) activateThread(view, threadId);
  }, []);

  const extension = useMemo(() => Comments.configure({ onActivate: (id) => activate(id) }), [activate]);

  // Ctrl/⌘+Alt+M comments on the selection, also where the editor cannot take keys (read-only for commenters).
  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if ((event.ctrlKey || event.metaKey) && event.altKey && event.code === 'KeyM') {
        event.preventDefault();
        startDraft();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [startDraft]);

  useEffect(() => {
    const map = commentsMap(doc);
    // The editor's highlights follow by themselves (the comments extension observes the threads too).
    const changed = () => setThreads(readThreads(doc));
    map.observeDeep(changed);
    return () => map.unobserveDeep(changed);
  }, [doc]);

  const write = useCallback((change: () => void) => doc.transact(change, COMMENT_ORIGIN), [doc]);

  const actions: ThreadActions = useMemo(
    () => ({
      me,
      people,
      reply: (threadId, text, mentions) => me && write(() => addReply(doc, me, threadId, text, mentions)),
      edit: (threadId, commentId, text, mentions) => write(() => editComment(doc, threadId, commentId, text, mentions)),
      remove: (threadId, commentId) => write(() => deleteComment(doc, threadId, commentId)),
      setStatus: (threadId, status) => me && write(() => setThreadStatus(doc, me, threadId, status)),
    }),
    [doc, me, people, write],
  );

  const submitDraft = useCallback(
    (text: string, mentions: Mention[]) => {
      if (!draft || !me) return;
      let id = '';
      write(() => {
        id = createThread(doc, me, { start: draft.start, end: draft.end, quote: draft.quote, text, mentions }).threadId;
      });
      setDraft(null);
      activate(id);
    },
    [doc, draft, me, write, activate],
  );

  return { threads, active, activate, draft, startDraft, cancelDraft: () => setDraft(null), submitDraft, actions, extension, editorRef };
}
