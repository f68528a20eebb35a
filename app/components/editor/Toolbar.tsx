'use client';

import type { Editor } from '@tiptap/react';
import { useEditorState } from '@tiptap/react';
import { AlignCenter, AlignJustify, AlignLeft, AlignRight, ChevronDown, Image, Link, MessageSquarePlus, Redo2, Table, Undo2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { Menu, MenuItem, MenuSeparator } from '../ui/Menu';
import { activeStates, BLOCK_COMMANDS, type FormatCommand, LIST_COMMANDS, MARK_COMMANDS, MOD, shortcutText } from './formatCommands';
import { useRovingFocus } from './useRovingFocus';

const BLOCK_STYLES = [
  { value: 'paragraph', label: 'Normal text', hint: `${MOD}Alt+0` },
  { value: 'h1', label: 'Heading 1', hint: `${MOD}Alt+1` },
  { value: 'h2', label: 'Heading 2', hint: `${MOD}Alt+2` },
  { value: 'h3', label: 'Heading 3', hint: `${MOD}Alt+3` },
] as const;

interface ToolbarProps {
  editor: Editor;
  onLink: () => void;
  onImage: () => void;
  /** Comments on the selection (absent: no comment button). */
  onComment?: () => void;
}

/**
 * The formatting toolbar: one row of labelled buttons that show what is active at the cursor.
 * Arrow keys move between controls (one Tab stop for the whole toolbar), as in a desktop editor.
 */
export function Toolbar({ editor, onLink, onImage, onComment }: ToolbarProps) {
  const roving = useRovingFocus<HTMLDivElement>();
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      block: e.isActive('heading', { level: 1 })
        ? 'h1'
        : e.isActive('heading', { level: 2 })
          ? 'h2'
          : e.isActive('heading', { level: 3 })
            ? 'h3'
            : e.isActive('codeBlock')
              ? 'code'
              : 'paragraph',
      marks: activeStates(e, MARK_COMMANDS),
      link: e.isActive('link'),
      align: (['center', 'right', 'justify'] as const).find((align) => e.isActive({ textAlign: align })) ?? 'left',
      lists: activeStates(e, LIST_COMMANDS),
      blocks: activeStates(e, BLOCK_COMMANDS),
      inTable: e.isActive('table'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();
  const commandButtons = (commands: readonly FormatCommand[], active: boolean[]) =>
    commands.map((command, index) => (
      <ToolButton
        key={command.label}
        label={command.label}
        shortcut={command.shortcut && shortcutText(command.shortcut)}
        active={command.isActive ? active[index] : undefined}
        onClick={() => command.run(chain()).run()}
      >
        <command.icon />
      </ToolButton>
    ));
  const blockLabel = BLOCK_STYLES.find((style) => style.value === state.block)?.label ?? 'Code block';

  return (
    <div className="toolbar" role="toolbar" aria-label="Formatting" ref={roving.ref} onKeyDown={roving.onKeyDown}>
      <ToolButton label="Undo" shortcut={`${MOD}Z`} disabled={!state.canUndo} onClick={() => chain().undo().run()}>
        <Undo2 />
      </ToolButton>
      <ToolButton label="Redo" shortcut={`${MOD}Shift+Z`} disabled={!state.canRedo} onClick={() => chain().redo().run()}>
        <Redo2 />
      </ToolButton>
      <Divider />
      <Menu
        label={`Text style: ${blockLabel}`}
        align="start"
        buttonClassName="tool-button text-style-button"
        button={
          <>
            <span className="text-style-label">{blockLabel}</span>
            <ChevronDown size={14} aria-hidden />
          </>
        }
      >
        {BLOCK_STYLES.map((style) => (
          <MenuItem
            key={style.value}
            hint={style.hint}
            onSelect={() =>
              style.value === 'paragraph'
                ? chain().setParagraph().run()
                : chain()
                    .setHeading({ level: Number(style.value[1]) as 1 | 2 | 3 })
                    .run()
            }
          >
            <span className={`text-style-sample sample-${style.value}`}>{style.label}</span>
          </MenuItem>
        ))}
      </Menu>
      <Divider />
      {commandButtons(MARK_COMMANDS, state.marks)}
      <ToolButton label={state.link ? 'Edit link' : 'Link'} shortcut={`${MOD}K`} active={state.link} onClick={onLink}>
        <Link />
      </ToolButton>
      <Divider />
      <ToolButton label="Align left" shortcut={`${MOD}Shift+L`} active={state.align === 'left'} onClick={() => chain().setTextAlign('left').run()}>
        <AlignLeft />
      </ToolButton>
      <ToolButton label="Align center" shortcut={`${MOD}Shift+E`} active={state.align === 'center'} onClick={() => chain().setTextAlign('center').run()}>
        <AlignCenter />
      </ToolButton>
      <ToolButton label="Align right" shortcut={`${MOD}Shift+R`} active={state.align === 'right'} onClick={() => chain().setTextAlign('right').run()}>
        <AlignRight />
      </ToolButton>
      <ToolButton label="Justify" shortcut={`${MOD}Shift+J`} active={state.align === 'justify'} onClick={() => chain().setTextAlign('justify').run()}>
        <AlignJustify />
      </ToolButton>
      <Divider />
      {commandButtons(LIST_COMMANDS, state.lists)}
      <Divider />
      {commandButtons(BLOCK_COMMANDS, state.blocks)}
      <ToolButton label="Image" onClick={onImage}>
        <Image />
      </ToolButton>
      <TableMenu editor={editor} inTable={state.inTable} />
      {onComment && (
        <ToolButton label="Comment" shortcut={`${MOD}Alt+M`} onClick={onComment}>
          <MessageSquarePlus />
        </ToolButton>
      )}
    </div>
  );
}

function TableMenu({ editor, inTable }: { editor: Editor; inTable: boolean }) {
  const chain = () => editor.chain().focus();
  return (
    <Menu
      label="Table"
      align="end"
      buttonClassName={`tool-button${inTable ? ' active' : ''}`}
      button={
        <>
          <Table aria-hidden />
          <ChevronDown size={14} aria-hidden />
        </>
      }
    >
      <MenuItem onSelect={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()} disabled={inTable}>
        Insert table
      </MenuItem>
      <MenuSeparator />
      <MenuItem onSelect={() => chain().addRowBefore().run()} disabled={!inTable}>
        Add row above
      </MenuItem>
      <MenuItem onSelect={() => chain().addRowAfter().run()} disabled={!inTable}>
        Add row below
      </MenuItem>
      <MenuItem onSelect={() => chain().deleteRow().run()} disabled={!inTable}>
        Delete row
      </MenuItem>
      <MenuSeparator />
      <MenuItem onSelect={() => chain().addColumnBefore().run()} disabled={!inTable}>
        Add column left
      </MenuItem>
      <MenuItem onSelect={() => chain().addColumnAfter().run()} disabled={!inTable}>
        Add column right
      </MenuItem>
      <MenuItem onSelect={() => chain().deleteColumn().run()} disabled={!inTable}>
        Delete column
      </MenuItem>
      <MenuSeparator />
      <MenuItem onSelect={() => chain().toggleHeaderRow().run()} disabled={!inTable}>
        Toggle header row
      </MenuItem>
      <MenuItem onSelect={() => chain().deleteTable().run()} disabled={!inTable} danger>
        Delete table
      </MenuItem>
    </Menu>
  );
}

interface ToolButtonProps {
  label: string;
  shortcut?: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ReactNode;
}

function ToolButton({ label, shortcut, active, disabled, onClick, children }: ToolButtonProps) {
  return (
    <button
      type="button"
      className={`tool-button${active ? ' active' : ''}`}
      aria-label={label}
      aria-pressed={active === undefined ? undefined : active}
      aria-keyshortcuts={shortcut?.replace('⌘', 'Meta+').replace('Ctrl+', 'Control+')}
      title={shortcut ? `${label} (${shortcut})` : label}
      disabled={disabled}
      // Keep the editor's selection: a mouse press on a button must not take focus from the text.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  );
}

function Divider() {
  return <span className="toolbar-divider" aria-hidden />;
}
