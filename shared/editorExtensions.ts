import type { AnyExtension } from '@tiptap/core';
import { TaskList } from '@tiptap/extension-list';
import { TableKit } from '@tiptap/extension-table';
import { TextStyle } from '@tiptap/extension-text-style';
import StarterKit from '@tiptap/starter-kit';
import { safeLinkHref } from './attributeRules';
import {
  SafeCodeBlock,
  SafeColor,
  SafeFontSize,
  SafeHighlight,
  SafeImage,
  SafeIndent,
  SafeLink,
  SafeOrderedList,
  SafeTable,
  SafeTableCell,
  SafeTableHeader,
  SafeTaskItem,
  SafeTextAlign,
} from './safeExtensions';
import { SuggestionFormat } from './suggestions/formatSuggestion';
import { SuggestionDelete, SuggestionInsert } from './suggestions/suggestionMarks';

/**
 * The document schema: every node and mark a document can hold. The browser editor adds its
 * collaboration and UI extensions on top; the server uses exactly this list to convert documents
 * (JSON, HTML, Markdown), so what one side writes the other can read. Every extension whose
 * attributes reach HTML is its safe variant (`shared/safeExtensions.ts`): attributes are parsed
 * and rendered only as `shared/attributeRules.ts` allows.
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
      // Where a dragged block or file will land; drawn by the app's style sheet.
      dropcursor: { class: 'drop-cursor', color: false, width: 3 },
      // Replaced below by their safe variants.
      link: false,
      codeBlock: false,
      orderedList: false,
    }),
    SafeLink.configure({
      openOnClick: false,
      autolink: true,
      defaultProtocol: 'https',
      protocols: ['http', 'https', 'mailto'],
      // The editor makes no link the server would refuse (an address too long, say).
      isAllowedUri: (url, { defaultValidate }) => defaultValidate(url) && safeLinkHref(url) !== null,
    }),
    SafeCodeBlock,
    SafeOrderedList,
    TaskList,
    SafeTaskItem.configure({ nested: true }),
    TableKit.configure({ table: false, tableCell: false, tableHeader: false }),
    SafeTable.configure({ resizable: false }),
    SafeTableCell,
    SafeTableHeader,
    SafeTextAlign.configure({ types: ['heading', 'paragraph'] }),
    SafeIndent,
    SafeHighlight,
    // Text colour and size live on one mark, as in Tiptap (a span with a style).
    TextStyle,
    SafeColor,
    SafeFontSize,
    SafeImage.configure({ inline: false, allowBase64: false }),
    SuggestionInsert,
    SuggestionDelete,
    SuggestionFormat,
  ];
}
