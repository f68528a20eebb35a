'use client';

import type { AnyExtension } from '@tiptap/core';
import { type Editor, EditorContent } from '@tiptap/react';
import './editor.css';
import './panels.css';
import dynamic from 'next/dynamic';
import { type ReactNode, useEffect, useState, useSyncExternalStore } from 'react';
import { flushSync } from 'react-dom';
import type { CollabSession } from './CollabSession';
import type { FindMode } from './find/FindPanel';
import { ImageDialog } from './ImageDialog';
import { uploadImageFiles } from './imageUploads';
import { LinkDialog } from './LinkDialog';
import { SlashMenuStore } from './slash/SlashMenuStore';
import { Toolbar } from './Toolbar';
import { type CaretUser, useDocumentEditor } from './useDocumentEditor';
import { usePreloadedComponent } from './usePreloadedComponent';
import { WordCount } from './WordCount';

// Not loaded with the editor: find right after it (it must open at once for the keys typed after
// Ctrl+F), the outline and the / menu's list when first shown.
const loadFindPanel = () => import('./find/FindPanel').then((module) => module.FindPanel);
const OutlinePanel = dynamic(() => import('./outline/OutlinePanel').then((module) => module.OutlinePanel), { ssr: false });
const SlashMenu = dynamic(() => import('./slash/SlashMenu').then((module) => module.SlashMenu), { ssr: false });

/** The panels around the text that the page opens and closes (from its menu and shortcuts). */
export interface EditorPanels {
  /** The find bar, and whether it shows replacing; null when closed. */
  find: FindMode | null;
  /** Bumped when Ctrl+F is pressed with find already open. */
  findFocus: number;
  outline: boolean;
  onFindChange: (mode: FindMode | null) => void;
  onOutlineChange: (open: boolean) => void;
}

interface DocumentEditorProps {
  session: CollabSession;
  /** False for view-only access (the server enforces it too) or once the document is gone. */
  editable: boolean;
  user: CaretUser;
  /** Receives the editor once it exists (for export, focus, …). */
  onEditor?: (editor: Editor | null) => void;
  placeholder?: string;
  /** Find, and the outline beside the page; without it the editor has neither. */
  panels?: EditorPanels;
  /** Extensions of the hosting page (comments). */
  extensions?: AnyExtension[];
  /** Shown beside the page (the comments); receives the editor. */
  aside?: (editor: Editor | null) => ReactNode;
  /** Comments on the selection, from the toolbar. */
  onComment?: () => void;
  /** Whether the formatting toolbar shows (default: when `editable`; a commenter suggesting types without it). */
  toolbar?: boolean;
}

/**
 * The rich-text editor of one collaborative document: toolbar, body and counts, the / insert
 * menu, and (when the page manages them) find and replace and the outline. It takes an open
 * `CollabSession`, so any page (the app's editor page, an embed) can host it.
 */
export function DocumentEditor({
  session,
  editable,
  user,
  onEditor,
  placeholder,
  panels,
  extensions,
  aside,
  onComment,
  toolbar = editable,
}: DocumentEditorProps) {
  const [dialog, setDialog] = useState<'link' | 'image' | null>(null);
  const [imageError, setImageError] = useState<string | null>(null);
  const [slashStore] = useState(() => new SlashMenuStore({ insertImage: () => setDialog('image') }));
  // Rendered in the same task as Ctrl+K, so the key typed next lands in the dialog's field.
  const editor = useDocumentEditor({
    session,
    editable,
    user,
    placeholder,
    extensions,
    onLinkShortcut: editable ? () => flushSync(() => setDialog('link')) : undefined,
    onImageError: setImageError,
  });
  const FindPanel = usePreloadedComponent(loadFindPanel);
  const slashOpen = useSyncExternalStore(
    slashStore.subscribe,
    () => slashStore.getSnapshot().open,
    () => false,
  );
  const [slashUsed, setSlashUsed] = useState(false);
  if (slashOpen && !slashUsed) setSlashUsed(true);

  // The / menu's plugin arrives right after the editor (typing "/" before it is only a slash).
  useEffect(() => {
    if (!editor) return;
    let unregister: (() => void) | undefined;
    let cancelled = false;
    import('./slash/slashPlugin').then(
      ({ registerSlashMenu }) => {
        if (!cancelled && !editor.isDestroyed) unregister = registerSlashMenu(editor, slashStore);
      },
      () => undefined,
    );
    return () => {
      cancelled = true;
      unregister?.();
    };
  }, [editor, slashStore]);

  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  return (
    <div className="document-editor">
      {toolbar && (
        <div className="toolbar-row">
          {editor ? (
            <Toolbar editor={editor} onLink={() => setDialog('link')} onImage={() => setDialog('image')} onComment={onComment} />
          ) : (
            <div className="toolbar" aria-hidden />
          )}
        </div>
      )}
      {imageError && (
        <p role="alert" className="banner banner-error image-error">
          {imageError}{' '}
          <button type="button" onClick={() => setImageError(null)}>
            Dismiss
          </button>
        </p>
      )}
      <div className="editor-area">
        {editor && panels?.outline && <OutlinePanel editor={editor} onClose={() => panels.onOutlineChange(false)} />}
        <div className={aside ? 'page-scroller with-comments' : 'page-scroller'}>
          {editor && FindPanel && panels?.find && (
            <FindPanel
              editor={editor}
              mode={panels.find}
              onModeChange={panels.onFindChange}
              focusRequest={panels.findFocus}
              onClose={() => panels.onFindChange(null)}
            />
          )}
          <div className="page-sheet">
            <EditorContent editor={editor} className="editor-content" />
          </div>
          {aside?.(editor)}
          {editor && <WordCount editor={editor} />}
        </div>
      </div>
      {slashUsed && <SlashMenu store={slashStore} />}
      {editor && dialog === 'link' && <LinkDialog editor={editor} onClose={() => setDialog(null)} />}
      {editor && dialog === 'image' && (
        <ImageDialog
          editor={editor}
          onClose={() => setDialog(null)}
          onFiles={(files) => {
            setImageError(null);
            uploadImageFiles(editor, files);
          }}
        />
      )}
    </div>
  );
}
