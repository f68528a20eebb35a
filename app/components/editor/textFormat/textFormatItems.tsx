'use client';

import type { Editor } from '@tiptap/react';
import { Baseline, ChevronDown, ListIndentDecrease, ListIndentIncrease, PaintBucket, RemoveFormatting } from 'lucide-react';
import { FONT_SIZES } from '../../../../shared/formatPalette';
import { Menu, MenuItem, MenuSeparator } from '../../ui/Menu';
import { MOD } from '../formatCommands';
import type { ToolbarItem } from '../toolbarParts';
import { ToolButton } from '../toolbarParts';
import { ColorGrid } from './ColorGrid';

/** What the toolbar knows of the selection for these controls. */
export interface TextFormatState {
  textColor: string | null;
  highlightColor: string | null;
  fontSize: string | null;
}

/** The paragraph indent and "Clear formatting" commands, with their shortcuts (as Google Docs), for the toolbar and the shortcut list. */
export const INDENT_COMMANDS = [
  { key: 'outdent', label: 'Decrease indent', shortcut: 'Mod+[', icon: ListIndentDecrease, run: (editor: Editor) => editor.chain().focus().outdent().run() },
  { key: 'indent', label: 'Increase indent', shortcut: 'Mod+]', icon: ListIndentIncrease, run: (editor: Editor) => editor.chain().focus().indent().run() },
  {
    key: 'clear',
    label: 'Clear formatting',
    shortcut: 'Mod+\\',
    icon: RemoveFormatting,
    run: (editor: Editor) => editor.chain().focus().clearFormatting().run(),
  },
] as const;

/** The size the button shows: the number of points, or "Size" when the text has none of its own. */
const sizeLabel = (fontSize: string | null) => (fontSize ? fontSize.replace(/pt$/, '') : 'Size');

/**
 * The toolbar's font size menu, text and highlight colour palettes, indent buttons and "Clear
 * formatting", each as a toolbar control and as the items it becomes inside "More formatting".
 */
export function textFormatItems(editor: Editor, state: TextFormatState): { fontSize: ToolbarItem; colors: ToolbarItem[]; indentAndClear: ToolbarItem[] } {
  const chain = () => editor.chain().focus();
  const setSize = (points: number | null) => (points === null ? chain().unsetFontSize().run() : chain().setFontSize(`${points}pt`).run());
  const current = state.fontSize ? Number.parseFloat(state.fontSize) : null;
  const sizeItems = [
    <MenuItem key="default" checked={current === null} onSelect={() => setSize(null)}>
      Default size
    </MenuItem>,
    ...FONT_SIZES.map((points) => (
      <MenuItem key={points} checked={current === points} onSelect={() => setSize(points)}>
        {`${points} pt`}
      </MenuItem>
    )),
  ];
  const pickText = (color: string | null) => (color === null ? chain().unsetColor().run() : chain().setColor(color).run());
  const pickHighlight = (color: string | null) => (color === null ? chain().unsetHighlight().run() : chain().setHighlight({ color }).run());
  const textGrid = <ColorGrid label="Text colour" noneLabel="Default colour" current={state.textColor} onPick={pickText} />;
  const highlightGrid = <ColorGrid label="Highlight colour" noneLabel="No highlight" current={state.highlightColor} onPick={pickHighlight} />;
  const colorButton = (Icon: typeof Baseline, color: string | null) => (
    <span className="color-button-icon">
      <Icon aria-hidden />
      <span className="color-button-bar" style={{ backgroundColor: color ?? 'transparent' }} aria-hidden />
    </span>
  );
  return {
    fontSize: {
      key: 'font-size',
      bar: (
        <Menu
          label={`Font size: ${state.fontSize ? `${sizeLabel(state.fontSize)} pt` : 'default'}`}
          align="start"
          buttonClassName="tool-button font-size-button"
          button={
            <>
              <span className="font-size-label">{sizeLabel(state.fontSize)}</span>
              <ChevronDown size={14} aria-hidden />
            </>
          }
        >
          {sizeItems}
        </Menu>
      ),
      menu: (
        <>
          <div className="menu-heading">Font size</div>
          {sizeItems}
          <MenuSeparator />
        </>
      ),
    },
    colors: [
      {
        key: 'text-colour',
        bar: (
          <Menu label="Text colour" align="start" buttonClassName="tool-button color-button" button={colorButton(Baseline, state.textColor)}>
            {textGrid}
          </Menu>
        ),
        menu: (
          <>
            <div className="menu-heading">Text colour</div>
            {textGrid}
          </>
        ),
      },
      {
        key: 'highlight-colour',
        bar: (
          <Menu label="Highlight colour" align="start" buttonClassName="tool-button color-button" button={colorButton(PaintBucket, state.highlightColor)}>
            {highlightGrid}
          </Menu>
        ),
        menu: (
          <>
            <div className="menu-heading">Highlight colour</div>
            {highlightGrid}
          </>
        ),
      },
    ],
    indentAndClear: INDENT_COMMANDS.map((command) => {
      const shortcut = command.shortcut.replace('Mod+', MOD);
      return {
        key: command.key,
        bar: (
          <ToolButton label={command.label} shortcut={shortcut} onClick={() => command.run(editor)}>
            <command.icon />
          </ToolButton>
        ),
        menu: (
          <MenuItem icon={<command.icon size={16} />} hint={shortcut} onSelect={() => command.run(editor)}>
            {command.label}
          </MenuItem>
        ),
      };
    }),
  };
}
