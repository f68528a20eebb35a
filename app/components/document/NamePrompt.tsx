'use client';

import { type KeyboardEvent, useEffect, useState } from 'react';
import type * as Y from 'yjs';

/** True once this page has made a change of its own to `doc` (typing in the body or the title). */
export function useFirstLocalEdit(doc: Y.Doc, watching: boolean): boolean {
  const [edited, setEdited] = useState(false);
  useEffect(() => {
    if (!watching || edited) return;
    // Remote changes and the device's stored copy are applied as non-local transactions.
    const onTransaction = (transaction: Y.Transaction) => {
      if (transaction.local && transaction.changed.size > 0) setEdited(true);
    };
    doc.on('afterTransaction', onTransaction);
    return () => doc.off('afterTransaction', onTransaction);
  }, [doc, watching, edited]);
  return edited;
}

/**
 * The gentle request for a name, shown above the document after someone's first edit while they
 * still have a default name. It takes no focus (typing goes on in the document) and blocks
 * nothing; "Add your name" opens the name dialog, "Not now" (or Escape inside it) dismisses it.
 */
export function NamePrompt({ name, onChoose, onDismiss }: { name: string; onChoose: () => void; onDismiss: () => void }) {
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') onDismiss();
  };
  return (
    <aside className="banner banner-info name-prompt" aria-label="Your name" onKeyDown={onKeyDown}>
      <span>
        You are editing as <strong>{name}</strong>. Add your name so others know who is writing.
      </span>
      <span className="banner-actions">
        <button type="button" className="primary" onClick={onChoose}>
          Add your name
        </button>
        <button type="button" onClick={onDismiss}>
          Not now
        </button>
      </span>
    </aside>
  );
}
