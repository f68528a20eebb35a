'use client';

import { useState } from 'react';
import type { CommentView, Mention, ThreadView } from '../../../shared/comments/threadModel';
import { CommentBox } from './CommentBox';

/** What a card may do, and as whom. */
export interface ThreadActions {
  /** The person writing (null: may not comment). */
  me: Mention | null;
  people: Mention[];
  reply: (threadId: string, text: string, mentions: Mention[]) => void;
  edit: (threadId: string, commentId: string, text: string, mentions: Mention[]) => void;
  remove: (threadId: string, commentId: string) => void;
  setStatus: (threadId: string, status: ThreadView['status']) => void;
}

interface ThreadCardProps {
  thread: ThreadView;
  /** True when all of the thread's text was deleted. */
  onDeletedText: boolean;
  active: boolean;
  actions: ThreadActions;
  onActivate: () => void;
  style?: React.CSSProperties;
}

const TIME = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });

/**
 * One thread as a card: the quoted text (marked when it was deleted), each comment with its
 * author and time, edit and delete on one's own, a reply box, resolve or reopen. A suggestion
 * will be a card of the same kind with accept and reject in place of resolve.
 */
export function ThreadCard({ thread, onDeletedText, active, actions, onActivate, style }: ThreadCardProps) {
  const [editing, setEditing] = useState<string | null>(null);
  const resolved = thread.status === 'resolved';
  const { me } = actions;
  return (
    <article
      className={`thread-card${active ? ' thread-card-active' : ''}${resolved ? ' thread-card-resolved' : ''}`}
      data-thread-id={thread.id}
      aria-label={`Comment thread on “${thread.quote}”`}
      style={style}
      onClick={onActivate}
      onKeyDown={undefined}
      tabIndex={-1}
    >
      <blockquote className={onDeletedText ? 'thread-quote thread-quote-deleted' : 'thread-quote'}>
        {onDeletedText && <span className="thread-deleted-note">On deleted text: </span>}
        {thread.quote || '(no text)'}
      </blockquote>
      <ol className="thread-comments">
        {thread.comments.map((comment) => (
          <li key={comment.id} className="thread-comment">
            <CommentHeader comment={comment} />
            {editing === comment.id ? (
              <CommentBox
                label="Edit your comment"
                people={actions.people}
                initialText={comment.text}
                submitLabel="Save"
                autoFocus
                onSubmit={(text, mentions) => {
                  actions.edit(thread.id, comment.id, text, mentions);
                  setEditing(null);
                }}
                onCancel={() => setEditing(null)}
              />
            ) : (
              <p className={comment.deleted ? 'comment-text comment-deleted' : 'comment-text'}>{comment.deleted ? 'Comment deleted' : comment.text}</p>
            )}
            {me && comment.author === me.id && !comment.deleted && editing !== comment.id && (
              <span className="comment-own-actions">
                <button type="button" className="link-button" onClick={() => setEditing(comment.id)}>
                  Edit
                </button>
                <button type="button" className="link-button" onClick={() => actions.remove(thread.id, comment.id)}>
                  Delete
                </button>
              </span>
            )}
          </li>
        ))}
      </ol>
      {resolved && thread.statusByName && <p className="thread-status-note">Resolved by {thread.statusByName}</p>}
      {me && (
        <div className="thread-actions">
          {!resolved && (
            <CommentBox label="Reply" people={actions.people} submitLabel="Reply" onSubmit={(text, mentions) => actions.reply(thread.id, text, mentions)} />
          )}
          <button type="button" onClick={() => actions.setStatus(thread.id, resolved ? 'open' : 'resolved')}>
            {resolved ? 'Reopen' : 'Resolve'}
          </button>
        </div>
      )}
    </article>
  );
}

function CommentHeader({ comment }: { comment: CommentView }) {
  return (
    <p className="comment-meta">
      <strong>{comment.authorName || 'Someone'}</strong> <time dateTime={new Date(comment.created).toISOString()}>{TIME.format(comment.created)}</time>
      {comment.edited && !comment.deleted && <span className="comment-edited"> (edited)</span>}
    </p>
  );
}
