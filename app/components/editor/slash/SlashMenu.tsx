'use client';

import { CodeSquare, Heading1, Heading2, Heading3, Image, List, ListOrdered, ListTodo, type LucideIcon, Minus, Pilcrow, Quote, Table } from 'lucide-react';
import { useEffect, useSyncExternalStore } from 'react';
import { createPortal } from 'react-dom';
import { SLASH_LIST_ID, type SlashMenuStore, slashOptionId } from './SlashMenuStore';

const ICONS: Record<string, LucideIcon> = {
  paragraph: Pilcrow,
  h1: Heading1,
  h2: Heading2,
  h3: Heading3,
  bulletList: List,
  orderedList: ListOrdered,
  taskList: ListTodo,
  blockquote: Quote,
  codeBlock: CodeSquare,
  table: Table,
  horizontalRule: Minus,
  image: Image,
};

/**
 * The list of the / menu, drawn at the caret. Focus stays in the editor (arrows, Enter and Escape
 * reach the menu through it); a click chooses too.
 */
export function SlashMenu({ store }: { store: SlashMenuStore }) {
  const { open, items, index, query } = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getSnapshot);

  useEffect(() => {
    if (open) document.getElementById(slashOptionId(index))?.scrollIntoView({ block: 'nearest' });
  }, [open, index]);

  if (!open || !store.element) return null;
  return createPortal(
    <div className="slash-menu">
      {items.length === 0 ? (
        <p className="slash-menu-empty">No block matches “{query}”</p>
      ) : (
        <div id={SLASH_LIST_ID} role="listbox" aria-label="Insert a block">
          {items.map((item, position) => {
            const Icon = ICONS[item.id] ?? Pilcrow;
            return (
              // biome-ignore lint/a11y/useKeyWithClickEvents: the keyboard reaches the options through the editor, which keeps focus.
              <div
                key={item.id}
                id={slashOptionId(position)}
                role="option"
                tabIndex={-1}
                aria-selected={position === index}
                className="slash-menu-item"
                // Keep the editor's focus and selection: the choice is made on click.
                onMouseDown={(event) => event.preventDefault()}
                onMouseEnter={() => store.highlight(position)}
                onClick={() => store.chooseAt(position)}
              >
                <Icon size={18} aria-hidden />
                {item.label}
              </div>
            );
          })}
        </div>
      )}
    </div>,
    store.element,
  );
}
