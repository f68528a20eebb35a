'use client';

import type { SuggestionView } from './useSuggestionList';

interface SuggestionCardProps {
  suggestion: SuggestionView;
  /** Accept, or null when this person may not ([SG6]: editors). */
  onAccept: (() => void) | null;
  /** Reject, or null when this person may not ([SG6]: editors, and the author). */
  onReject: (() => void) | null;
  /** Comment on the suggested text, or null when this person may not comment. */
  onReply: (() => void) | null;
  onSelect: () => void;
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/** One suggestion beside the page: its author and time, what it adds and removes, accept and reject. */
export function SuggestionCard({ suggestion, onAccept, onReject, onReply, onSelect }: SuggestionCardProps) {
  const { inserted, deleted, formatted, formats } = suggestion;
  const label = inserted && deleted ? 'Replace' : inserted ? 'Add' : deleted ? 'Delete' : 'Format';
  return (
    <article className="thread-card suggestion-card" data-suggestion-id={suggestion.id} aria-label={`Suggestion by ${suggestion.authorName || 'someone'}`}>
      <p className="comment-meta">
        <strong>{suggestion.authorName || 'Someone'}</strong> <time dateTime={new Date(suggestion.time).toISOString()}>{TIME.format(suggestion.time)}</time>
      </p>
      <p className="suggestion-change">
        <button type="button" className="link-button" onClick={onSelect}>
          {label}:
        </button>{' '}
        {deleted && <del className="suggestion-delete">{deleted}</del>}
        {deleted && inserted && ' with '}
        {inserted && <ins className="suggestion-insert">{inserted}</ins>}
        {formatted && !inserted && !deleted && (
          <>
            <span className="suggestion-formats">{formats.length > 0 ? formats.join(', ') : 'as before'}</span> on “{formatted}”
          </>
        )}
      </p>
      {(onAccept || onReject || onReply) && (
        <div className="suggestion-actions">
          {onReply && (
            <button type="button" className="link-button" onClick={onReply}>
              Reply
            </button>
          )}
          {onReject && (
            <button type="button" onClick={onReject}>
              Reject
            </button>
          )}
          {onAccept && (
            <button type="button" className="primary" onClick={onAccept}>
              Accept
            </button>
          )}
        </div>
      )}
    </article>
  );
}
