'use client';

import type { Editor } from '@tiptap/react';
import { X } from 'lucide-react';
import { type ReactNode, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { isEmptyThread, type Mention, type ThreadView } from '../../../shared/comments/threadModel';
import { CommentBox } from './CommentBox';
import { commentsPluginKey } from './commentsExtension';
import { type ThreadActions, ThreadCard } from './ThreadCard';
import type { Draft } from './useComments';
import './comments.css';

type Filter = 'open' | 'resolved' | 'all';

interface CommentsPanelProps {
  editor: Editor | null;
  threads: ThreadView[];
  active: string | null;
  onActivate: (threadId: string | null) => void;
  draft: Draft | null;
  onSubmitDraft: (text: string, mentions: Mention[]) => void;
  onCancelDraft: () => void;
  actions: ThreadActions;
  people: Mention[];
  /** Narrow screens: the panel is shown over the page only while open. */
  open: boolean;
  onClose: () => void;
  /** Shown above the threads (the suggestions' cards). */
  before?: ReactNode;
}

/** Cards closer than this are pushed down, in px. */
const GAP = 8;

/**
 * The threads beside the page. On a wide screen, open threads sit level with their text (pushed
 * down where they would overlap, the active one at its text); resolved threads and all threads
 * are a list. On a narrow screen the panel opens over the page as that list, with the same filter.
 */
export function CommentsPanel({
  editor,
  threads,
  active,
  onActivate,
  draft,
  onSubmitDraft,
  onCancelDraft,
  actions,
  people,
  open,
  onClose,
  before,
}: CommentsPanelProps) {
  const [filter, setFilter] = useState<Filter>('open');
  const [tops, setTops] = useState<Map<string, number>>(new Map());
  const [version, setVersion] = useState(0);
  const panel = useRef<HTMLElement>(null);
  const cards = useRef<HTMLDivElement>(null);
  const wide = useWide();
  const ranges = editor && !editor.isDestroyed ? commentsPluginKey.getState(editor.state)?.ranges : undefined;

  // Follow the editor: positions change with every edit; alignment is worked out at most once a frame.
  useEffect(() => {
    if (!editor) return;
    let frame = 0;
    const update = () => {
      cancelAnimationFrame(frame);
      frame = requestAnimationFrame(() => setVersion((value) => value + 1));
    };
    editor.on('transaction', update);
    window.addEventListener('resize', update);
    return () => {
      cancelAnimationFrame(frame);
      editor.off('transaction', update);
      window.removeEventListener('resize', update);
    };
  }, [editor]);

  const shown = threads.filter((thread) => !isEmptyThread(thread) && (filter === 'all' || thread.status === filter));
  const aligned = wide && filter === 'open';

  // biome-ignore lint/correctness/useExhaustiveDependencies: `version` is how the editor's changes arrive.
  useLayoutEffect(() => {
    if (!aligned || !editor || editor.isDestroyed || !cards.current) return;
    // Cards are placed inside their list, which starts below the panel's header.
    const origin = cards.current.getBoundingClientRect().top;
    const wanted: Array<{ id: string; top: number; height: number }> = [];
    const place = (id: string, pos: number | undefined) => {
      const card = panel.current?.querySelector<HTMLElement>(`[data-thread-id="${id}"]`);
      let top = Number.POSITIVE_INFINITY;
      if (pos !== undefined && pos <= editor.state.doc.content.size) {
        try {
          top = editor.view.coordsAtPos(pos).top - origin;
        } catch {
          // A position the view cannot show yet: at the end.
        }
      }
      wanted.push({ id, top, height: card?.offsetHeight ?? 80 });
    };
    if (draft) place('draft', draft.from);
    for (const thread of shown) place(thread.id, ranges?.get(thread.id)?.from);
    wanted.sort((a, b) => a.top - b.top);
    const next = new Map<string, number>();
    let bottom = 0;
    for (const entry of wanted) {
      const top = Math.max(Number.isFinite(entry.top) ? entry.top : bottom, bottom);
      next.set(entry.id, top);
      bottom = top + entry.height + GAP;
    }
    setTops((current) => (sameTops(current, next) ? current : next));
  }, [aligned, editor, version, threads, draft, filter, active]);

  const activeThread = active;
  useEffect(() => {
    if (!activeThread) return;
    panel.current?.querySelector<HTMLElement>(`[data-thread-id="${activeThread}"]`)?.scrollIntoView({ block: 'nearest' });
  }, [activeThread]);

  const positioned = (id: string): React.CSSProperties | undefined =>
    aligned ? { position: 'absolute', top: tops.get(id) ?? 0, left: 0, right: 0 } : undefined;
  const height = aligned ? Math.max(0, ...[...tops.values()].map((top) => top + 240)) : undefined;

  return (
    <aside className={`comments-panel${open ? ' comments-panel-open' : ''}`} aria-label="Comments" ref={panel}>
      <div className="comments-panel-header">
        <select value={filter} onChange={(event) => setFilter(event.target.value as Filter)} aria-label="Show comments">
          <option value="open">Open</option>
          <option value="resolved">Resolved</option>
          <option value="all">All</option>
        </select>
        <button type="button" className="icon-button comments-close" aria-label="Close comments" onClick={onClose}>
          <X size={16} aria-hidden />
        </button>
      </div>
      {before}
      <div className="comments-cards" ref={cards} style={aligned ? { position: 'relative', minHeight: height } : undefined}>
        {draft && (
          <article className="thread-card thread-card-active" data-thread-id="draft" aria-label="New comment" style={positioned('draft')}>
            <blockquote className="thread-quote">{draft.quote}</blockquote>
            <CommentBox label="New comment" people={people} submitLabel="Comment" autoFocus onSubmit={onSubmitDraft} onCancel={onCancelDraft} />
          </article>
        )}
        {shown.map((thread) => (
          <ThreadCard
            key={thread.id}
            thread={thread}
            onDeletedText={thread.status === 'open' ? ranges?.get(thread.id) === null : false}
            active={thread.id === active}
            actions={actions}
            onActivate={() => onActivate(thread.id)}
            style={positioned(thread.id)}
          />
        ))}
        {shown.length === 0 && !draft && <p className="comments-empty">{filter === 'resolved' ? 'No resolved comments.' : 'No comments yet.'}</p>}
      </div>
    </aside>
  );
}

function sameTops(a: Map<string, number>, b: Map<string, number>): boolean {
  if (a.size !== b.size) return false;
  for (const [id, top] of b) if (a.get(id) !== top) return false;
  return true;
}

/** True on screens wide enough for the page and the comments side by side. */
function useWide(): boolean {
  const [wide, setWide] = useState(false);
  useEffect(() => {
    const query = window.matchMedia('(min-width: 1200px)');
    setWide(query.matches);
    const change = () => setWide(query.matches);
    query.addEventListener('change', change);
    return () => query.removeEventListener('change', change);
  }, []);
  return wide;
}
