'use client';

import { useLayoutEffect, useRef } from 'react';
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
  const { title, setTitle, lastRemoteChange } = useTitle(doc);
  const input = useRef<HTMLInputElement>(null);
  const selection = useRef<{ start: number; end: number } | null>(null);

  // A remote change re-renders the input with a new value; keep the local cursor where it was
  // relative to the text around it, instead of letting it jump to the end.
  useLayoutEffect(() => {
    const element = input.current;
    const saved = selection.current;
    if (!element || !saved || document.activeElement !== element || !lastRemoteChange) return;
    element.setSelectionRange(lastRemoteChange(saved.start), lastRemoteChange(saved.end));
  }, [lastRemoteChange]);

  const remember = () => {
    const element = input.current;
    if (element) selection.current = { start: element.selectionStart ?? 0, end: element.selectionEnd ?? 0 };
  };

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
      onChange={(event) => {
        setTitle(event.target.value);
        remember();
      }}
      onSelect={remember}
      onKeyUp={remember}
      onKeyDown={(event) => {
        if (event.key === 'Enter') {
          event.preventDefault();
          onEnter?.();
        }
      }}
    />
  );
}
