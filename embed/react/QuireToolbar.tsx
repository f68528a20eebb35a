'use client';

import { type Editor, useEditorState } from '@tiptap/react';
import {
  Bold,
  Code,
  Heading1,
  Heading2,
  Heading3,
  Highlighter,
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
  Underline,
  Undo2,
} from 'lucide-react';
import type { ReactNode } from 'react';

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
      bold: e.isActive('bold'),
      italic: e.isActive('italic'),
      underline: e.isActive('underline'),
      strike: e.isActive('strike'),
      code: e.isActive('code'),
      highlight: e.isActive('highlight'),
      link: e.isActive('link'),
      bulletList: e.isActive('bulletList'),
      orderedList: e.isActive('orderedList'),
      taskList: e.isActive('taskList'),
      blockquote: e.isActive('blockquote'),
      codeBlock: e.isActive('codeBlock'),
      canUndo: e.can().undo(),
      canRedo: e.can().redo(),
    }),
  });
  const chain = () => editor.chain().focus();

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
      <Tool label="Bold" shortcut="Mod+B" active={state.bold} onClick={() => chain().toggleBold().run()}>
        <Bold size={16} />
      </Tool>
      <Tool label="Italic" shortcut="Mod+I" active={state.italic} onClick={() => chain().toggleItalic().run()}>
        <Italic size={16} />
      </Tool>
      <Tool label="Underline" shortcut="Mod+U" active={state.underline} onClick={() => chain().toggleUnderline().run()}>
        <Underline size={16} />
      </Tool>
      <Tool label="Strikethrough" active={state.strike} onClick={() => chain().toggleStrike().run()}>
        <Strikethrough size={16} />
      </Tool>
      <Tool label="Inline code" active={state.code} onClick={() => chain().toggleCode().run()}>
        <Code size={16} />
      </Tool>
      <Tool label="Highlight" active={state.highlight} onClick={() => chain().toggleHighlight().run()}>
        <Highlighter size={16} />
      </Tool>
      <Tool label="Link" active={state.link} onClick={editLink}>
        <Link size={16} />
      </Tool>
      <span className="quire-toolbar__separator" />
      <Tool label="Bulleted list" active={state.bulletList} onClick={() => chain().toggleBulletList().run()}>
        <List size={16} />
      </Tool>
      <Tool label="Numbered list" active={state.orderedList} onClick={() => chain().toggleOrderedList().run()}>
        <ListOrdered size={16} />
      </Tool>
      <Tool label="Task list" active={state.taskList} onClick={() => chain().toggleTaskList().run()}>
        <ListTodo size={16} />
      </Tool>
      <Tool label="Quote" active={state.blockquote} onClick={() => chain().toggleBlockquote().run()}>
        <Quote size={16} />
      </Tool>
      <Tool label="Code block" active={state.codeBlock} onClick={() => chain().toggleCodeBlock().run()}>
        <SquareCode size={16} />
      </Tool>
      <Tool label="Divider" onClick={() => chain().setHorizontalRule().run()}>
        <Minus size={16} />
      </Tool>
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
      title={shortcut ? `${label} (${shortcut})` : label}
      disabled={disabled}
      // Keep the selection in the editor: a click would otherwise move focus to the button first.
      onMouseDown={(event) => event.preventDefault()}
      onClick={onClick}
    >
      {children}
    </button>
  );
}
