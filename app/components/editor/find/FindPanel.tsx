'use client';

import type { Editor } from '@tiptap/react';
import { ChevronDown, ChevronUp, X } from 'lucide-react';
import { type KeyboardEvent, useCallback, useEffect, useId, useLayoutEffect, useRef, useState } from 'react';
import { MOD } from '../formatCommands';
import { moveToMatch, replaceAll, replaceCurrent } from './findCommands';
import { findKey, findPlugin, setFindQuery } from './findPlugin';

/** Whether the panel offers replacing. */
export type FindMode = 'find' | 'replace';

export interface FindPanelProps {
  editor: Editor;
  mode: FindMode;
  onModeChange: (mode: FindMode) => void;
  /** Bumped when Ctrl+F is pressed again while the panel is open: focus and select the search. */
  focusRequest: number;
  onClose: () => void;
}

/**
 * Find and replace in the document (Ctrl+F, Ctrl+H): matches are highlighted without changing the
 * document, Enter and Shift+Enter step through them, and "Replace all" is one undo step. People
 * who may not edit can find but not replace. Escape closes it and selects the current match.
 */
export function FindPanel({ editor, mode, onModeChange, focusRequest, onClose }: FindPanelProps) {
  const canReplace = editor.isEditable;
  const [text, setText] = useState(() => selectedText(editor));
  const [matchCase, setMatchCase] = useState(false);
  const [wholeWord, setWholeWord] = useState(false);
  const [replacement, setReplacement] = useState('');
  const [counts, setCounts] = useState({ total: 0, current: -1 });
  const [notice, setNotice] = useState('');
  const findInput = useRef<HTMLInputElement>(null);
  const replaceInput = useRef<HTMLInputElement>(null);
  const countId = useId();

  // The plugin lives only while the panel is open: a closed panel costs the editor nothing.
  useEffect(() => {
    editor.registerPlugin(findPlugin());
    const read = () => {
      const find = findKey.getState(editor.state);
      setCounts((was) =>
        find && (was.total !== find.matches.length || was.current !== find.current) ? { total: find.matches.length, current: find.current } : was,
      );
    };
    editor.on('transaction', read);
    return () => {
      editor.off('transaction', read);
      if (!editor.isDestroyed) editor.unregisterPlugin(findKey);
    };
  }, [editor]);

  const showCurrent = useCallback(() => {
    editor.view.dom.querySelector('.find-match-current')?.scrollIntoView({ block: 'center', inline: 'nearest' });
  }, [editor]);

  useEffect(() => {
    editor.view.dispatch(setFindQuery(editor.state.tr, { text, matchCase, wholeWord }));
    setNotice('');
    showCurrent();
  }, [editor, text, matchCase, wholeWord, showCurrent]);

  // A layout effect: focus is in the field before the browser handles the next key.
  // biome-ignore lint/correctness/useExhaustiveDependencies: focusRequest is the trigger, not a value read.
  useLayoutEffect(() => {
    findInput.current?.focus();
    findInput.current?.select();
  }, [focusRequest]);

  // Switching to replacing (Ctrl+H, "Replace…") moves on to the replacement; opening starts on the search.
  const shownMode = useRef(mode);
  useLayoutEffect(() => {
    if (mode === 'replace' && shownMode.current === 'find' && canReplace) replaceInput.current?.focus();
    shownMode.current = mode;
  }, [mode, canReplace]);

  const step = (by: number) => {
    moveToMatch(editor, by);
    showCurrent();
  };

  const close = () => {
    const find = findKey.getState(editor.state);
    const match = find?.matches[find.current];
    onClose();
    if (match) editor.chain().focus().setTextSelection(match).scrollIntoView().run();
    else editor.commands.focus();
  };

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key === 'Escape') {
      event.preventDefault();
      close();
    } else if ((event.ctrlKey || event.metaKey) && !event.altKey && event.key.toLowerCase() === 'f') {
      // Ctrl+F again: the browser's own find would open over this one.
      event.preventDefault();
      findInput.current?.select();
    }
  };

  const status =
    text === '' ? '' : counts.total === 0 ? 'No matches' : counts.current >= 0 ? `${counts.current + 1} of ${counts.total}` : `${counts.total} matches`;

  return (
    <section className="find-panel" role="dialog" aria-label="Find and replace" onKeyDown={onKeyDown}>
      <div className="find-row">
        <input
          ref={findInput}
          className="find-input"
          type="search"
          aria-label="Find in document"
          placeholder="Find in document"
          aria-describedby={countId}
          value={text}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key !== 'Enter') return;
            event.preventDefault();
            step(event.shiftKey ? -1 : 1);
          }}
        />
        <span id={countId} className="find-count" aria-live="polite">
          {status}
        </span>
        <button
          type="button"
          className="icon-button"
          aria-label="Previous match"
          title="Previous match (Shift+Enter)"
          disabled={counts.total === 0}
          onClick={() => step(-1)}
        >
          <ChevronUp aria-hidden />
        </button>
        <button type="button" className="icon-button" aria-label="Next match" title="Next match (Enter)" disabled={counts.total === 0} onClick={() => step(1)}>
          <ChevronDown aria-hidden />
        </button>
        <button type="button" className="icon-button" aria-label="Close find" title="Close (Escape)" onClick={close}>
          <X aria-hidden />
        </button>
      </div>
      <div className="find-options">
        <label>
          <input type="checkbox" checked={matchCase} onChange={(event) => setMatchCase(event.target.checked)} />
          Match case
        </label>
        <label>
          <input type="checkbox" checked={wholeWord} onChange={(event) => setWholeWord(event.target.checked)} />
          Whole words
        </label>
        {canReplace && mode === 'find' && (
          <button type="button" className="link-button" onClick={() => onModeChange('replace')} title={`Replace (${MOD}H)`}>
            Replace…
          </button>
        )}
      </div>
      {canReplace && mode === 'replace' && (
        <div className="find-row">
          <input
            ref={replaceInput}
            className="find-input"
            aria-label="Replace with"
            placeholder="Replace with"
            value={replacement}
            onChange={(event) => setReplacement(event.target.value)}
            onKeyDown={(event) => {
              if (event.key !== 'Enter') return;
              event.preventDefault();
              if (replaceCurrent(editor, replacement)) showCurrent();
            }}
          />
          <button type="button" disabled={counts.total === 0} onClick={() => replaceCurrent(editor, replacement) && showCurrent()}>
            Replace
          </button>
          <button
            type="button"
            disabled={counts.total === 0}
            onClick={() => {
              const replaced = replaceAll(editor, replacement);
              setNotice(`Replaced ${replaced} ${replaced === 1 ? 'match' : 'matches'}. ${MOD}Z undoes it.`);
              // The button is disabled now that nothing matches: keep focus in the panel.
              replaceInput.current?.focus();
            }}
          >
            Replace all
          </button>
        </div>
      )}
      {notice && (
        <p className="find-notice" role="status">
          {notice}
        </p>
      )}
    </section>
  );
}

/** The selection's text when it is a short piece of one line (what people mean to search for). */
function selectedText(editor: Editor): string {
  const { from, to, empty } = editor.state.selection;
  if (empty) return '';
  const text = editor.state.doc.textBetween(from, to, '\n');
  return text.includes('\n') || text.length > 200 ? '' : text;
}
