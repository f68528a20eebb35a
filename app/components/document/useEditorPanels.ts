'use client';

import { useCallback, useEffect, useState } from 'react';
import { flushSync } from 'react-dom';
import type { EditorPanels } from '../editor/DocumentEditor';
import type { FindMode } from '../editor/find/FindPanel';

/** Wide enough for the outline beside the page without covering it. */
export const OUTLINE_BESIDE_PAGE = '(min-width: 1240px)';
const OUTLINE_KEY = 'quire.outline';

/**
 * The editor page's panels and their keys: Ctrl+F find, Ctrl+H (or Ctrl+Alt+F) replace, Ctrl+/
 * the shortcut list, anywhere on the page (a modal dialog that is open keeps its keys). The
 * outline starts open where it fits beside the page, unless this browser closed it before.
 */
export function useEditorPanels(): EditorPanels & { shortcuts: boolean; setShortcuts: (open: boolean) => void; openFind: (mode: FindMode) => void } {
  const [find, setFind] = useState<FindMode | null>(null);
  const [findFocus, setFindFocus] = useState(0);
  const [outline, setOutline] = useState(false);
  const [shortcuts, setShortcuts] = useState(false);

  useEffect(() => {
    let stored: string | null = null;
    try {
      stored = localStorage.getItem(OUTLINE_KEY);
    } catch {
      // Blocked storage: the default holds.
    }
    setOutline(stored === null ? window.matchMedia(OUTLINE_BESIDE_PAGE).matches : stored === 'open');
  }, []);

  const onOutlineChange = useCallback((open: boolean) => {
    setOutline(open);
    try {
      localStorage.setItem(OUTLINE_KEY, open ? 'open' : 'closed');
    } catch {
      // Blocked storage: the choice holds for this page only.
    }
  }, []);

  const openFind = useCallback((mode: FindMode) => {
    setFind((current) => (mode === 'replace' ? 'replace' : (current ?? 'find')));
    setFindFocus((count) => count + 1);
  }, []);

  useEffect(() => {
    const onKeyDown = (event: KeyboardEvent) => {
      if (!(event.ctrlKey || event.metaKey) || event.shiftKey || event.defaultPrevented) return;
      if (document.querySelector('dialog[open]')) return;
      const key = event.key.toLowerCase();
      // By physical key too: Alt changes the character (⌥F is "ƒ" on a Mac).
      // Rendered in this task (flushSync): the keys typed next go to the panel's field.
      if (event.code === 'KeyF' || key === 'f') {
        event.preventDefault();
        flushSync(() => openFind(event.altKey ? 'replace' : 'find'));
      } else if (!event.altKey && (event.code === 'KeyH' || key === 'h')) {
        event.preventDefault();
        flushSync(() => openFind('replace'));
      } else if (!event.altKey && (key === '/' || event.code === 'Slash')) {
        event.preventDefault();
        flushSync(() => setShortcuts(true));
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, [openFind]);

  return { find, findFocus, outline, onFindChange: setFind, onOutlineChange, shortcuts, setShortcuts, openFind };
}
