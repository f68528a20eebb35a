'use client';

import type { Editor } from '@tiptap/react';
import { useEditorState } from '@tiptap/react';
import { AlignCenter, AlignJustify, AlignLeft, AlignRight, ChevronDown, Ellipsis, Image, Link, MessageSquarePlus, Redo2, Table, Undo2 } from 'lucide-react';
import { Fragment, useRef } from 'react';
import { Menu, MenuItem, MenuSeparator } from '../ui/Menu';
import { activeStates, BLOCK_COMMANDS, type FormatCommand, LIST_COMMANDS, MARK_COMMANDS, MOD, shortcutText } from './formatCommands';
import { textFormatItems } from './textFormat/textFormatItems';
import { DIVIDER, ToolButton, type ToolbarItem } from './toolbarParts';
import { useRovingFocus } from './useRovingFocus';
import { useToolbarOverflow } from './useToolbarOverflow';

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
 * What does not fit the width (a phone) moves into a "More formatting" menu at the row's end.
 */
export function Toolbar({ editor, onLink, onImage, onComment }: ToolbarProps) {
  const roving = useRovingFocus<HTMLDivElement>();
  const toolbarRef = useRef<HTMLDivElement>(null);
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
      textColor: (e.getAttributes('textStyle').color as string | null | undefined) ?? null,
      highlightColor: e.isActive('highlight') ? ((e.getAttributes('highlight').color as string | null | undefined) ?? null) : null,
      fontSize: (e.getAttributes('textStyle').fontSize as string | null | undefined) ?? null,
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();
  const commandItems = (commands: readonly FormatCommand[], active: boolean[]): ToolbarItem[] =>
    commands.map((command, index) => {
      const shortcut = command.shortcut && shortcutText(command.shortcut);
      const isActive = command.isActive ? active[index] : undefined;
      const run = () => command.run(chain()).run();
      return {
        key: command.label,
        bar: (
          <ToolButton label={command.label} shortcut={shortcut} active={isActive} onClick={run}>
            <command.icon />
          </ToolButton>
        ),
        menu: (
          <MenuItem icon={<command.icon size={16} />} hint={shortcut} checked={isActive} onSelect={run}>
            {command.label}
          </MenuItem>
        ),
      };
    });
  const blockLabel = BLOCK_STYLES.find((style) => style.value === state.block)?.label ?? 'Code block';
  const setBlockStyle = (value: (typeof BLOCK_STYLES)[number]['value']) =>
    value === 'paragraph'
      ? chain().setParagraph().run()
      : chain()
          .setHeading({ level: Number(value[1]) as 1 | 2 | 3 })
          .run();
  const alignItem = (align: 'left' | 'center' | 'right' | 'justify', label: string, keys: string, Icon: typeof AlignLeft): ToolbarItem => ({
    key: label,
    bar: (
      <ToolButton label={label} shortcut={`${MOD}Shift+${keys}`} active={state.align === align} onClick={() => chain().setTextAlign(align).run()}>
        <Icon />
      </ToolButton>
    ),
    menu: (
      <MenuItem icon={<Icon size={16} />} hint={`${MOD}Shift+${keys}`} checked={state.align === align} onSelect={() => chain().setTextAlign(align).run()}>
        {label}
      </MenuItem>
    ),
  });

  const { fontSize, colors, indentAndClear } = textFormatItems(editor, state);

  // In order; on a narrow screen the items from the end that do not fit move into "More".
  const items: ToolbarItem[] = [
    {
      key: 'undo',
      bar: (
        <ToolButton label="Undo" shortcut={`${MOD}Z`} disabled={!state.canUndo} onClick={() => chain().undo().run()}>
          <Undo2 />
        </ToolButton>
      ),
      menu: (
        <MenuItem icon={<Undo2 size={16} />} hint={`${MOD}Z`} disabled={!state.canUndo} onSelect={() => chain().undo().run()}>
          Undo
        </MenuItem>
      ),
    },
    {
      key: 'redo',
      bar: (
        <ToolButton label="Redo" shortcut={`${MOD}Shift+Z`} disabled={!state.canRedo} onClick={() => chain().redo().run()}>
          <Redo2 />
        </ToolButton>
      ),
      menu: (
        <MenuItem icon={<Redo2 size={16} />} hint={`${MOD}Shift+Z`} disabled={!state.canRedo} onSelect={() => chain().redo().run()}>
          Redo
        </MenuItem>
      ),
    },
    DIVIDER('history'),
    {
      key: 'style',
      bar: (
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
            <MenuItem key={style.value} hint={style.hint} onSelect={() => setBlockStyle(style.value)}>
              <span className={`text-style-sample sample-${style.value}`}>{style.label}</span>
            </MenuItem>
          ))}
        </Menu>
      ),
      menu: BLOCK_STYLES.map((style) => (
        <MenuItem key={style.value} hint={style.hint} checked={state.block === style.value} onSelect={() => setBlockStyle(style.value)}>
          {style.label}
        </MenuItem>
      )),
    },
    DIVIDER('style'),
    fontSize,
    ...commandItems(MARK_COMMANDS, state.marks),
    ...colors,
    {
      key: 'link',
      bar: (
        <ToolButton label={state.link ? 'Edit link' : 'Link'} shortcut={`${MOD}K`} active={state.link} onClick={onLink}>
          <Link />
        </ToolButton>
      ),
      menu: (
        <MenuItem icon={<Link size={16} />} hint={`${MOD}K`} onSelect={onLink}>
          {state.link ? 'Edit link…' : 'Link…'}
        </MenuItem>
      ),
    },
    DIVIDER('marks'),
    alignItem('left', 'Align left', 'L', AlignLeft),
    alignItem('center', 'Align center', 'E', AlignCenter),
    alignItem('right', 'Align right', 'R', AlignRight),
    alignItem('justify', 'Justify', 'J', AlignJustify),
    ...indentAndClear,
    DIVIDER('align'),
    ...commandItems(LIST_COMMANDS, state.lists),
    DIVIDER('lists'),
    ...commandItems(BLOCK_COMMANDS, state.blocks),
    {
      key: 'image',
      bar: (
        <ToolButton label="Image" onClick={onImage}>
          <Image />
        </ToolButton>
      ),
      menu: (
        <MenuItem icon={<Image size={16} />} onSelect={onImage}>
          Image…
        </MenuItem>
      ),
    },
    {
      key: 'table',
      bar: <TableMenu editor={editor} inTable={state.inTable} />,
      menu: <TableMenuItems editor={editor} inTable={state.inTable} onlyInsertOutside />,
    },
    ...(onComment
      ? [
          {
            key: 'comment',
            bar: (
              <ToolButton label="Comment" shortcut={`${MOD}Alt+M`} onClick={onComment}>
                <MessageSquarePlus />
              </ToolButton>
            ),
            menu: (
              <MenuItem icon={<MessageSquarePlus size={16} />} hint={`${MOD}Alt+M`} onSelect={onComment}>
                Comment…
              </MenuItem>
            ),
          },
        ]
      : []),
  ];
  const visible = useToolbarOverflow(toolbarRef, items.length);
  const overflowed = items.slice(visible);

  return (
    <div
      className="toolbar"
      role="toolbar"
      aria-label="Formatting"
      ref={(element) => {
        roving.ref.current = element;
        toolbarRef.current = element;
      }}
      onKeyDown={roving.onKeyDown}
    >
      {items.map((item, index) => (
        <span key={item.key} className="toolbar-item" data-divider={item.divider ? '' : undefined} data-overflowed={index >= visible ? '' : undefined}>
          {item.bar}
        </span>
      ))}
      <span className="toolbar-item toolbar-more" data-overflowed={overflowed.length === 0 ? '' : undefined}>
        <Menu label="More formatting" align="end" buttonClassName="tool-button" button={<Ellipsis aria-hidden />}>
          {overflowed.map((item, index) =>
            item.divider ? index > 0 && index < overflowed.length - 1 && <MenuSeparator key={item.key} /> : <Fragment key={item.key}>{item.menu}</Fragment>,
          )}
        </Menu>
      </span>
    </div>
  );
}

function TableMenu({ editor, inTable }: { editor: Editor; inTable: boolean }) {
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
      <TableMenuItems editor={editor} inTable={inTable} />
    </Menu>
  );
}

/** The table actions; in the "more" menu (`onlyInsertOutside`), outside a table only "Insert table". */
function TableMenuItems({ editor, inTable, onlyInsertOutside = false }: { editor: Editor; inTable: boolean; onlyInsertOutside?: boolean }) {
  const chain = () => editor.chain().focus();
  const insert = (
    <MenuItem
      icon={onlyInsertOutside ? <Table size={16} /> : undefined}
      onSelect={() => chain().insertTable({ rows: 3, cols: 3, withHeaderRow: true }).run()}
      disabled={inTable}
    >
      Insert table
    </MenuItem>
  );
  if (onlyInsertOutside && !inTable) return insert;
  return (
    <>
      {!onlyInsertOutside && insert}
      {!onlyInsertOutside && <MenuSeparator />}
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
    </>
  );
}
