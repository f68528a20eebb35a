'use client';

import { type KeyboardEvent, useCallback, useEffect, useRef } from 'react';

// The toolbar's own controls, not those of its open menus, nor items moved into its "more" menu.
const FOCUSABLE = [':scope > .toolbar-item:not([data-overflowed]) > button', ':scope > .toolbar-item:not([data-overflowed]) > .menu-anchor > button']
  .map((selector) => `${selector}:not([disabled])`)
  .join(', ');

/**
 * Roving tab stop for a toolbar (WAI-ARIA toolbar pattern): the toolbar is one Tab stop, Left and
 * Right (and Home and End) move between its controls, and it remembers the last one used.
 */
export function useRovingFocus<T extends HTMLElement>() {
  const ref = useRef<T>(null);
  const current = useRef(0);

  const controls = useCallback(() => Array.from(ref.current?.querySelectorAll<HTMLElement>(FOCUSABLE) ?? []), []);

  const apply = useCallback(() => {
    const list = controls();
    if (list.length === 0) return;
    current.current = Math.min(current.current, list.length - 1);
    list.forEach((control, index) => {
      control.tabIndex = index === current.current ? 0 : -1;
    });
  }, [controls]);

  // Controls enable and disable as the selection moves, and move in and out of the "more" menu
  // as the width changes: keep exactly one of them tabbable.
  useEffect(() => {
    apply();
    const root = ref.current;
    if (!root) return;
    const observer = new MutationObserver(apply);
    observer.observe(root, { subtree: true, attributes: true, attributeFilter: ['disabled', 'data-overflowed'], childList: true });
    const onFocusIn = (event: FocusEvent) => {
      const index = controls().indexOf(event.target as HTMLElement);
      if (index >= 0 && index !== current.current) {
        current.current = index;
        apply();
      }
    };
    root.addEventListener('focusin', onFocusIn);
    return () => {
      observer.disconnect();
      root.removeEventListener('focusin', onFocusIn);
    };
  }, [apply, controls]);

  const onKeyDown = useCallback(
    (event: KeyboardEvent) => {
      const list = controls();
      const index = list.indexOf(document.activeElement as HTMLElement);
      if (index < 0) return;
      const moves: Record<string, number> = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: list.length - 1 };
      if (!(event.key in moves)) return;
      event.preventDefault();
      const next = (moves[event.key] + list.length) % list.length;
      current.current = next;
      apply();
      list[next].focus();
      list[next].scrollIntoView({ block: 'nearest', inline: 'nearest' });
    },
    [apply, controls],
  );

  return { ref, onKeyDown };
}
