import type { ChainedCommands, Editor } from '@tiptap/react';
import {
  Bold,
  Code,
  Highlighter,
  Italic,
  List,
  ListOrdered,
  ListTodo,
  type LucideIcon,
  Minus,
  Quote,
  SquareCode,
  Strikethrough,
  Underline,
} from 'lucide-react';

/**
 * A formatting command offered as a toolbar button, by the app's toolbar and by the embeddable
 * `QuireToolbar` alike, so both name, bind and show the same commands the same way.
 */
export interface FormatCommand {
  /** The button's accessible name. */
  label: string;
  /** Keyboard shortcut, `Mod` standing for Ctrl (or ⌘ on Apple platforms): `Mod+Shift+S`. */
  shortcut?: string;
  icon: LucideIcon;
  /** Whether the selection has it; absent for one-off actions such as inserting a line. */
  isActive?: (editor: Editor) => boolean;
  run: (chain: ChainedCommands) => ChainedCommands;
}

/** Character formatting. */
export const MARK_COMMANDS: readonly FormatCommand[] = [
  { label: 'Bold', shortcut: 'Mod+B', icon: Bold, isActive: (e) => e.isActive('bold'), run: (c) => c.toggleBold() },
  { label: 'Italic', shortcut: 'Mod+I', icon: Italic, isActive: (e) => e.isActive('italic'), run: (c) => c.toggleItalic() },
  { label: 'Underline', shortcut: 'Mod+U', icon: Underline, isActive: (e) => e.isActive('underline'), run: (c) => c.toggleUnderline() },
  { label: 'Strikethrough', shortcut: 'Mod+Shift+S', icon: Strikethrough, isActive: (e) => e.isActive('strike'), run: (c) => c.toggleStrike() },
  { label: 'Inline code', shortcut: 'Mod+E', icon: Code, isActive: (e) => e.isActive('code'), run: (c) => c.toggleCode() },
  { label: 'Highlight', shortcut: 'Mod+Shift+H', icon: Highlighter, isActive: (e) => e.isActive('highlight'), run: (c) => c.toggleHighlight() },
];

/** Lists. */
export const LIST_COMMANDS: readonly FormatCommand[] = [
  { label: 'Bulleted list', shortcut: 'Mod+Shift+8', icon: List, isActive: (e) => e.isActive('bulletList'), run: (c) => c.toggleBulletList() },
  { label: 'Numbered list', shortcut: 'Mod+Shift+7', icon: ListOrdered, isActive: (e) => e.isActive('orderedList'), run: (c) => c.toggleOrderedList() },
  { label: 'Checklist', shortcut: 'Mod+Shift+9', icon: ListTodo, isActive: (e) => e.isActive('taskList'), run: (c) => c.toggleTaskList() },
];

/** Other blocks. */
export const BLOCK_COMMANDS: readonly FormatCommand[] = [
  { label: 'Quote', shortcut: 'Mod+Shift+B', icon: Quote, isActive: (e) => e.isActive('blockquote'), run: (c) => c.toggleBlockquote() },
  { label: 'Code block', shortcut: 'Mod+Alt+C', icon: SquareCode, isActive: (e) => e.isActive('codeBlock'), run: (c) => c.toggleCodeBlock() },
  { label: 'Horizontal line', icon: Minus, run: (c) => c.setHorizontalRule() },
];

/** Which of `commands` the selection has, in order (for a `useEditorState` selector). */
export function activeStates(editor: Editor, commands: readonly FormatCommand[]): boolean[] {
  return commands.map((command) => command.isActive?.(editor) ?? false);
}

/** Mod as people read it on this platform. */
export const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';

/** A shortcut as people read it here: `Mod+Shift+S` → `Ctrl+Shift+S` (or `⌘Shift+S`). */
export function shortcutText(shortcut: string): string {
  return shortcut.replace('Mod+', MOD);
}
