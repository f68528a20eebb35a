'use client';

import type { ReactNode } from 'react';

/** One item of the toolbar: what it shows in the row and, once moved into "More", as menu items. */
export interface ToolbarItem {
  key: string;
  bar: ReactNode;
  menu?: ReactNode;
  divider?: boolean;
}

/** A line between groups of the toolbar (left out of "More"). */
export const DIVIDER = (after: string): ToolbarItem => ({ key: `divider-${after}`, bar: <Divider />, divider: true });

/** What a toolbar button shows and does. */
export interface ToolButtonProps {
  label: string;
  shortcut?: string;
  active?: boolean;
  disabled?: boolean;
  onClick: () => void;
  children: ReactNode;
}

/** A toolbar button: its label, shortcut (in its tooltip and `aria-keyshortcuts`) and pressed state. */
export function ToolButton({ label, shortcut, active, disabled, onClick, children }: ToolButtonProps) {
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

/** The line between groups. */
export function Divider() {
  return <span className="toolbar-divider" aria-hidden />;
}
