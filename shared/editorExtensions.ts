import type { AnyExtension } from '@tiptap/core';
import Highlight from '@tiptap/extension-highlight';
import Image from '@tiptap/extension-image';
import { TaskItem, TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import TextAlign from '@tiptap/extension-text-align';
import StarterKit from '@tiptap/starter-kit';

/**
 * The document schema: every node and mark a document can hold. The browser editor adds its
 * collaboration and UI extensions on top; the server uses exactly this list to convert documents
 * (JSON, HTML, Markdown), so what one side writes the other can read.
 */
export function documentExtensions(): AnyExtension[] {
  return [
    StarterKit.configure({
      // Undo and redo come from Yjs (the Collaboration extension), so a user never undoes
      // someone else's typing.
      undoRedo: false,
      // The trailing-paragraph plugin edits a document merely by opening it (when it ends in a
      // table, list or code block): each client would add its own paragraph, and a viewer's
      // refused edit would leave it forever unsaved. The gap cursor reaches the end instead.
      trailingNode: false,
      heading: { levels: [1, 2, 3] },
      link: { openOnClick: false, autolink: true, defaultProtocol: 'https', protocols: ['http', 'https', 'mailto'] },
    }),
    TaskList,
    TaskItem.configure({ nested: true }),
    TableKit.configure({ table: { resizable: false } }),
    TextAlign.configure({ types: ['heading', 'paragraph'] }),
    Highlight,
    Image.configure({ inline: false, allowBase64: false }),
  ];
}
