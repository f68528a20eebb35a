'use client';

import { useCallback, useEffect, useRef, useState } from 'react';
import type * as Y from 'yjs';
import { TITLE_FIELD } from '../../../shared/documentFields';
import { normalizeTitle, replaceText } from '../../../shared/titleText';

/** Where a position in the title before a remote change is after it. */
export type CursorMapper = (position: number) => number;

/** A remote change to the title, as it is applied: the new text and how positions moved. */
export type RemoteTitleChange = (text: string, map: CursorMapper) => void;

/**
 * The document title (the `title` Y.Text), live: returns the current value and a setter that
 * writes the smallest change (so two people typing in the title keep both their typing).
 * `onRemoteChange` hears every remote change synchronously as it is applied, so an input can show
 * it at once: between a remote change and React's next render, a keystroke would otherwise be
 * read against the old text and its diff would undo the remote change.
 */
export function useTitle(doc: Y.Doc, onRemoteChange?: RemoteTitleChange): { title: string; setTitle: (value: string) => void } {
  const text = doc.getText(TITLE_FIELD);
  const [title, setTitleState] = useState(() => text.toString());
  const listener = useRef(onRemoteChange);
  listener.current = onRemoteChange;

  useEffect(() => {
    setTitleState(text.toString());
    const onChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
      if (!transaction.local) listener.current?.(text.toString(), mapperOf(event.delta));
      setTitleState(text.toString());
    };
    text.observe(onChange);
    return () => text.unobserve(onChange);
  }, [text]);

  const setTitle = useCallback(
    (value: string) => {
      doc.transact(() => replaceText(text, normalizeTitle(value)));
    },
    [doc, text],
  );

  return { title, setTitle };
}

/** Maps a position in the old text to the new one through a Yjs text delta. */
function mapperOf(delta: Y.YTextEvent['delta']): CursorMapper {
  return (position) => {
    let oldIndex = 0;
    let shift = 0;
    for (const op of delta) {
      if (op.retain !== undefined) {
        oldIndex += op.retain;
        if (oldIndex >= position) break;
      } else if (op.insert !== undefined) {
        shift += typeof op.insert === 'string' ? op.insert.length : 1;
      } else if (op.delete !== undefined) {
        const deletedBefore = Math.min(op.delete, position - oldIndex);
        if (deletedBefore > 0) shift -= deletedBefore;
        oldIndex += op.delete;
        if (oldIndex >= position) break;
      }
    }
    return Math.max(0, position + shift);
  };
}
