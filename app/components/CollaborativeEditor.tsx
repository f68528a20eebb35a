'use client';

import { HocuspocusProvider } from '@hocuspocus/provider';
import Collaboration from '@tiptap/extension-collaboration';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { Placeholder } from '@tiptap/extensions';
import { EditorContent, useEditor } from '@tiptap/react';
import { useEffect, useRef, useState } from 'react';
import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import { documentExtensions } from '../../shared/editorExtensions';
import { canWrite, colorFor, type Role } from '../../shared/token';
import { collabUrl } from '../lib/api';
import type { LocalIdentity } from '../lib/identity';
import { type SaveState, useSaveStatus } from './useSaveStatus';

interface Props {
  name: string;
  role: Role;
  user: LocalIdentity;
  /** A fresh collab token; called on every (re)connection. */
  fetchToken: () => Promise<string>;
}

/** A Tiptap editor bound to one document through a Hocuspocus provider. */
export function CollaborativeEditor({ name, role, user, fetchToken }: Props) {
  const [session, setSession] = useState<{ doc: Y.Doc; provider: HocuspocusProvider } | null>(null);
  // The provider asks for a token on every connection; read the latest callback through a ref,
  // so a new callback from the parent does not tear the connection down.
  const tokenRef = useRef(fetchToken);
  tokenRef.current = fetchToken;

  useEffect(() => {
    const doc = new Y.Doc();
    const provider = new HocuspocusProvider({ url: collabUrl(), name, document: doc, token: () => tokenRef.current() });
    setSession({ doc, provider });
    return () => {
      provider.destroy();
      doc.destroy();
    };
  }, [name]);

  if (!session) return <div className="editor-surface" aria-busy="true" />;
  return <EditorBody doc={session.doc} provider={session.provider} role={role} user={user} />;
}

const STATUS_TEXT: Record<SaveState, string> = {
  connecting: 'Connecting…',
  saving: 'Saving…',
  saved: 'Saved',
  offline: 'Offline',
  refused: 'Access refused',
};

function EditorBody({ doc, provider, role, user }: { doc: Y.Doc; provider: HocuspocusProvider; role: Role; user: LocalIdentity }) {
  const status = useSaveStatus(provider);
  const editor = useEditor(
    {
      immediatelyRender: false,
      editable: canWrite(role),
      extensions: [
        ...documentExtensions(),
        Collaboration.configure({ document: doc, field: BODY_FIELD }),
        CollaborationCaret.configure({ provider, user: { name: user.name, color: colorFor(`link:${user.id}`) } }),
        Placeholder.configure({ placeholder: 'Start writing…' }),
      ],
      editorProps: { attributes: { role: 'textbox', 'aria-multiline': 'true', 'aria-label': 'Document body', spellcheck: 'true' } },
    },
    [doc, provider],
  );

  return (
    <>
      <header className="doc-header">
        <a href="/">Documents</a>
        <span className="spacer" />
        <span className="save-status" role="status" data-state={status.state}>
          {STATUS_TEXT[status.state]}
        </span>
      </header>
      <div className="editor-surface">
        <EditorContent editor={editor} />
      </div>
    </>
  );
}
