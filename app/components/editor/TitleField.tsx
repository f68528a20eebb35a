'use client';

import { useRef } from 'react';
import type * as Y from 'yjs';
import { UNTITLED } from '../../../shared/documentFields';
import { MAX_TITLE_LENGTH } from '../../../shared/titleText';
import { useTitle } from './useTitle';

interface TitleFieldProps {
  doc: Y.Doc;
  readOnly: boolean;
  /** Enter in the title moves on to the body. */
  onEnter?: () => void;
}

/** The document title as an input, synced live with everyone in the document. */
export function TitleField({ doc, readOnly, onEnter }: TitleFieldProps) {
  const input = useRef<HTMLInputElement>(null);
  // A remote change goes into the input at once, the cursor carried through it: left to React's
  // next render, the browser would move the cursor to the end, and a key typed before that render
  // would be diffed against the old text, undoing the remote change.
  const { title, setTitle } = useTitle(doc, (text, map) => {
    const element = input.current;
    if (!element || element.value === text) return;
    const focused = document.activeElement === element;
    const start = element.selectionStart ?? 0;
    const end = element.selectionEnd ?? 0;
    element.value = text;
    if (focused) element.setSelectionRange(map(start), map(end));
  });

  return (
    <input
      ref={input}
      className="title-input"
      aria-label="Document title"
      placeholder={UNTITLED}
      value={title}
      maxLength={MAX_TITLE_LENGTH}
      readOnly={readOnly}
      spellCheck
      onChange={(event) => setTitle(event.target.value)}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          onEnter?.();
        }
      }}
    />
  );
}
