'use client';

import { type Editor, useEditorState } from '@tiptap/react';
import { Heading1, Heading2, Heading3, Link, Redo2, Undo2 } from 'lucide-react';
import type { ReactNode } from 'react';
import { activeStates, BLOCK_COMMANDS, type FormatCommand, LIST_COMMANDS, MARK_COMMANDS, shortcutText } from '../../../app/components/editor/formatCommands';

/** Lists and other blocks share one group in the compact toolbar. */
const BLOCKS = [...LIST_COMMANDS, ...BLOCK_COMMANDS];

/** Link schemes the toolbar accepts (the document schema refuses others anyway). */
const LINK_SCHEMES = /^(https?:|mailto:)/i;

/**
 * The compact toolbar of `QuireEditor`: the common formatting commands as labelled icon buttons
 * that show what is active at the cursor. Styled only through `quire-` classes, so it changes
 * nothing in the page around it.
 */
export function QuireToolbar({ editor }: { editor: Editor }) {
  const state = useEditorState({
    editor,
    selector: ({ editor: e }) => ({
      h1: e.isActive('heading', { level: 1 }),
      h2: e.isActive('heading', { level: 2 }),
      h3: e.isActive('heading', { level: 3 }),
      marks: activeStates(e, MARK_COMMANDS),
      link: e.isActive('link'),
      blocks: activeStates(e, BLOCKS),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();
  const commandTools = (commands: readonly FormatCommand[], active: boolean[]) =>
    commands.map((command, index) => (
      <Tool
        key={command.label}
        label={command.label}
        shortcut={command.shortcut}
        active={command.isActive ? active[index] : undefined}
        onClick={() => command.run(chain()).run()}
      >
        <command.icon size={16} />
      </Tool>
    ));

  const editLink = () => {
    const current = (editor.getAttributes('link').href as string | undefined) ?? '';
    const answer = window.prompt('Link address (leave empty to remove the link)', current || 'https://');
    if (answer === null) return;
    const href = answer.trim();
    if (href === '' || href === 'https://') chain().extendMarkRange('link').unsetLink().run();
    else if (LINK_SCHEMES.test(href)) chain().extendMarkRange('link').setLink({ href }).run();
    else window.alert('Links must start with https://, http:// or mailto:');
  };

  return (
    <div className="quire-toolbar" role="toolbar" aria-label="Formatting">
      <Tool label="Undo" shortcut="Mod+Z" disabled={!state.canUndo} onClick={() => chain().undo().run()}>
        <Undo2 size={16} />
      </Tool>
      <Tool label="Redo" shortcut="Mod+Shift+Z" disabled={!state.canRedo} onClick={() => chain().redo().run()}>
        <Redo2 size={16} />
      </Tool>
      <span className="quire-toolbar__separator" />
      <Tool label="Heading 1" active={state.h1} onClick={() => chain().toggleHeading({ level: 1 }).run()}>
        <Heading1 size={16} />
      </Tool>
      <Tool label="Heading 2" active={state.h2} onClick={() => chain().toggleHeading({ level: 2 }).run()}>
        <Heading2 size={16} />
      </Tool>
      <Tool label="Heading 3" active={state.h3} onClick={() => chain().toggleHeading({ level: 3 }).run()}>
        <Heading3 size={16} />
      </Tool>
      <span className="quire-toolbar__separator" />
      {commandTools(MARK_COMMANDS, state.marks)}
      <Tool label="Link" active={state.link} onClick={editLink}>
        <Link size={16} />
      </Tool>
      <span className="quire-toolbar__separator" />
      {commandTools(BLOCKS, state.blocks)}
    </div>
  );
}

function Tool({
  label,
  shortcut,
  active,
  disabled,
  onClick,
  children,
}: {
  label: string;
  shortcut?: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ReactNode;
}) {
  return (
    <button
      type="button"
      className="quire-toolbar__button"
      aria-label={label}
      aria-pressed={active === undefined ? undefined : active}
      title={shortcut ? `${label} (${shortcutText(shortcut)})` : label}
      disabled={disabled}
      // Keep the selection in the editor: a click would otherwise move focus to the button first.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  );
}
