'use client';

import { type CSSProperties, type KeyboardEvent, type ReactNode, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';

/** The roles of a menu's items. */
const MENU_ITEMS = '[role="menuitem"], [role="menuitemcheckbox"], [role="menuitemradio"]';

interface MenuProps {
  /** The accessible name of the button that opens the menu. */
  label: string;
  /** What the button shows (an icon, text or both). */
  button: ReactNode;
  buttonClassName?: string;
  /** Where the menu opens relative to the button. */
  align?: 'start' | 'end';
  children: ReactNode;
  disabled?: boolean;
}

/**
 * A menu button (WAI-ARIA menu pattern): Enter, Space or ArrowDown open it and focus the first
 * item; arrows, Home and End move; Escape closes and returns focus; a click outside closes it.
 */
export function Menu({ label, button, buttonClassName, align = 'end', children, disabled }: MenuProps) {
  const [open, setOpen] = useState(false);
  const [position, setPosition] = useState<CSSProperties>({});
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLDivElement>(null);
  const menuId = useId();

  // Fixed to the window, under its button: a menu inside a scrolling toolbar is not clipped by it.
  useLayoutEffect(() => {
    if (!open || !buttonRef.current || !menuRef.current) return;
    const button = buttonRef.current.getBoundingClientRect();
    const menu = menuRef.current.getBoundingClientRect();
    const margin = 8;
    const left = align === 'end' ? button.right - menu.width : button.left;
    const below = button.bottom + 4;
    const top = below + menu.height > window.innerHeight - margin ? Math.max(margin, button.top - 4 - menu.height) : below;
    setPosition({ top, left: Math.min(Math.max(margin, left), window.innerWidth - menu.width - margin), visibility: 'visible' });
  }, [open, align]);

  // Focus the first item once the menu is placed (a hidden element cannot take focus).
  const placed = position.visibility === 'visible';
  useEffect(() => {
    if (open && placed) menuRef.current?.querySelector<HTMLElement>(`:is(${MENU_ITEMS}):not([disabled])`)?.focus({ preventScroll: true });
  }, [open, placed]);

  useEffect(() => {
    if (!open) return;
    const onPointerDown = (event: PointerEvent) => {
      const target = event.target as Node;
      if (!menuRef.current?.contains(target) && !buttonRef.current?.contains(target)) setOpen(false);
    };
    // The menu stays where it was placed: anything that moves its button closes it.
    const onMove = (event: Event) => {
      if (!menuRef.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointerDown);
    window.addEventListener('scroll', onMove, true);
    window.addEventListener('resize', onMove);
    return () => {
      document.removeEventListener('pointerdown', onPointerDown);
      window.removeEventListener('scroll', onMove, true);
      window.removeEventListener('resize', onMove);
    };
  }, [open]);

  const items = () => Array.from(menuRef.current?.querySelectorAll<HTMLElement>(`:is(${MENU_ITEMS}):not([disabled])`) ?? []);

  const onMenuKeyDown = (event: KeyboardEvent) => {
    const list = items();
    const index = list.indexOf(document.activeElement as HTMLElement);
    const focusAt = (next: number) => list[(next + list.length) % list.length]?.focus({ preventScroll: true });
    switch (event.key) {
      case 'ArrowDown':
        focusAt(index + 1);
        break;
      case 'ArrowUp':
        focusAt(index - 1);
        break;
      case 'Home':
        focusAt(0);
        break;
      case 'End':
        focusAt(list.length - 1);
        break;
      case 'Escape':
        setOpen(false);
        buttonRef.current?.focus();
        break;
      case 'Tab':
        setOpen(false);
        return;
      default:
        return;
    }
    event.preventDefault();
  };

  return (
    <div className="menu-anchor">
      <button
        ref={buttonRef}
        type="button"
        className={buttonClassName ?? 'icon-button'}
        aria-label={label}
        title={label}
        aria-haspopup="menu"
        aria-expanded={open}
        aria-controls={open ? menuId : undefined}
        disabled={disabled}
        onClick={() => {
          setPosition({ visibility: 'hidden' });
          setOpen((value) => !value);
        }}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown') {
            event.preventDefault();
            setPosition({ visibility: 'hidden' });
            setOpen(true);
          } else if (event.key === 'Escape' && open) {
            event.preventDefault();
            setOpen(false);
          }
        }}
      >
        {button}
      </button>
      {open && (
        <div
          ref={menuRef}
          id={menuId}
          role="menu"
          aria-label={label}
          className="menu"
          style={position}
          tabIndex={-1}
          onKeyDown={onMenuKeyDown}
          onClick={(event) => {
            // Choosing an item closes the menu, and focus goes back to its button: now, before a
            // dialog the item opened is shown (it returns focus there when it closes). An item
            // that moves focus itself (into the text) does so later, in an animation frame.
            if ((event.target as HTMLElement).closest(MENU_ITEMS)) {
              buttonRef.current?.focus({ preventScroll: true });
              setOpen(false);
            }
          }}
        >
          {children}
        </div>
      )}
    </div>
  );
}

interface MenuItemProps {
  onSelect: () => void;
  children: ReactNode;
  icon?: ReactNode;
  disabled?: boolean;
  danger?: boolean;
  /** A keyboard shortcut to show next to the label. */
  hint?: string;
  /** For an item that is on or off (bold, a list): shown and announced as a checked item. */
  checked?: boolean;
}

/** One entry of a `Menu`. */
export function MenuItem({ onSelect, children, icon, disabled, danger, hint, checked }: MenuItemProps) {
  return (
    // biome-ignore lint/a11y/useAriaPropsSupportedByRole: aria-checked is set only with the role menuitemcheckbox, which has it.
    <button
      type="button"
      role={checked === undefined ? 'menuitem' : 'menuitemcheckbox'}
      aria-checked={checked}
      tabIndex={-1}
      className={`menu-item${danger ? ' menu-item-danger' : ''}`}
      disabled={disabled}
      onClick={onSelect}
    >
      <span className="menu-item-icon" aria-hidden>
        {icon}
      </span>
      <span className="menu-item-label">{children}</span>
      {hint && <kbd className="menu-item-hint">{hint}</kbd>}
    </button>
  );
}

/** A line between groups of menu items. */
export function MenuSeparator() {
  return <hr className="menu-separator" />;
}
