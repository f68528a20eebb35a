'use client';

import { type AnyExtension, Extension } from '@tiptap/core';
import CollaborationCaret from '@tiptap/extension-collaboration-caret';
import { CharacterCount, Placeholder } from '@tiptap/extensions';
import { type Editor, useEditor } from '@tiptap/react';
import { useEffect, useRef } from 'react';
import { BODY_FIELD } from '../../../shared/documentFields';
import { documentExtensions } from '../../../shared/editorExtensions';
import { foreignHtmlToEditorHtml } from '../../../shared/foreignHtml';
import { pageNonce } from '../../lib/pageNonce';
import type { CollabSession } from './CollabSession';
import { imageUploadPath } from './imageUpload';
import { ImageUploads } from './imageUploads';
import { withImageView } from './imageView';
import { PageSelection } from './pageSelection';
import { ClearFormatting } from './textFormat/clearFormatting';
import { TolerantCollaboration } from './tolerantCollaboration';

/** Who this user is to others: the name and color on their caret. */
export interface CaretUser {
  name: string;
  color: string;
}

interface Options {
  session: CollabSession;
  editable: boolean;
  user: CaretUser;
  placeholder?: string;
  /** Called for Mod-K (add or edit a link). */
  onLinkShortcut?: () => void;
  /**
   * The Quire server's origin when the editor runs on another one (`<QuireEditor>`): images it
   * stores are loaded from it, and uploads go to it. Default: this page's origin.
   */
  serverOrigin?: string;
  /** Told why an image was not added (too large, not an image, offline, …). */
  onImageError?: (message: string) => void;
  /** Extensions of the page hosting the editor (comments), after the collaboration binding. */
  extensions?: AnyExtension[];
}

/**
 * A Tiptap editor over the session's document: the shared schema, Yjs sync and per-user undo
 * (Collaboration, reading the body tolerantly: `tolerantCollaboration.ts`), remote carets (CollaborationCaret), a placeholder and word counts. UI-only
 * extensions live here; anything that changes what a document can hold goes in
 * `shared/editorExtensions.ts`, which the server uses too.
 */
export function useDocumentEditor({
  session,
  editable,
  user,
  placeholder = 'Start writing…',
  onLinkShortcut,
  serverOrigin,
  onImageError,
  extensions = [],
}: Options): Editor | null {
  const linkShortcut = useRef(onLinkShortcut);
  linkShortcut.current = onLinkShortcut;
  const imageError = useRef(onImageError);
  imageError.current = onImageError;
  const initialUser = useRef(user);
  const editableRef = useRef(editable);
  editableRef.current = editable;

  const editor = useEditor(
    {
      immediatelyRender: false,
      // Tiptap adds its base styles as a <style> element: the page's policy lets it in by nonce.
      injectNonce: pageNonce(),
      editable,
      extensions: [
        // The schema's image, with the editor's resize handle, sizes and alt text.
        ...documentExtensions().map((extension) => (extension.name === 'image' ? withImageView(extension, { serverOrigin }) : extension)),
        ImageUploads.configure({
          target: () => (editableRef.current ? { url: `${serverOrigin ?? ''}${imageUploadPath(session.name)}`, token: () => session.requestToken() } : null),
          onError: (message) => imageError.current?.(message),
        }),
        TolerantCollaboration.configure({ document: session.doc, field: BODY_FIELD }),
        CollaborationCaret.configure({ provider: session.provider, user: initialUser.current }),
        Placeholder.configure({ placeholder }),
        CharacterCount,
        ClearFormatting,
        PageSelection.configure({ document: session.doc }),
        Extension.create({
          name: 'appShortcuts',
          addKeyboardShortcuts: () => ({
            'Mod-k': () => {
              linkShortcut.current?.();
              return Boolean(linkShortcut.current);
            },
          }),
        }),
        ...extensions,
      ],
      editorProps: {
        // A function, so `aria-readonly` follows `setEditable` (ProseMirror recomputes it on every update).
        attributes: () => ({
          role: 'textbox',
          'aria-multiline': 'true',
          'aria-label': 'Document body',
          'aria-readonly': String(!editableRef.current),
          spellcheck: 'true',
          class: 'document-body',
        }),
        // Lists and marks pasted from Word, Google Docs and LibreOffice, as an HTML import reads them.
        transformPastedHTML: (html) => foreignHtmlToEditorHtml(html, parseHtmlDocument),
      },
    },
    [session],
  );

  useEffect(() => {
    if (editor && editor.isEditable !== editable) editor.setEditable(editable);
  }, [editor, editable]);

  useEffect(() => {
    if (editor && !editor.isDestroyed) editor.commands.updateUser({ name: user.name, color: user.color });
  }, [editor, user.name, user.color]);

  return editor;
}

/** The browser's HTML parser, for the paste transform. */
function parseHtmlDocument(html: string): Document {
  return new DOMParser().parseFromString(html, 'text/html');
}
