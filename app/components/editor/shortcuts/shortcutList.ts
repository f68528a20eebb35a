import { BLOCK_COMMANDS, LIST_COMMANDS, MARK_COMMANDS, MOD, shortcutText } from '../formatCommands';
import { INDENT_COMMANDS } from '../textFormat/textFormatItems';

/** One line of the shortcut list. */
export interface ShortcutEntry {
  action: string;
  /** As people read it on this platform (Ctrl+B or ⌘B); alternatives separated by " or ". */
  keys: string;
}

/** A group of the shortcut list. */
export interface ShortcutGroup {
  title: string;
  entries: ShortcutEntry[];
}

const fromCommands = (commands: readonly { label: string; shortcut?: string }[]): ShortcutEntry[] =>
  commands.filter((command) => command.shortcut).map((command) => ({ action: command.label, keys: shortcutText(command.shortcut as string) }));

/**
 * The editor's keyboard shortcuts, grouped, with Ctrl or ⌘ as this platform has it. The
 * formatting entries come from the same commands the toolbar binds, so the list cannot drift from
 * them.
 */
export function shortcutGroups(): ShortcutGroup[] {
  const isApple = MOD === '⌘';
  return [
    {
      title: 'General',
      entries: [
        { action: 'Undo', keys: `${MOD}Z` },
        { action: 'Redo', keys: `${MOD}Shift+Z or ${MOD}Y` },
        { action: 'Find', keys: `${MOD}F` },
        { action: 'Find and replace', keys: isApple ? `${MOD}Alt+F` : `${MOD}H or ${MOD}Alt+F` },
        { action: 'Next match, previous match (in find)', keys: 'Enter, Shift+Enter' },
        { action: 'Comment on the selection', keys: `${MOD}Alt+M` },
        { action: 'Keyboard shortcuts', keys: `${MOD}/` },
        { action: 'Print', keys: `${MOD}P` },
      ],
    },
    {
      title: 'Text',
      entries: [
        ...fromCommands(MARK_COMMANDS),
        { action: 'Link', keys: `${MOD}K` },
        ...fromCommands(INDENT_COMMANDS.filter((command) => command.key === 'clear')),
      ],
    },
    {
      title: 'Paragraphs',
      entries: [
        { action: 'Normal text', keys: `${MOD}Alt+0` },
        { action: 'Heading 1, 2, 3', keys: `${MOD}Alt+1, 2, 3` },
        { action: 'Align left, center, right, justify', keys: `${MOD}Shift+L, E, R, J` },
        ...fromCommands(LIST_COMMANDS),
        ...fromCommands(BLOCK_COMMANDS),
        { action: 'Insert a block (heading, list, table…)', keys: '/ at the start of a line' },
        { action: 'Line break in the same paragraph', keys: 'Shift+Enter' },
        ...fromCommands(INDENT_COMMANDS.filter((command) => command.key !== 'clear')),
        { action: 'Indent, outdent a list item', keys: `Tab, Shift+Tab (or ${MOD}], ${MOD}[)` },
      ],
    },
    {
      title: 'Moving around',
      entries: [
        { action: 'Move along the toolbar', keys: '← →, Home, End' },
        { action: 'Close a menu, dialog or find', keys: 'Escape' },
      ],
    },
  ];
}
