'use client';

import { type Editor, EditorContent } from '@tiptap/react';
import './editor.css';
import { useEffect, useState } from 'react';
import type { CollabSession } from './CollabSession';
import { ImageDialog } from './ImageDialog';
import { uploadImageFiles } from './imageUploads';
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
}

/**
 * The rich-text editor of one collaborative document: toolbar, body and counts. It takes an open
 * `CollabSession`, so any page (the app's editor page, an embed) can host it.
 */
export function DocumentEditor({ session, editable, user, onEditor, placeholder }: DocumentEditorProps) {
  const [dialog, setDialog] = useState<'link' | 'image' | null>(null);
  const [imageError, setImageError] = useState<string | null>(null);
  const editor = useDocumentEditor({
    session,
    editable,
    user,
    placeholder,
    onLinkShortcut: editable ? () => setDialog('link') : undefined,
    onImageError: setImageError,
  });

  useEffect(() => {
    onEditor?.(editor);
    return () => onEditor?.(null);
  }, [editor, onEditor]);

  return (
    <div className="document-editor">
      {editable && (
        <div className="toolbar-row">
          {editor ? <Toolbar editor={editor} onLink={() => setDialog('link')} onImage={() => setDialog('image')} /> : <div className="toolbar" aria-hidden />}
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
      <div className="page-scroller">
        <div className="page-sheet">
          <EditorContent editor={editor} className="editor-content" />
        </div>
        {editor && <WordCount editor={editor} />}
      </div>
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
