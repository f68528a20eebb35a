'use client';

import type { Editor, JSONContent } from '@tiptap/core';
import { ArrowLeft, Bookmark, List, RefreshCw, RotateCcw } from 'lucide-react';
import { useCallback, useEffect, useId, useMemo, useRef, useState } from 'react';
import { UNTITLED } from '../../../shared/documentFields';
import { MAX_VERSION_LABEL_LENGTH } from '../../../shared/versionLabel';
import { errorMessage } from '../../lib/api';
import { fullTime } from '../../lib/relativeTime';
import { Dialog } from '../ui/Dialog';
import type { DiffSummary } from './diffHighlight';
import { HistoryApi, type Version, type VersionContent } from './historyApi';
import { VersionList } from './VersionList';
import { VersionView } from './VersionView';
import './history.css';

export interface HistoryPanelProps {
  name: string;
  /** The link secret the page was opened with. */
  linkKey: string;
  /** Whether this person may name and restore versions (the server checks it too). */
  canEdit: boolean;
  /** This browser's person: its server-issued id (to mark its changes) and the name it restores under. */
  user: { id?: string; name: string };
  /** The live editor, whose document is "current" when comparing. */
  editor: Editor | null;
  /** The live title. */
  currentTitle: string;
  onClose: () => void;
}

/** How often the list is refreshed while it is open (others keep editing, versions keep coming). */
const REFRESH_MS = 20_000;

/**
 * Version history, over the whole page: the versions with who contributed to each, the selected
 * version read-only (or, compared with the current document, what changed since), and for editors
 * naming versions and restoring one. Restoring is a new change everyone sees at once; the state
 * restored over stays in the list.
 */
export function HistoryPanel({ name, linkKey, canEdit, user, editor, currentTitle, onClose }: HistoryPanelProps) {
  const api = useMemo(() => new HistoryApi(name, linkKey), [name, linkKey]);
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [versions, setVersions] = useState<Version[] | null>(null);
  const [selected, setSelected] = useState<number | null>(null);
  const [content, setContent] = useState<VersionContent | null>(null);
  const [compare, setCompare] = useState(false);
  const [current, setCurrent] = useState<{ json: JSONContent; revision: number } | null>(null);
  const [summary, setSummary] = useState<DiffSummary | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [dialog, setDialog] = useState<'restore' | 'name-current' | 'rename' | null>(null);
  // On a phone the list and the selected version take the screen in turn (on a wide screen, both show).
  const [pane, setPane] = useState<'list' | 'version'>('list');
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  // A native modal dialog: focus stays inside, Escape closes it, focus returns to the opener.
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!element.open) element.showModal();
    const onNativeClose = () => onCloseRef.current();
    element.addEventListener('close', onNativeClose);
    return () => {
      element.removeEventListener('close', onNativeClose);
      if (element.open) element.close();
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  const refresh = useCallback(async () => {
    try {
      const list = await api.list();
      setVersions(list.versions);
      setSelected((id) => (id !== null && list.versions.some((version) => version.id === id) ? id : (list.versions[0]?.id ?? null)));
      setError(null);
    } catch (caught) {
      setError(`The versions could not be loaded: ${errorMessage(caught)}`);
    }
  }, [api]);

  useEffect(() => {
    void refresh();
    const timer = setInterval(() => void refresh(), REFRESH_MS);
    return () => clearInterval(timer);
  }, [refresh]);

  useEffect(() => {
    if (selected === null) return setContent(null);
    let cancelled = false;
    setContent(null);
    api.read(selected).then(
      (read) => {
        if (!cancelled) setContent(read);
      },
      (caught) => {
        if (!cancelled) setError(`The version could not be opened: ${errorMessage(caught)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [api, selected]);

  // "Current" follows the live document while comparing, a moment after each change.
  useEffect(() => {
    if (!compare || !editor) return;
    let revision = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const take = () => setCurrent({ json: editor.getJSON(), revision: revision++ });
    const onUpdate = () => {
      clearTimeout(timer);
      timer = setTimeout(take, 400);
    };
    take();
    editor.on('update', onUpdate);
    return () => {
      clearTimeout(timer);
      editor.off('update', onUpdate);
    };
  }, [compare, editor]);

  const selectedVersion = versions?.find((version) => version.id === selected) ?? null;
  const versionName = (version: Version) => version.label ?? fullTime(Date.parse(version.created));

  const act = async (action: () => Promise<string>) => {
    setError(null);
    setNotice(null);
    try {
      setNotice(await action());
      await refresh();
    } catch (caught) {
      setError(errorMessage(caught));
    }
  };

  const restore = () =>
    act(async () => {
      if (!selectedVersion) return '';
      const restored = await api.restore(selectedVersion.id, user.name);
      setSelected(restored.id);
      setCompare(false);
      return `Restored the version of ${fullTime(Date.parse(selectedVersion.created))}. The state before it is kept as a version.`;
    });

  const nameCurrent = (label: string) =>
    act(async () => {
      const version = await api.nameCurrent(label);
      setSelected(version.id);
      return `Saved the current document as “${version.label}”.`;
    });

  const rename = (label: string) =>
    act(async () => {
      if (!selectedVersion) return '';
      const version = await api.rename(selectedVersion.id, label);
      return version.label ? `Named this version “${version.label}”.` : 'This version is an automatic one again.';
    });

  const shownTitle = (compare ? currentTitle : content?.title)?.trim() || UNTITLED;
  const titleChanged = compare && content && content.title.trim() !== currentTitle.trim();

  return (
    <dialog ref={ref} className="history-screen" aria-labelledby={titleId} data-pane={pane}>
      <header className="history-bar">
        <button type="button" className="icon-button" aria-label="Back to the document" title="Back to the document" onClick={() => ref.current?.close()}>
          <ArrowLeft aria-hidden />
        </button>
        <h2 id={titleId}>Version history</h2>
        <span className="spacer" />
        <button type="button" className="history-list-button" onClick={() => setPane('list')}>
          <List size={16} aria-hidden />
          All versions
        </button>
        <div className="history-version-actions">
          {selectedVersion && (
            <label className="compare-toggle">
              <input type="checkbox" checked={compare} onChange={(event) => setCompare(event.target.checked)} disabled={!editor} />
              Compare with current
            </label>
          )}
          {canEdit && selectedVersion && (
            <>
              <button type="button" onClick={() => setDialog('rename')}>
                <Bookmark size={16} aria-hidden />
                {selectedVersion.label ? 'Rename' : 'Name this version'}
              </button>
              <button type="button" className="primary" onClick={() => setDialog('restore')}>
                <RotateCcw size={16} aria-hidden />
                Restore this version
              </button>
            </>
          )}
        </div>
      </header>

      <div className="history-body">
        <section className="history-preview" aria-label={compare ? 'Changes since the selected version' : 'The selected version'}>
          {error && (
            <p role="alert" className="banner banner-error">
              {error}
            </p>
          )}
          {notice && (
            <p role="status" className="banner banner-info">
              {notice}
            </p>
          )}
          {compare && summary && (
            <p className="diff-legend" role="status">
              Since this version: <ins className="diff-inserted">{plural(summary.insertions, 'insertion')}</ins>,{' '}
              <del className="diff-deleted">{plural(summary.deletions, 'deletion')}</del>
              {summary.insertions + summary.deletions === 0 && ' — the body did not change'}
            </p>
          )}
          {versions && versions.length === 0 && (
            <div className="history-empty">
              <p>No versions yet.</p>
              <p className="muted">
                Versions are saved automatically as people edit: after a pause, every few minutes while editing goes on, and when the last person leaves.
                {canEdit && ' To keep the document as it is now, name this version.'}
              </p>
            </div>
          )}
          {content && (!compare || current) && (
            <div className="page-sheet history-sheet">
              <h1 className="history-doc-title">
                {titleChanged && <del className="diff-deleted">{content.title.trim() || UNTITLED}</del>}
                {titleChanged ? <ins className="diff-inserted">{shownTitle}</ins> : shownTitle}
              </h1>
              {compare && current ? (
                <VersionView
                  key={`compare-${content.version.id}-${current.revision}`}
                  content={current.json}
                  comparedWith={content.content}
                  onSummary={setSummary}
                  label="The current document, with the changes since the selected version"
                />
              ) : (
                <VersionView key={`version-${content.version.id}`} content={content.content} label={`The document as of ${versionName(content.version)}`} />
              )}
            </div>
          )}
          {selected !== null && !content && !error && <p className="muted history-loading">Opening the version…</p>}
        </section>

        <aside className="history-sidebar">
          <div className="history-sidebar-head">
            {canEdit && (
              <button type="button" onClick={() => setDialog('name-current')}>
                <Bookmark size={16} aria-hidden />
                Name current version
              </button>
            )}
            <span className="spacer" />
            <button type="button" className="icon-button" aria-label="Refresh the list" title="Refresh the list" onClick={() => void refresh()}>
              <RefreshCw aria-hidden />
            </button>
          </div>
          {versions ? (
            <VersionList
              versions={versions}
              selected={selected}
              selfId={user.id}
              onSelect={(id) => {
                setSelected(id);
                setSummary(null);
                setNotice(null);
                setPane('version');
              }}
            />
          ) : (
            <p className="muted">Loading versions…</p>
          )}
        </aside>
      </div>

      {dialog === 'restore' && selectedVersion && (
        <Dialog
          title="Restore this version?"
          onClose={() => setDialog(null)}
          actions={
            <>
              <button type="button" onClick={() => setDialog(null)}>
                Cancel
              </button>
              <button
                type="button"
                className="primary"
                onClick={() => {
                  setDialog(null);
                  void restore();
                }}
              >
                Restore
              </button>
            </>
          }
        >
          <p>
            The document will look as it did at “{versionName(selectedVersion)}”. Everyone editing it sees the change at once. Nothing is lost: the document as
            it is now is kept as a version.
          </p>
        </Dialog>
      )}
      {(dialog === 'name-current' || dialog === 'rename') && (
        <LabelDialog
          title={dialog === 'rename' ? (selectedVersion?.label ? 'Rename this version' : 'Name this version') : 'Name current version'}
          initial={dialog === 'rename' ? (selectedVersion?.label ?? '') : ''}
          allowEmpty={dialog === 'rename' && Boolean(selectedVersion?.label)}
          onClose={() => setDialog(null)}
          onSave={(label) => {
            setDialog(null);
            void (dialog === 'rename' ? rename(label) : nameCurrent(label));
          }}
        />
      )}
    </dialog>
  );
}

/** Asks for a version name; an empty name (when allowed) makes a named version automatic again. */
function LabelDialog({
  title,
  initial,
  allowEmpty,
  onSave,
  onClose,
}: {
  title: string;
  initial: string;
  allowEmpty: boolean;
  onSave: (label: string) => void;
  onClose: () => void;
}) {
  const [label, setLabel] = useState(initial);
  const inputId = useId();
  const valid = label.trim().length > 0 || allowEmpty;
  return (
    <Dialog title={title} onClose={onClose}>
      <form
        className="label-form"
        onSubmit={(event) => {
          event.preventDefault();
          if (valid) onSave(label.trim());
        }}
      >
        <label htmlFor={inputId}>Version name</label>
        <input
          id={inputId}
          value={label}
          maxLength={MAX_VERSION_LABEL_LENGTH}
          onChange={(event) => setLabel(event.target.value)}
          placeholder="For example: Sent for review"
        />
        {allowEmpty && <p className="muted">Leave it empty to make this an automatic version again (kept only as long as the retention policy says).</p>}
        <footer className="dialog-actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={!valid}>
            Save
          </button>
        </footer>
      </form>
    </Dialog>
  );
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}
