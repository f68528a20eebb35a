'use client';

import type { Editor } from '@tiptap/react';
import { X } from 'lucide-react';
import { useEffect, useState } from 'react';
import { OUTLINE_BESIDE_PAGE } from '../../document/useEditorPanels';
import { type OutlineHeading, outlineHeadings, sameOutline } from './outlineHeadings';

/** How long the outline waits after a change before it reads the headings again. */
const REFRESH_MS = 150;

/**
 * The document's outline: its headings (levels 1–3), following every change, one's own or anyone
 * else's. Choosing a heading scrolls to it and puts the caret at its start.
 */
export function OutlinePanel({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const [headings, setHeadings] = useState<OutlineHeading[]>(() => outlineHeadings(editor.state.doc));

  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    // Read after a pause, not at every keystroke: typing stays as fast with the outline open.
    const onUpdate = () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        if (editor.isDestroyed) return;
        const next = outlineHeadings(editor.state.doc);
        setHeadings((current) => (sameOutline(current, next) ? current : next));
      }, REFRESH_MS);
    };
    onUpdate();
    editor.on('update', onUpdate);
    return () => {
      clearTimeout(timer);
      editor.off('update', onUpdate);
    };
  }, [editor]);

  const go = (heading: OutlineHeading) => {
    const node = editor.state.doc.nodeAt(heading.position);
    if (node?.type.name !== 'heading') return;
    editor
      .chain()
      .focus()
      .setTextSelection(heading.position + 1)
      .run();
    const element = editor.view.nodeDOM(heading.position);
    if (element instanceof HTMLElement) element.scrollIntoView({ block: 'start' });
    // Where the outline covers the page (a phone), it gets out of the way of the text.
    if (!window.matchMedia(OUTLINE_BESIDE_PAGE).matches) onClose();
  };

  return (
    <nav className="outline-panel" aria-label="Outline">
      <div className="outline-head">
        <h2>Outline</h2>
        <button type="button" className="icon-button" aria-label="Hide outline" title="Hide outline" onClick={onClose}>
          <X aria-hidden />
        </button>
      </div>
      {headings.length === 0 ? (
        <p className="outline-empty">Headings you add to the document appear here.</p>
      ) : (
        <ul>
          {headings.map((heading) => (
            <li key={`${heading.position}-${heading.text}`} className={`outline-level-${heading.level}`}>
              <button type="button" className="outline-item" onClick={() => go(heading)}>
                {heading.text}
              </button>
            </li>
          ))}
        </ul>
      )}
    </nav>
  );
}
