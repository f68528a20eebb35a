import type { Editor, Range } from '@tiptap/core';

/** One block the / menu can insert. */
export interface SlashItem {
  id: string;
  label: string;
  /** Other words people type for it. */
  keywords: string;
  /** Turns the current (empty) block into it, or inserts it; `range` is the typed "/query". */
  run: (editor: Editor, range: Range, actions: SlashActions) => void;
}

/** What some items need from the page around the editor. */
export interface SlashActions {
  /** Opens the insert-image dialog. */
  insertImage: () => void;
}

const chainAt = (editor: Editor, range: Range) => editor.chain().focus().deleteRange(range);

/** The blocks of the / menu, in the order it lists them. */
export const SLASH_ITEMS: readonly SlashItem[] = [
  { id: 'paragraph', label: 'Text', keywords: 'normal paragraph plain', run: (e, r) => chainAt(e, r).setParagraph().run() },
  { id: 'h1', label: 'Heading 1', keywords: 'h1 title large', run: (e, r) => chainAt(e, r).setHeading({ level: 1 }).run() },
  { id: 'h2', label: 'Heading 2', keywords: 'h2 subtitle medium', run: (e, r) => chainAt(e, r).setHeading({ level: 2 }).run() },
  { id: 'h3', label: 'Heading 3', keywords: 'h3 small', run: (e, r) => chainAt(e, r).setHeading({ level: 3 }).run() },
  { id: 'bulletList', label: 'Bulleted list', keywords: 'ul unordered bullets', run: (e, r) => chainAt(e, r).toggleBulletList().run() },
  { id: 'orderedList', label: 'Numbered list', keywords: 'ol ordered numbers', run: (e, r) => chainAt(e, r).toggleOrderedList().run() },
  { id: 'taskList', label: 'Checklist', keywords: 'todo task check box', run: (e, r) => chainAt(e, r).toggleTaskList().run() },
  { id: 'blockquote', label: 'Quote', keywords: 'blockquote citation', run: (e, r) => chainAt(e, r).toggleBlockquote().run() },
  { id: 'codeBlock', label: 'Code block', keywords: 'pre program snippet', run: (e, r) => chainAt(e, r).toggleCodeBlock().run() },
  {
    id: 'table',
    label: 'Table',
    keywords: 'grid rows columns',
    run: (e, r) => chainAt(e, r).insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run(),
  },
  { id: 'horizontalRule', label: 'Horizontal line', keywords: 'hr divider separator rule', run: (e, r) => chainAt(e, r).setHorizontalRule().run() },
  {
    id: 'image',
    label: 'Image',
    keywords: 'picture photo img',
    run: (e, r, actions) => {
      chainAt(e, r).run();
      actions.insertImage();
    },
  },
];

/** The items whose label or keywords start with every word of `query` (case-insensitive). */
export function filterSlashItems(query: string): SlashItem[] {
  const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
  return SLASH_ITEMS.filter((item) => {
    const names = `${item.label} ${item.keywords}`.toLocaleLowerCase().split(/\s+/);
    return words.every((word) => names.some((name) => name.startsWith(word)));
  });
}
