'use client';

import { useEffect, useMemo, useState } from 'react';
import type * as Y from 'yjs';
import { commentsMap, type Mention, readThreads } from '../../../shared/comments/threadModel';
import type { Participant } from '../editor/usePresence';
import { HistoryApi } from '../history/historyApi';

/**
 * Everyone who has been in the document, to mention: who is here now, who changed it (the
 * authors of its versions, asked once), and who commented or was mentioned; oneself left out.
 */
export function useMentionPeople({
  name,
  linkKey,
  doc,
  participants,
  selfId,
}: {
  name: string;
  linkKey: string;
  doc: Y.Doc;
  participants: Participant[];
  selfId?: string;
}): Mention[] {
  const [authors, setAuthors] = useState<Mention[]>([]);
  const [commenters, setCommenters] = useState<Mention[]>([]);

  useEffect(() => {
    let cancelled = false;
    new HistoryApi(name, linkKey).list().then(
      ({ versions }) => {
        if (!cancelled) setAuthors(versions.flatMap((version) => version.authors.map(({ id, name: author }) => ({ id, name: author }))));
      },
      // Offline or refused: presence and the threads still name people.
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [name, linkKey]);

  useEffect(() => {
    const map = commentsMap(doc);
    const read = () =>
      setCommenters(
        readThreads(doc).flatMap((thread) => thread.comments.flatMap((comment) => [{ id: comment.author, name: comment.authorName }, ...comment.mentions])),
      );
    read();
    map.observeDeep(read);
    return () => map.unobserveDeep(read);
  }, [doc]);

  return useMemo(() => {
    const byId = new Map<string, Mention>();
    for (const person of [...authors, ...commenters, ...participants.map(({ id, name: shown }) => ({ id, name: shown }))]) {
      if (person.id && person.id !== selfId && person.id !== 'server' && person.name) byId.set(person.id, person);
    }
    return [...byId.values()].sort((a, b) => a.name.localeCompare(b.name));
  }, [authors, commenters, participants, selfId]);
}
