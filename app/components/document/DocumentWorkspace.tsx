'use client';

import { Selection } from '@tiptap/pm/state';
import type { Editor } from '@tiptap/react';
import {
  Activity,
  ArrowLeft,
  Download,
  EllipsisVertical,
  FileCode,
  FileJson,
  FileText,
  Keyboard,
  ListTree,
  MessageSquare,
  Printer,
  Search,
  Share2,
  Trash2,
  UserRound,
} from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { UNTITLED } from '../../../shared/documentFields';
import { canComment, canWrite, type Role } from '../../../shared/token';
import type { AccessRole } from '../../../shared/workspaceTypes';
import { ApiError, collabUrl, errorMessage, exportFile, type HeldLinkChange, linkEndedMessage, type OpenedLink } from '../../lib/api';
import { downloadFile } from '../../lib/download';
import type { ExportFormat } from '../../lib/exportDocument';
import { setFlash } from '../../lib/flash';
import { type LocalIdentity, UNKNOWN_COLOR } from '../../lib/identity';
import { forgetDocument, updateRecentDocument } from '../../lib/recentDocuments';
import { useWorkspaceComments } from '../comments/useWorkspaceComments';
import { DocumentEditor } from '../editor/DocumentEditor';
import { MOD } from '../editor/formatCommands';
import { PresenceAvatars } from '../editor/PresenceAvatars';
import { SaveStatus } from '../editor/SaveStatus';
import { TitleField } from '../editor/TitleField';
import { useCollabSession } from '../editor/useCollabSession';
import { usePreloadedComponent } from '../editor/usePreloadedComponent';
import { usePresence } from '../editor/usePresence';
import { useSessionStatus } from '../editor/useSessionStatus';
import { useTitle } from '../editor/useTitle';
import { HistoryButton } from '../history/HistoryButton';
import { LazyHistoryPanel } from '../history/LazyHistoryPanel';
import { useWorkspaceSuggestions } from '../suggestions/useWorkspaceSuggestions';
import { Menu, MenuItem, MenuSeparator } from '../ui/Menu';
import { ActivityDialog } from './ActivityDialog';
import { DeleteDialog } from './DeleteDialog';
import { DocumentSkeleton } from './DocumentSkeleton';
import { NameDialog } from './NameDialog';
import { NamePrompt, useFirstLocalEdit } from './NamePrompt';
import { ShareDialog } from './ShareDialog';
import { useDistinctDefaultName } from './useDistinctDefaultName';
import { useEditorPanels } from './useEditorPanels';

// Loaded after the editor, then shown at once by Ctrl+/ (its search field takes the next keys).
const loadShortcutsDialog = () => import('../editor/shortcuts/ShortcutsDialog').then((module) => module.ShortcutsDialog);

interface WorkspaceProps {
  name: string;
  /** The link secret this page was opened with (the fragment). */
  linkKey: string;
  role: Role;
  /** What the server said about the link (absent when the page was opened offline). */
  opened?: OpenedLink;
  /** Opened by a signed-in member without a link: their access (the server checks it again on every action). */
  memberAccess?: AccessRole;
  identity: LocalIdentity;
  onIdentityChange: (identity: LocalIdentity) => void;
  /** After a link was created or reset from the Share dialog. */
  onLinksChange: (change: HeldLinkChange) => void;
  /** A fresh collab token for this link; throws `ApiError` 404 once the link no longer works, 410 once it was reset or expired. */
  fetchToken: () => Promise<string>;
}

const MEMBER_REMOVED = 'Your access to this document was removed.';

/** The editor page once a link was opened: header (title, status, people, share, menu) and editor. */
export function DocumentWorkspace(props: WorkspaceProps) {
  const session = useCollabSession({
    name: props.name,
    url: collabUrl,
    token: props.fetchToken,
    isAccessGone: (error) => error instanceof ApiError && error.status === 404,
    revokedBecause: linkEndedMessage,
    // Opened without a link: as a signed-in member, whose access can be removed.
    revokedMessage: props.linkKey ? undefined : MEMBER_REMOVED,
  });
  if (!session) return <DocumentSkeleton />;
  return <Workspace {...props} session={session} />;
}

function Workspace({
  name,
  linkKey,
  role,
  opened,
  memberAccess,
  identity,
  onIdentityChange,
  onLinksChange,
  session,
}: WorkspaceProps & { session: NonNullable<ReturnType<typeof useCollabSession>> }) {
  const router = useRouter();
  const status = useSessionStatus(session);
  const { title } = useTitle(session.doc);
  const [editor, setEditor] = useState<Editor | null>(null);
  const [dialog, setDialog] = useState<'share' | 'name' | 'delete' | 'name-prompt' | 'activity' | null>(null);
  const [deletingHere, setDeletingHere] = useState(false);
  const [historyOpen, setHistoryOpen] = useState(false);
  const [exportError, setExportError] = useState<string | null>(null);
  const closed = status.state === 'deleted' || status.state === 'refused' || status.state === 'revoked' || status.state === 'replaced';
  const writer = canWrite(role);
  const editable = writer && !closed;
  const user = useMemo(() => ({ name: identity.name, color: identity.color ?? UNKNOWN_COLOR }), [identity]);
  const participants = usePresence(session.provider, { id: identity.id ?? 'self', ...user, role });
  const shownTitle = title.trim() || UNTITLED;
  const comments = useWorkspaceComments({ name, linkKey, doc: session.doc, role, identity, participants, closed, editor });
  const suggestions = useWorkspaceSuggestions({ role, identity, closed, editor, startComment: comments.startDraft });
  const extensions = useMemo(() => [...comments.extensions, suggestions.extension], [comments.extensions, suggestions.extension]);
  const panels = useEditorPanels();
  const ShortcutsDialog = usePreloadedComponent(loadShortcutsDialog);

  useEffect(() => {
    document.title = `${shownTitle} · Quire`;
  }, [shownTitle]);

  // Keep this browser's document list current, so it shows the right title even offline.
  useEffect(() => {
    if (status.state !== 'deleted') updateRecentDocument(name, { title: title.trim() });
  }, [name, title, status.state]);

  useEffect(() => {
    if (status.state === 'saved') updateRecentDocument(name, { updatedAt: Date.now() });
  }, [name, status.state]);

  // A deleted document leaves no copy behind in this browser; nor does one replaced by a new
  // document of the same name (its copy stays downloadable from memory until the page closes).
  useEffect(() => {
    if (status.state !== 'deleted' && status.state !== 'replaced') return;
    if (status.state === 'deleted') forgetDocument(name);
    void session.clearLocalCopy();
  }, [status.state, name, session]);

  // Closing the tab with changes the server has not confirmed asks first.
  useEffect(() => {
    if (!canComment(role) || !status.unsaved || closed) return;
    const onBeforeUnload = (event: BeforeUnloadEvent) => {
      event.preventDefault();
      event.returnValue = '';
    };
    window.addEventListener('beforeunload', onBeforeUnload);
    return () => window.removeEventListener('beforeunload', onBeforeUnload);
  }, [role, status.unsaved, closed]);

  const download = useCallback(
    async (format: ExportFormat) => {
      if (!editor) return;
      setExportError(null);
      try {
        const { exportDocument } = await import('../../lib/exportDocument');
        const { exportThreads } = await import('../../../shared/comments/threadExport');
        const file = await exportDocument(editor.state.doc, title.trim(), format, format === 'json' ? exportThreads(session.doc, editor.state.doc) : []);
        downloadFile(file.filename, file.type, file.content);
      } catch (error) {
        setExportError(`The download failed: ${errorMessage(error)}`);
      }
    },
    [editor, title, session],
  );

  /** A Word or PDF file of the document as saved, made by the server (no print dialog). */
  const downloadFromServer = useCallback(
    async (format: 'docx' | 'pdf') => {
      setExportError(null);
      try {
        const { fileBaseName } = await import('../../lib/exportDocument');
        downloadFile(`${fileBaseName(title.trim())}.${format}`, '', await exportFile(name, linkKey, format));
      } catch (error) {
        setExportError(`The download failed: ${errorMessage(error)}`);
      }
    },
    [name, linkKey, title],
  );

  /** The copy this device had before a document replaced it (the editor's content when there is no such copy). */
  const downloadCopy = useCallback(async () => {
    const copy = session.copyBeforeSync();
    if (!copy) return download('markdown');
    setExportError(null);
    try {
      const { exportState } = await import('../../lib/exportDocument');
      const file = await exportState(copy, 'markdown');
      downloadFile(file.filename, file.type, file.content);
    } catch (error) {
      setExportError(`The download failed: ${errorMessage(error)}`);
    }
  }, [session, download]);

  // The name others see comes from the token: a new name reconnects to get one with it.
  const identityNow = useRef(identity);
  identityNow.current = identity;
  const updateIdentity = useCallback(
    (change: Partial<LocalIdentity>) => {
      // Kept at once, so a change right after this one (the dialog closing after Save) builds on it.
      identityNow.current = { ...identityNow.current, ...change };
      onIdentityChange(identityNow.current);
    },
    [onIdentityChange],
  );
  const renameTo = useCallback(
    (change: Partial<LocalIdentity>) => {
      updateIdentity(change);
      session.reconnect();
    },
    [updateIdentity, session],
  );
  const changeName = (newName: string) => renameTo({ name: newName, named: true, asked: true });
  const keepDefaultName = useCallback((name: string) => renameTo({ name, named: false }), [renameTo]);
  useDistinctDefaultName(identity, participants, keepDefaultName);

  // A default name is asked to be replaced once, after the first edit here (and never again in this browser once answered).
  const askable = editable && !identity.named && !identity.asked;
  const edited = useFirstLocalEdit(session.doc, askable);
  const dismissNamePrompt = () => updateIdentity({ asked: true });
  // The request's banner is gone once answered, so focus cannot return there as it does after
  // other dialogs: it goes back to the text, where the person was typing. After the name dialog,
  // only once that dialog has closed (while it is open, the page behind it takes no focus).
  const [backToText, setBackToText] = useState(false);
  useEffect(() => {
    if (!backToText || dialog !== null || !editor) return;
    setBackToText(false);
    editor.view.focus();
  }, [backToText, dialog, editor]);

  // Synchronous on purpose: Tiptap's focus command waits for the next animation frame, and
  // whatever is typed right after Enter would still land in the title.
  const focusBody = useCallback(() => {
    if (!editor) return;
    const { state, view } = editor;
    view.dispatch(state.tr.setSelection(Selection.atStart(state.doc)).scrollIntoView());
    view.focus();
  }, [editor]);

  // The caret starts in the text (a new document takes typing at once), unless the person has
  // already put focus somewhere else while the page was opening.
  const editorReady = editor !== null && editable;
  useEffect(() => {
    if (editorReady && (document.activeElement === null || document.activeElement === document.body)) focusBody();
  }, [editorReady, focusBody]);

  return (
    <div className="doc-app">
      <header className="doc-header">
        <Link href="/" className="icon-button" aria-label="All documents" title="All documents">
          <ArrowLeft aria-hidden />
        </Link>
        <div className="doc-title-block">
          <TitleField doc={session.doc} readOnly={!editable} onEnter={focusBody} />
          <SaveStatus status={status} readOnly={!canComment(role)} onRetry={session.retry} />
        </div>
        <PresenceAvatars participants={participants} onSelfClick={() => setDialog('name')} />
        {suggestions.modeSwitch}
        <button type="button" className="icon-button" aria-label="Comments" title="Comments" aria-pressed={comments.open} onClick={comments.toggle}>
          <MessageSquare size={18} aria-hidden />
        </button>
        <HistoryButton onClick={() => setHistoryOpen(true)} />
        {status.state !== 'deleted' && status.state !== 'revoked' && (
          <button type="button" className="primary share-button" onClick={() => setDialog('share')} aria-label="Share">
            <Share2 size={16} aria-hidden />
            <span className="share-label">Share</span>
          </button>
        )}
        <Menu label="Document menu" button={<EllipsisVertical aria-hidden />}>
          <MenuItem icon={<Download size={16} />} onSelect={() => void download('markdown')} disabled={!editor}>
            Download Markdown (.md)
          </MenuItem>
          <MenuItem icon={<FileCode size={16} />} onSelect={() => void download('html')} disabled={!editor}>
            Download HTML (.html)
          </MenuItem>
          <MenuItem icon={<FileJson size={16} />} onSelect={() => void download('json')} disabled={!editor}>
            Download JSON (.json)
          </MenuItem>
          <MenuItem icon={<FileText size={16} />} onSelect={() => void downloadFromServer('docx')}>
            Download Word (.docx)
          </MenuItem>
          <MenuItem icon={<FileText size={16} />} onSelect={() => void downloadFromServer('pdf')}>
            Download PDF (.pdf)
          </MenuItem>
          <MenuItem icon={<Printer size={16} />} onSelect={() => window.print()} hint={`${MOD}P`}>
            Print
          </MenuItem>
          <MenuSeparator />
          <MenuItem icon={<Search size={16} />} onSelect={() => panels.openFind(editable ? 'replace' : 'find')} hint={`${MOD}F`} disabled={!editor}>
            {editable ? 'Find and replace…' : 'Find…'}
          </MenuItem>
          <MenuItem icon={<ListTree size={16} />} onSelect={() => panels.onOutlineChange(!panels.outline)} checked={panels.outline}>
            Outline
          </MenuItem>
          <MenuItem icon={<Keyboard size={16} />} onSelect={() => panels.setShortcuts(true)} hint={`${MOD}/`}>
            Keyboard shortcuts
          </MenuItem>
          <MenuSeparator />
          {((opened && opened.manages.length > 0) || memberAccess === 'owner' || memberAccess === 'editor') && (
            <MenuItem icon={<Activity size={16} />} onSelect={() => setDialog('activity')}>
              Activity…
            </MenuItem>
          )}
          <MenuItem icon={<UserRound size={16} />} onSelect={() => setDialog('name')}>
            Your name…
          </MenuItem>
          {(memberAccess ? memberAccess === 'owner' : writer) && (
            <MenuItem icon={<Trash2 size={16} />} onSelect={() => setDialog('delete')} disabled={closed} danger>
              Delete document…
            </MenuItem>
          )}
        </Menu>
      </header>

      {closed && !deletingHere && (
        <ClosedNotice
          state={status.state}
          detail={status.detail}
          onRetry={session.retry}
          onDownload={() => void (status.state === 'replaced' ? downloadCopy() : download('markdown'))}
          onOpenCurrent={() => void session.clearLocalCopy().then(() => window.location.reload())}
        />
      )}
      {exportError && (
        <p role="alert" className="banner banner-error">
          {exportError}
        </p>
      )}
      {!writer && !closed && (
        <p className="banner banner-info">
          {canComment(role)
            ? 'You can comment on this document. In Suggesting mode you can also suggest changes; changing its text needs the edit link.'
            : 'You are viewing this document. Changes need the edit link.'}
        </p>
      )}
      {askable && edited && dialog !== 'name-prompt' && (
        <NamePrompt
          name={identity.name}
          onChoose={() => setDialog('name-prompt')}
          onDismiss={() => {
            dismissNamePrompt();
            setBackToText(true);
          }}
        />
      )}

      <h1 className="print-title">{shownTitle}</h1>
      <DocumentEditor
        session={session}
        editable={editable || suggestions.suggesting}
        user={user}
        onEditor={setEditor}
        panels={panels}
        extensions={extensions}
        onComment={comments.startDraft}
        aside={(current) => comments.aside(current, suggestions.cards)}
        toolbar={editable}
      />
      {ShortcutsDialog && panels.shortcuts && <ShortcutsDialog onClose={() => panels.setShortcuts(false)} />}

      {dialog === 'share' && (
        <ShareDialog name={name} linkKey={linkKey} opened={opened} userName={identity.name} onChange={onLinksChange} onClose={() => setDialog(null)} />
      )}
      {historyOpen && (
        <LazyHistoryPanel
          name={name}
          linkKey={linkKey}
          canEdit={editable}
          user={identity}
          editor={editor}
          currentTitle={title}
          onClose={() => setHistoryOpen(false)}
        />
      )}
      {dialog === 'name' && (
        <NameDialog name={identity.named ? identity.name : ''} placeholder={identity.name} onSave={changeName} onClose={() => setDialog(null)} />
      )}
      {dialog === 'name-prompt' && (
        <NameDialog
          title="What is your name?"
          intro={`You are editing as ${identity.name}. Others in this document see your name on your cursor and in the list of people here.`}
          name=""
          placeholder={identity.name}
          onSave={changeName}
          onClose={() => {
            setDialog(null);
            setBackToText(true);
            // Escape or Cancel: declined, not asked again; after Save the name is chosen.
            if (!identityNow.current.named) dismissNamePrompt();
          }}
        />
      )}
      {dialog === 'activity' && <ActivityDialog name={name} linkKey={linkKey} onClose={() => setDialog(null)} />}
      {dialog === 'delete' && (
        <DeleteDialog
          name={name}
          editKey={linkKey}
          title={shownTitle}
          userName={identity.name}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            setDeletingHere(true);
            forgetDocument(name);
            void session.clearLocalCopy();
            setFlash(`“${shownTitle}” was deleted.`);
            router.push('/');
          }}
        />
      )}
    </div>
  );
}

/**
 * Why the page stopped editing, and what can be done: a copy of what it shows can be downloaded
 * when the document was deleted, replaced or the link reset (unsaved edits included); a refusal
 * may pass.
 */
function ClosedNotice({
  state,
  detail,
  onRetry,
  onDownload,
  onOpenCurrent,
}: {
  state: string;
  detail?: string;
  onRetry: () => void;
  onDownload: () => void;
  onOpenCurrent: () => void;
}) {
  const notice: { title: string; text: string; action: { label: string; run: () => void }; openCurrent?: boolean } =
    state === 'revoked'
      ? {
          title: detail ?? 'This link no longer works.',
          text: 'You can no longer edit or see changes here; ask whoever shared it for the current link. What this page shows stays until you leave it.',
          action: { label: 'Download a copy', run: onDownload },
        }
      : state === 'replaced'
        ? {
            title: 'This document was deleted and created again.',
            text: 'The copy on this device is from before; it was not merged into the new document, and nothing you change here is saved.',
            action: { label: 'Download your copy', run: onDownload },
            openCurrent: true,
          }
        : state === 'deleted'
          ? {
              title: 'This document was deleted.',
              text: 'It can no longer be edited, and its links no longer work.',
              action: { label: 'Download a copy', run: onDownload },
            }
          : { title: 'Access refused.', text: detail ?? 'The server no longer accepts this link for this document.', action: { label: 'Retry', run: onRetry } };
  return (
    <div role="alert" className="banner banner-error closed-notice">
      <strong>{notice.title}</strong> {notice.text}
      <span className="banner-actions">
        <button type="button" onClick={notice.action.run}>
          {notice.action.label}
        </button>
        {notice.openCurrent ? (
          <button type="button" onClick={onOpenCurrent}>
            Open the current document
          </button>
        ) : (
          <Link href="/" className="button">
            Go to your documents
          </Link>
        )}
      </span>
    </div>
  );
}
