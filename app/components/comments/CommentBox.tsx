'use client';

import { type KeyboardEvent, useId, useMemo, useRef, useState } from 'react';
import { COMMENT_LIMITS, type Mention } from '../../../shared/comments/threadModel';

interface CommentBoxProps {
  label: string;
  /** People who may be mentioned with `@`. */
  people: Mention[];
  initialText?: string;
  submitLabel: string;
  onSubmit: (text: string, mentions: Mention[]) => void;
  onCancel?: () => void;
  autoFocus?: boolean;
}

/**
 * A comment's text box: a plain textarea (Ctrl/⌘+Enter sends, Escape cancels) with `@` completion
 * of the people who have been in the document, offered as a listbox the arrow keys move through.
 * The mentions sent are those whose `@Name` is still in the text.
 */
export function CommentBox({ label, people, initialText = '', submitLabel, onSubmit, onCancel, autoFocus }: CommentBoxProps) {
  const [text, setText] = useState(initialText);
  const [picked, setPicked] = useState<Mention[]>([]);
  const [query, setQuery] = useState<{ start: number; text: string } | null>(null);
  const [highlighted, setHighlighted] = useState(0);
  const area = useRef<HTMLTextAreaElement>(null);
  const listId = useId();

  const matches = useMemo(() => {
    if (!query) return [];
    const wanted = query.text.toLowerCase();
    return people.filter((person) => person.name.toLowerCase().startsWith(wanted)).slice(0, 8);
  }, [people, query]);

  const readQuery = (value: string, caret: number) => {
    const before = value.slice(0, caret);
    const at = /(^|\s)@([^\s@]{0,40})$/.exec(before);
    setQuery(at ? { start: caret - at[2].length - 1, text: at[2] } : null);
    setHighlighted(0);
  };

  const choose = (person: Mention) => {
    if (!query) return;
    const caret = area.current?.selectionStart ?? text.length;
    const next = `${text.slice(0, query.start)}@${person.name} ${text.slice(caret)}`;
    setText(next);
    setPicked((current) => (current.some((entry) => entry.id === person.id) ? current : [...current, person]));
    setQuery(null);
    requestAnimationFrame(() => {
      const position = query.start + person.name.length + 2;
      area.current?.setSelectionRange(position, position);
      area.current?.focus();
    });
  };

  const submit = () => {
    const trimmed = text.trim();
    if (!trimmed) return;
    onSubmit(
      trimmed,
      picked.filter((person) => trimmed.includes(`@${person.name}`)),
    );
    setText('');
    setPicked([]);
  };

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (matches.length > 0) {
      if (event.key === 'ArrowDown' || event.key === 'ArrowUp') {
        event.preventDefault();
        setHighlighted((index) => (index + (event.key === 'ArrowDown' ? 1 : matches.length - 1)) % matches.length);
        return;
      }
      if (event.key === 'Enter' || event.key === 'Tab') {
        event.preventDefault();
        choose(matches[highlighted]);
        return;
      }
      if (event.key === 'Escape') {
        event.preventDefault();
        setQuery(null);
        return;
      }
    }
    if (event.key === 'Enter' && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      submit();
    } else if (event.key === 'Escape' && onCancel) {
      event.preventDefault();
      onCancel();
    }
  };

  return (
    <div className="comment-box">
      <textarea
        ref={area}
        aria-label={label}
        placeholder="Comment or add others with @"
        value={text}
        maxLength={COMMENT_LIMITS.commentLength}
        // biome-ignore lint/a11y/noAutofocus: the box opens because the person asked to write a comment.
        autoFocus={autoFocus}
        rows={2}
        role="combobox"
        aria-expanded={matches.length > 0}
        aria-controls={listId}
        aria-autocomplete="list"
        aria-activedescendant={matches.length > 0 ? `${listId}-${highlighted}` : undefined}
        onChange={(event) => {
          setText(event.target.value);
          readQuery(event.target.value, event.target.selectionStart);
        }}
        onKeyDown={onKeyDown}
      />
      {matches.length > 0 && (
        <div className="mention-list" role="listbox" id={listId} aria-label="People to mention">
          {matches.map((person, index) => (
            // biome-ignore lint/a11y/useKeyWithClickEvents: the textarea's arrow keys and Enter choose; this is for the mouse.
            <div
              key={person.id}
              tabIndex={-1}
              id={`${listId}-${index}`}
              role="option"
              aria-selected={index === highlighted}
              className={index === highlighted ? 'mention-option mention-option-active' : 'mention-option'}
              onMouseDown={(event) => event.preventDefault()}
              onClick={() => choose(person)}
            >
              {person.name}
            </div>
          ))}
        </div>
      )}
      <div className="comment-box-actions">
        {onCancel && (
          <button type="button" onClick={onCancel}>
            Cancel
          </button>
        )}
        <button type="button" className="primary" onClick={submit} disabled={!text.trim()}>
          {submitLabel}
        </button>
      </div>
    </div>
  );
}
