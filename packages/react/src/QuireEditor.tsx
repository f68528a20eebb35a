'use client';

import { type Editor, EditorContent } from '@tiptap/react';
import { type CSSProperties, useEffect, useMemo, useRef, useState } from 'react';
import type { CollabSession, SaveState } from '../../../app/components/editor/CollabSession';
import { useCollabSession } from '../../../app/components/editor/useCollabSession';
import { useDocumentEditor } from '../../../app/components/editor/useDocumentEditor';
import { usePresence } from '../../../app/components/editor/usePresence';
import { useSessionStatus } from '../../../app/components/editor/useSessionStatus';
import type { EmbedTheme } from '../../../embed/protocol';
import { canWrite, colorFor } from '../../../shared/roles';
import { QuireToolbar } from './QuireToolbar';
import { readClaims, type VisibleClaims } from './tokenClaims';
import { type EditorEventHandlers, useEditorEvents } from './useEditorEvents';
import './quire-editor.css';

export interface QuireEditorProps extends EditorEventHandlers {
  /** The collab server's WebSocket endpoint, like `wss://quire.example.com/collab`. */
  url: string;
  /** The document name. */
  document: string;
  /**
   * A collab token (minted by your backend), or a function that returns a fresh one; the
   * function is called on every connection and shortly before each token expires, so short-lived
   * tokens keep working (a fixed string stops saving when it expires).
   */
  token: string | (() => Promise<string>);
  /** This user's caret name and color as they see them (others see the identity in the token). */
  user?: { name?: string; color?: string };
  /** Show the document without letting this user type (a viewer token is read-only anyway). */
  readOnly?: boolean;
  /** Show the formatting toolbar and save status (default true). */
  toolbar?: boolean;
  theme?: EmbedTheme;
  placeholder?: string;
  className?: string;
  style?: CSSProperties;
  /** Receives the Tiptap editor once it exists (for commands, focus, `getHTML()`…), and null when it goes. */
  onEditor?: (editor: Editor | null) => void;
}

/** The http(s) origin of a collab server's WebSocket endpoint (`wss://host/collab` → `https://host`). */
function serverOriginOf(url: string): string | undefined {
  try {
    const parsed = new URL(url);
    return `${parsed.protocol === 'wss:' ? 'https:' : 'http:'}//${parsed.host}`;
  } catch {
    return undefined;
  }
}

const STATUS_TEXT: Record<SaveState, string> = {
  connecting: 'Connecting…',
  saving: 'Saving…',
  saved: 'Saved',
  offline: 'Offline',
  refused: 'Access refused',
  // Only the app's share-link tokens are revoked; an embedding host's tokens never are.
  revoked: 'Access ended',
  deleted: 'Document deleted',
  replaced: 'Document replaced',
};

/**
 * A live, collaborative editor for one document of a Quire server, for React apps:
 *
 *   <QuireEditor url="wss://quire.example.com/collab" document="team-notes" token={fetchToken} />
 *
 * It syncs through the Hocuspocus protocol with the same document schema as the Quire app, shows
 * everyone's carets, and reports "saved" only once the server has durably stored every change.
 * The page's origin must be allowed on the server (ALLOWED_ORIGINS).
 */
export function QuireEditor(props: QuireEditorProps) {
  const latest = useRef(props);
  latest.current = props;
  const [claims, setClaims] = useState<VisibleClaims | null>(() => (typeof props.token === 'string' ? readClaims(props.token) : null));

  const session = useCollabSession({
    name: props.document,
    url: () => latest.current.url,
    // The page around the editor decides what stays on the device; keep nothing by default.
    keepOnDevice: false,
    token: async () => {
      const { token } = latest.current;
      try {
        const value = typeof token === 'string' ? token : await token();
        if (typeof value !== 'string' || value === '') throw new Error('the token function returned no token');
        const read = readClaims(value);
        setClaims((current) => (current && read && current.sub === read.sub && current.role === read.role && current.name === read.name ? current : read));
        return value;
      } catch (error) {
        latest.current.onError?.({ code: 'token', message: `no token for the editor: ${error instanceof Error ? error.message : String(error)}` });
        throw error;
      }
    },
  });

  const className = ['quire-editor', props.className].filter(Boolean).join(' ');
  if (!session) return <div className={className} style={props.style} data-theme={props.theme ?? 'light'} aria-busy="true" />;
  return <SessionEditor {...props} session={session} claims={claims} className={className} />;
}

function SessionEditor(props: QuireEditorProps & { session: CollabSession; claims: VisibleClaims | null; className: string }) {
  const { session, claims, onEditor } = props;
  const latestProps = useRef(props);
  latestProps.current = props;
  const status = useSessionStatus(session);
  const closed = status.state === 'refused' || status.state === 'deleted' || status.state === 'replaced';
  const readOnly = Boolean(props.readOnly) || !claims || !canWrite(claims.role) || closed;
  const name = props.user?.name ?? claims?.name ?? 'You';
  const color = props.user?.color ?? (claims ? colorFor(claims.sub) : '#60646c');
  const user = useMemo(() => ({ name, color }), [name, color]);
  // Images the server stores are addressed by paths of its origin; this page is on another one.
  const serverOrigin = useMemo(() => serverOriginOf(props.url), [props.url]);
  const editor = useDocumentEditor({
    session,
    editable: !readOnly,
    user,
    placeholder: props.placeholder,
    serverOrigin,
    onImageError: (message) => latestProps.current.onError?.({ code: 'image', message }),
  });
  const people = usePresence(session.provider, { id: claims?.sub ?? 'self', name, color, role: claims?.role ?? null });
  useEditorEvents({ session, editor, people, document: props.document, readOnly, handlers: props });

  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  return (
    <div className={props.className} style={props.style} data-theme={props.theme ?? 'light'}>
      {props.toolbar !== false && (
        <div className="quire-editor__bar">
          {editor && !readOnly ? <QuireToolbar editor={editor} /> : <span className="quire-editor__spacer" />}
          <span className="quire-editor__status" data-state={status.state} role="status">
            {readOnly && status.state === 'saved' ? 'View only' : STATUS_TEXT[status.state]}
          </span>
        </div>
      )}
      <EditorContent editor={editor} className="quire-editor__content" />
    </div>
  );
}
