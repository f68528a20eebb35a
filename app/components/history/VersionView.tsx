'use client';

import type { JSONContent } from '@tiptap/core';
import { EditorContent, useEditor } from '@tiptap/react';
import { documentExtensions } from '../../../shared/editorExtensions';
import { pageNonce } from '../../lib/pageNonce';
import { type DiffSummary, diffHighlight } from './diffHighlight';

interface VersionViewProps {
  /** The document to show. */
  content: JSONContent;
  /** When given, what changed since this earlier document is highlighted in `content`. */
  comparedWith?: JSONContent;
  onSummary?: (summary: DiffSummary) => void;
  label: string;
}

/**
 * A document shown read-only with the editor's own schema and styles. Give it a new `key` to show
 * another document: the content is fixed for the life of the view.
 */
export function VersionView({ content, comparedWith, onSummary, label }: VersionViewProps) {
  const editor = useEditor({
    immediatelyRender: false,
    injectNonce: pageNonce(),
    editable: false,
    content,
    extensions: [...documentExtensions(), ...(comparedWith ? [diffHighlight(comparedWith, onSummary)] : [])],
    editorProps: {
      attributes: { role: 'document', 'aria-label': label, 'aria-readonly': 'true', class: 'document-body version-body' },
    },
  });
  return <EditorContent editor={editor} className="editor-content" />;
}
