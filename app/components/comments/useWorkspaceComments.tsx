'use client';

import type { Editor } from '@tiptap/react';
import { type ReactNode, useCallback, useEffect, useMemo, useState } from 'react';
import type * as Y from 'yjs';
import { canComment, type Role } from '../../../shared/token';
import type { Participant } from '../editor/usePresence';
import { CommentBubble } from './CommentBubble';
import { CommentsPanel } from './CommentsPanel';
import { useComments } from './useComments';
import { useMentionPeople } from './useMentionPeople';

interface Options {
  name: string;
  linkKey: string;
  doc: Y.Doc;
  role: Role;
  identity: { id?: string; name: string };
  participants: Participant[];
  /** The document can no longer be changed (deleted, its link reset). */
  closed: boolean;
  editor: Editor | null;
}

/**
 * The comments of the editor page: the threads, who may write them (commenters, editors and
 * admins, as themselves), the people one may mention, the editor extension that shows the
 * highlights, the panel beside the page (or, on a narrow screen, over it while open) and the
 * selection's bubble.
 */
export function useWorkspaceComments({ name, linkKey, doc, role, identity, participants, closed, editor }: Options) {
  const me = useMemo(() => (canComment(role) && identity.id && !closed ? { id: identity.id, name: identity.name } : null), [role, identity, closed]);
  const people = useMentionPeople({ name, linkKey, doc, participants, selfId: identity.id });
  const comments = useComments(doc, me, people);
  const [open, setOpen] = useState(false);
  comments.editorRef.current = editor;
  const extensions = useMemo(() => [comments.extension], [comments.extension]);
  useEffect(() => {
    if (comments.active || comments.draft) setOpen(true);
  }, [comments.active, comments.draft]);
  // Closing leaves no thread active, so clicking a highlight (even the same one) opens the list again.
  const { activate } = comments;
  const close = useCallback(() => {
    setOpen(false);
    activate(null);
  }, [activate]);

  const aside = (current: Editor | null, before?: ReactNode): ReactNode => (
    <>
      {current && me && <CommentBubble editor={current} onComment={comments.startDraft} />}
      <CommentsPanel
        editor={current}
        threads={comments.threads}
        active={comments.active}
        onActivate={comments.activate}
        draft={comments.draft}
        onSubmitDraft={comments.submitDraft}
        onCancelDraft={comments.cancelDraft}
        actions={comments.actions}
        people={people}
        open={open}
        onClose={close}
        before={before}
      />
    </>
  );
  return { extensions, aside, open, toggle: () => (open ? close() : setOpen(true)), startDraft: me ? comments.startDraft : undefined };
}
