'use client';

import type { AnyExtension } from '@tiptap/core';
import { type Editor, EditorContent } from '@tiptap/react';
import './editor.css';
import { type ReactNode, useEffect, useState } from 'react';
import type { CollabSession } from './CollabSession';
import { ImageDialog } from './ImageDialog';
import { LinkDialog } from './LinkDialog';
import { Toolbar } from './Toolbar';
import { type CaretUser, useDocumentEditor } from './useDocumentEditor';
import { WordCount } from './WordCount';

interface DocumentEditorProps {
  session: CollabSession;
  /** False for view-only access (the server enforces it too) or once the document is gone. */
  editable: boolean;
  user: CaretUser;
  /** Receives the editor once it exists (for export, focus, …). */
  onEditor?: (editor: Editor | null) => void;
  placeholder?: string;
  /** Extensions of the hosting page (comments). */
  extensions?: AnyExtension[];
  /** Shown beside the page (the comments); receives the editor. */
  aside?: (editor: Editor | null) => ReactNode;
  /** Comments on the selection, from the toolbar. */
  onComment?: () => void;
}

/**
 * The rich-text editor of one collaborative document: toolbar, body and counts. It takes an open
 * `CollabSession`, so any page (the app's editor page, an embed) can host it.
 */
export function DocumentEditor({ session, editable, user, onEditor, placeholder, extensions, aside, onComment }: DocumentEditorProps) {
  const [dialog, setDialog] = useState<'link' | 'image' | null>(null);
  const editor = useDocumentEditor({ session, editable, user, placeholder, extensions, onLinkShortcut: editable ? () => setDialog('link') : undefined });

  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  return (
    <div className="document-editor">
      {editable && (
        <div className="toolbar-row">
          {editor ? (
            <Toolbar editor={editor} onLink={() => setDialog('link')} onImage={() => setDialog('image')} onComment={onComment} />
          ) : (
            <div className="toolbar" aria-hidden />
          )}
        </div>
      )}
      <div className={aside ? 'page-scroller with-comments' : 'page-scroller'}>
        <div className="page-sheet">
          <EditorContent editor={editor} className="editor-content" />
        </div>
        {aside?.(editor)}
        {editor && <WordCount editor={editor} />}
      </div>
      {editor && dialog === 'link' && <LinkDialog editor={editor} onClose={() => setDialog(null)} />}
      {editor && dialog === 'image' && <ImageDialog editor={editor} onClose={() => setDialog(null)} />}
    </div>
  );
}
