'use client';

import type { Editor } from '@tiptap/react';
import { useEditorState } from '@tiptap/react';
import {
  AlignCenter,
  AlignJustify,
  AlignLeft,
  AlignRight,
  Bold,
  ChevronDown,
  Code,
  Highlighter,
  Image,
  Italic,
  Link,
  List,
  ListOrdered,
  ListTodo,
  Minus,
  Quote,
  Redo2,
  SquareCode,
  Strikethrough,
  Table,
  Underline,
  Undo2,
} from 'lucide-react';
import type { ReactNode } from 'react';
import { Menu, MenuItem, MenuSeparator } from '../ui/Menu';
import { useRovingFocus } from './useRovingFocus';

/** Mod as people read it on this platform. */
const MOD = typeof navigator !== 'undefined' && /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘' : 'Ctrl+';

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
}

/**
 * The formatting toolbar: one row of labelled buttons that show what is active at the cursor.
 * Arrow keys move between controls (one Tab stop for the whole toolbar), as in a desktop editor.
 */
export function Toolbar({ editor, onLink, onImage }: ToolbarProps) {
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
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      underline: e.isActive('underline'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      highlight: e.isActive('highlight'),
      link: e.isActive('link'),
      align: (['center', 'right', 'justify'] as const).find((align) => e.isActive({ textAlign: align })) ?? 'left',
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      taskList: e.isActive('taskList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
      inTable: e.isActive('table'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();
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
      <ToolButton label="Bold" shortcut={`${MOD}B`} active={state.bold} onClick={() => chain().toggleBold().run()}>
        <Bold />
      </ToolButton>
      <ToolButton label="Italic" shortcut={`${MOD}I`} active={state.italic} onClick={() => chain().toggleItalic().run()}>
        <Italic />
      </ToolButton>
      <ToolButton label="Underline" shortcut={`${MOD}U`} active={state.underline} onClick={() => chain().toggleUnderline().run()}>
        <Underline />
      </ToolButton>
      <ToolButton label="Strikethrough" shortcut={`${MOD}Shift+S`} active={state.strike} onClick={() => chain().toggleStrike().run()}>
        <Strikethrough />
      </ToolButton>
      <ToolButton label="Inline code" shortcut={`${MOD}E`} active={state.code} onClick={() => chain().toggleCode().run()}>
        <Code />
      </ToolButton>
      <ToolButton label="Highlight" shortcut={`${MOD}Shift+H`} active={state.highlight} onClick={() => chain().toggleHighlight().run()}>
        <Highlighter />
      </ToolButton>
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
      <ToolButton label="Bulleted list" shortcut={`${MOD}Shift+8`} active={state.bulletList} onClick={() => chain().toggleBulletList().run()}>
        <List />
      </ToolButton>
      <ToolButton label="Numbered list" shortcut={`${MOD}Shift+7`} active={state.orderedList} onClick={() => chain().toggleOrderedList().run()}>
        <ListOrdered />
      </ToolButton>
      <ToolButton label="Checklist" shortcut={`${MOD}Shift+9`} active={state.taskList} onClick={() => chain().toggleTaskList().run()}>
        <ListTodo />
      </ToolButton>
      <Divider />
      <ToolButton label="Quote" shortcut={`${MOD}Shift+B`} active={state.blockquote} onClick={() => chain().toggleBlockquote().run()}>
        <Quote />
      </ToolButton>
      <ToolButton label="Code block" shortcut={`${MOD}Alt+C`} active={state.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>
        <SquareCode />
      </ToolButton>
      <ToolButton label="Horizontal line" onClick={() => chain().setHorizontalRule().run()}>
        <Minus />
      </ToolButton>
      <ToolButton label="Image" onClick={onImage}>
        <Image />
      </ToolButton>
      <TableMenu editor={editor} inTable={state.inTable} />
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
