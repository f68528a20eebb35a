'use client';

import { useCallback, useEffect, useState } from 'react';
import type * as Y from 'yjs';
import { TITLE_FIELD } from '../../../shared/documentFields';
import { normalizeTitle, replaceText } from '../../../shared/titleText';

/** Where the text cursor of the title input should go after a remote change. */
export type CursorMapper = (position: number) => number;

/**
 * The document title (the `title` Y.Text), live: returns the current value, a setter that writes
 * the smallest change (so two people typing in the title keep both their typing), and the
 * position mapping of the last remote change, for keeping a local cursor in place.
 */
export function useTitle(doc: Y.Doc): { title: string; setTitle: (value: string) => void; lastRemoteChange: CursorMapper | null } {
  const text = doc.getText(TITLE_FIELD);
  const [state, setState] = useState<{ title: string; lastRemoteChange: CursorMapper | null }>(() => ({ title: text.toString(), lastRemoteChange: null }));

  useEffect(() => {
    setState({ title: text.toString(), lastRemoteChange: null });
    const onChange = (event: Y.YTextEvent, transaction: Y.Transaction) => {
      setState({ title: text.toString(), lastRemoteChange: transaction.local ? null : mapperOf(event.delta) });
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

  return { title: state.title, setTitle, lastRemoteChange: state.lastRemoteChange };
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
