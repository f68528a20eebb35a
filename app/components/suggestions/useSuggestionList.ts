'use client';

import type { Editor } from '@tiptap/react';
import { useEffect, useState } from 'react';
import { SUGGESTION_FORMAT, SUGGESTION_INSERT } from '../../../shared/suggestions/suggestionMarks';
import { type SuggestionRange, suggestionRanges } from './suggestionMode';

/** One suggestion as its card shows it: who, when, and the text it adds and removes. */
export interface SuggestionView {
  id: string;
  author: string;
  authorName: string;
  time: number;
  inserted: string;
  deleted: string;
  /** The text whose formatting it changes, and what it changes ([SG12]). */
  formatted: string;
  formats: string[];
  /** Where its first text starts (to place and select it). */
  from: number;
  to: number;
}

/** The suggestions of `doc`'s body, in document order, one per id. */
export function suggestionViews(ranges: SuggestionRange[]): SuggestionView[] {
  const byId = new Map<string, SuggestionView>();
  for (const range of ranges) {
    let view = byId.get(range.attrs.id);
    if (!view) {
      view = {
        id: range.attrs.id,
        author: range.attrs.author,
        authorName: range.attrs.authorName,
        time: range.attrs.time,
        inserted: '',
        deleted: '',
        formatted: '',
        formats: [],
        from: range.from,
        to: range.to,
      };
      byId.set(range.attrs.id, view);
    }
    if (range.type === SUGGESTION_INSERT) view.inserted += range.text;
    else if (range.type === SUGGESTION_FORMAT) {
      view.formatted += range.text;
      for (const change of range.changes) if (!view.formats.includes(change)) view.formats.push(change);
    } else view.deleted += range.text;
    view.to = Math.max(view.to, range.to);
  }
  return [...byId.values()];
}

/** The editor's suggestions, read again after each change of its document (at most once a frame). */
export function useSuggestionList(editor: Editor | null): SuggestionView[] {
  const [views, setViews] = useState<SuggestionView[]>([]);
  useEffect(() => {
    if (!editor) return;
    let frame = 0;
    const read = () => {
      if (!editor.isDestroyed) setViews(suggestionViews(suggestionRanges(editor.state.doc)));
    };
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(read);
    };
    read();
    editor.on('update', update);
    return () => {
      cancelAnimationFrame(frame);
      editor.off('update', update);
    };
  }, [editor]);
  return views;
}
