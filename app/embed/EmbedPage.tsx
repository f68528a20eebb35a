'use client';

import type { Editor } from '@tiptap/react';
import { EditorContent } from '@tiptap/react';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { flushSync } from 'react-dom';
import type { EmbedTheme } from '../../embed/protocol';
import { readClaims, type VisibleClaims } from '../../packages/react/src/tokenClaims';
import { useEditorEvents } from '../../packages/react/src/useEditorEvents';
import { canWrite, colorFor } from '../../shared/token';
import type { CollabSession } from '../components/editor/CollabSession';
import { ImageDialog } from '../components/editor/ImageDialog';
import { uploadImageFiles } from '../components/editor/imageUploads';
import { LinkDialog } from '../components/editor/LinkDialog';
import { SaveStatus } from '../components/editor/SaveStatus';
import { Toolbar } from '../components/editor/Toolbar';
import { useCollabSession } from '../components/editor/useCollabSession';
import { useDocumentEditor } from '../components/editor/useDocumentEditor';
import { usePresence } from '../components/editor/usePresence';
import { useSessionStatus } from '../components/editor/useSessionStatus';
import { collabUrl } from '../lib/api';
import { HostBridge } from './HostBridge';
import '../components/editor/editor.css';
import './embed.css';

/** How the host asked the editor to look, from the frame's address. */
export interface EmbedSettings {
  theme: EmbedTheme;
  toolbar: boolean;
  readOnly: boolean;
  /** The host sizes the frame to the content (`height: 'auto'` in embed.js). */
  autoHeight: boolean;
}

interface Options {
  readOnly: boolean;
  theme: EmbedTheme;
}

/**
 * The embed page: waits for the host page (through embed.js) to hand over a token, then shows
 * the document's editor and reports events back to the host.
 */
export function EmbedPage({ name, settings }: { name: string; settings: EmbedSettings }) {
  const [phase, setPhase] = useState<'waiting' | 'standalone' | 'open'>('waiting');
  const [options, setOptions] = useState<Options>({ readOnly: settings.readOnly, theme: settings.theme });
  const bridge = useRef<HostBridge | null>(null);
  const initialToken = useRef<string | null>(null);
  const editor = useRef<Editor | null>(null);

  useEffect(() => {
    if (window.parent === window) {
      setPhase('standalone');
      return;
    }
    const merge = (changes: Partial<Options>) =>
      setOptions((current) => ({
        readOnly: typeof changes.readOnly === 'boolean' ? changes.readOnly : current.readOnly,
        theme: changes.theme === 'dark' || changes.theme === 'light' ? changes.theme : current.theme,
      }));
    const created = new HostBridge(name, {
      onInit: (token, changes) => {
        if (initialToken.current !== null) return;
        initialToken.current = token;
        merge(changes);
        setPhase('open');
      },
      onOptions: merge,
      getContent: (format) => {
        const current = editor.current;
        if (!current) return null;
        if (format === 'html') return current.getHTML();
        if (format === 'json') return JSON.stringify(current.getJSON());
        return current.getText({ blockSeparator: '\n\n' });
      },
    });
    bridge.current = created;
    created.start();
    return () => {
      created.stop();
      bridge.current = null;
    };
  }, [name]);

  // The first connection uses the token from `quire:init`; every later one asks the host afresh.
  const token = useCallback(async () => {
    const first = initialToken.current;
    if (first) {
      initialToken.current = '';
      return first;
    }
    if (!bridge.current) throw new Error('the embed page is not connected to a host page');
    return bridge.current.requestToken();
  }, []);

  if (phase === 'standalone') {
    return (
      <main className="embed-standalone">
        <h1>Embedded document</h1>
        <p>
          This address shows a Quire document inside another site, through <code>embed.js</code>. It needs the host page to hand it a token, so on its own it
          shows nothing.
        </p>
        <a href="/">Go to Quire</a>
      </main>
    );
  }
  if (phase === 'waiting' || !bridge.current) return <div className="embed-shell" data-theme={options.theme} aria-busy="true" />;
  return (
    <EmbedSession
      name={name}
      settings={settings}
      options={options}
      token={token}
      bridge={bridge.current}
      onEditor={(current) => {
        editor.current = current;
      }}
    />
  );
}

interface SessionProps {
  name: string;
  settings: EmbedSettings;
  options: Options;
  token: () => Promise<string>;
  bridge: HostBridge;
  onEditor: (editor: Editor | null) => void;
}

function EmbedSession(props: SessionProps) {
  const { bridge } = props;
  const [claims, setClaims] = useState<VisibleClaims | null>(null);
  const session = useCollabSession({
    name: props.name,
    url: collabUrl,
    // A frame on someone else's site keeps no copy of the document in the browser.
    keepOnDevice: false,
    token: async () => {
      try {
        const token = await props.token();
        const read = readClaims(token);
        setClaims((current) => (current && read && current.sub === read.sub && current.role === read.role && current.name === read.name ? current : read));
        return token;
      } catch (error) {
        bridge.emit('error', { code: 'token', message: error instanceof Error ? error.message : String(error) });
        throw error;
      }
    },
  });
  if (!session) return <div className="embed-shell" data-theme={props.options.theme} aria-busy="true" />;
  return <EmbedEditor {...props} session={session} claims={claims} />;
}

function EmbedEditor({ name, settings, options, bridge, onEditor, session, claims }: SessionProps & { session: CollabSession; claims: VisibleClaims | null }) {
  const status = useSessionStatus(session);
  const closed = status.state === 'refused' || status.state === 'deleted' || status.state === 'replaced';
  const readOnly = options.readOnly || !claims || !canWrite(claims.role) || closed;
  const [dialog, setDialog] = useState<'link' | 'image' | null>(null);
  const userName = claims?.name ?? 'Guest';
  const color = claims ? colorFor(claims.sub) : '#60646c';
  const user = useMemo(() => ({ name: userName, color }), [userName, color]);
  const [imageError, setImageError] = useState<string | null>(null);
  const editor = useDocumentEditor({
    session,
    editable: !readOnly,
    user,
    onLinkShortcut: readOnly ? undefined : () => flushSync(() => setDialog('link')),
    onImageError: (message) => {
      setImageError(message);
      bridge.emit('error', { code: 'image', message });
    },
  });
  const people = usePresence(session.provider, { id: claims?.sub ?? 'self', ...user, role: claims?.role ?? null });
  const shell = useRef<HTMLDivElement>(null);

  useEditorEvents({
    session,
    editor,
    people,
    document: name,
    readOnly,
    handlers: {
      onReady: (detail) => bridge.emit('ready', detail),
      onChange: (detail) => bridge.emit('change', detail),
      onSaved: () => bridge.emit('saved', {}),
      onPresence: (people) => bridge.emit('presence', { people }),
      onStatus: ({ state }) => bridge.emit('status', { state }),
      onError: (error) => bridge.emit('error', error),
    },
  });

  useEffect(() => {
    onEditor(editor);
    return () => onEditor(null);
  }, [editor, onEditor]);

  // For height "auto", the host sizes the frame to the content.
  useEffect(() => {
    const element = shell.current;
    if (!settings.autoHeight || !element) return;
    const observer = new ResizeObserver(() => bridge.resize(element.scrollHeight));
    observer.observe(element);
    return () => observer.disconnect();
  }, [settings.autoHeight, bridge]);

  return (
    <div ref={shell} className="embed-shell" data-theme={options.theme} data-height={settings.autoHeight ? 'auto' : 'fixed'}>
      {settings.toolbar && (
        <div className="embed-bar">
          {editor && !readOnly ? <Toolbar editor={editor} onLink={() => setDialog('link')} onImage={() => setDialog('image')} /> : <span className="spacer" />}
          <SaveStatus status={status} readOnly={readOnly} onRetry={session.retry} />
        </div>
      )}
      {closed && (
        <p className="embed-notice" role="alert">
          {status.detail}
        </p>
      )}
      {imageError && !closed && (
        <p className="embed-notice" role="alert">
          {imageError}{' '}
          <button type="button" onClick={() => setImageError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div className="embed-scroller">
        <EditorContent editor={editor} className="embed-content" />
      </div>
      {editor && dialog === 'link' && <LinkDialog editor={editor} onClose={() => setDialog(null)} />}
      {editor && dialog === 'image' && <ImageDialog editor={editor} onClose={() => setDialog(null)} onFiles={(files) => uploadImageFiles(editor, files)} />}
    </div>
  );
}
