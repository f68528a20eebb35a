'use client';

import type { Editor } from '@tiptap/react';
import { useEffect, useRef, useState } from 'react';
import type { CollabSession, SessionStatus } from '../../../app/components/editor/CollabSession';
import type { Participant } from '../../../app/components/editor/usePresence';
import type { EmbedError, EmbedPerson } from '../../../embed/protocol';

/** What an embedded editor tells the page around it. Every handler is optional. */
export interface EditorEventHandlers {
  /** The document is loaded and shown. */
  onReady?: (detail: { document: string; readOnly: boolean }) => void;
  /** The document changed (`local`: by this user). At most four times a second. */
  onChange?: (detail: { local: boolean }) => void;
  /** Every change made here is durably stored on the server. */
  onSaved?: () => void;
  /** Who is in the document now, this user first. */
  onPresence?: (people: EmbedPerson[]) => void;
  /** The save state changed (connecting, saving, saved, offline, refused, deleted). */
  onStatus?: (status: SessionStatus) => void;
  /** Access was refused, the document was deleted, or no token could be had. */
  onError?: (error: EmbedError) => void;
}

/** The shortest time between two `onChange` calls. */
export const CHANGE_INTERVAL_MS = 250;

/**
 * Turns a session's signals into the handler calls of `EditorEventHandlers`. It listens to the
 * session itself rather than to React state, so no status change is missed between renders: a
 * `saved` is reported for every time all local changes became durable.
 */
export function useEditorEvents(options: {
  session: CollabSession;
  editor: Editor | null;
  people: Participant[];
  document: string;
  readOnly: boolean;
  handlers: EditorEventHandlers;
}): void {
  const { session, editor, people, document, readOnly } = options;
  const handlers = useRef(options.handlers);
  handlers.current = options.handlers;
  const readyFor = useRef<Editor | null>(null);
  const [ready, setReady] = useState(false);
  const readOnlyNow = useRef(readOnly);
  readOnlyNow.current = readOnly;

  // Status, saved and errors, from every status change of the session.
  useEffect(() => {
    let previous = session.getStatus();
    const onStatus = () => {
      const status = session.getStatus();
      const before = previous;
      previous = status;
      handlers.current.onStatus?.(status);
      if (before.unsaved && !status.unsaved && status.state === 'saved') handlers.current.onSaved?.();
      if (status.state !== before.state && (status.state === 'refused' || status.state === 'deleted' || status.state === 'replaced')) {
        handlers.current.onError?.({
          // For the host, a document created again under its name is a deleted one (the detail says which).
          code: status.state === 'refused' ? 'refused' : 'deleted',
          message: status.detail ?? (status.state === 'deleted' ? 'The document was deleted.' : 'Access was refused.'),
        });
      }
    };
    return session.subscribe(onStatus);
  }, [session]);

  // Ready: once per editor, when the document is loaded from the server.
  useEffect(() => {
    if (!editor) return;
    const check = () => {
      const { state } = session.getStatus();
      if (readyFor.current !== editor && (state === 'saved' || state === 'saving')) {
        readyFor.current = editor;
        setReady(true);
        handlers.current.onReady?.({ document, readOnly: readOnlyNow.current });
      }
    };
    check();
    return session.subscribe(check);
  }, [session, editor, document]);

  // Changes, at most one call per interval (the last one reports whether any was local).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    let local = false;
    const emit = () => {
      timer = null;
      last = Date.now();
      const wasLocal = local;
      local = false;
      handlers.current.onChange?.({ local: wasLocal });
    };
    const onUpdate = (_update: Uint8Array, origin: unknown) => {
      if (origin !== session.provider) local = true;
      timer ??= setTimeout(emit, Math.max(0, last + CHANGE_INTERVAL_MS - Date.now()));
    };
    session.doc.on('update', onUpdate);
    return () => {
      session.doc.off('update', onUpdate);
      if (timer) clearTimeout(timer);
    };
  }, [session]);

  // Presence, once ready (before that this user's own identity is not known yet), then whenever
  // the list of people changes.
  const presenceKey = JSON.stringify(people);
  useEffect(() => {
    if (ready) handlers.current.onPresence?.(JSON.parse(presenceKey) as EmbedPerson[]);
  }, [presenceKey, ready]);
}
