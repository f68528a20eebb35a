'use client';

import { useCallback, useEffect, useState } from 'react';
import { type ActivityEntry, errorMessage, fetchActivity } from '../../lib/api';
import { fullTime, relativeTime } from '../../lib/relativeTime';
import { Dialog } from '../ui/Dialog';

interface ActivityDialogProps {
  name: string;
  /** The secret this page holds; only a link that manages links may read the activity. */
  linkKey: string;
  onClose: () => void;
}

/** Through which link (or a backend token) someone acted, in words. */
function viaText(via: string): string {
  return via === 'token' ? 'through the API' : `with the ${via} link`;
}

/**
 * The document's activity (its audit log), newest first: who opened it, changed its links,
 * renamed it, restored a version, a page at a time ("Show older").
 */
export function ActivityDialog({ name, linkKey, onClose }: ActivityDialogProps) {
  const [entries, setEntries] = useState<ActivityEntry[] | null>(null);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (before: number | null) => {
      setBusy(true);
      try {
        const page = await fetchActivity(name, linkKey, before);
        setEntries((shown) => [...(before === null ? [] : (shown ?? [])), ...page.entries]);
        setNext(page.next);
        setError(null);
      } catch (cause) {
        setError(`The activity could not be loaded: ${errorMessage(cause)}`);
      } finally {
        setBusy(false);
      }
    },
    [name, linkKey],
  );

  useEffect(() => {
    void load(null);
  }, [load]);

  return (
    <Dialog title="Activity" onClose={onClose} className="dialog-wide">
      <p className="muted">Who opened this document, changed its links, renamed it or restored a version. Only holders of the edit link see this.</p>
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
      {!entries && !error && <p className="muted">Loading the activity…</p>}
      {entries && entries.length === 0 && <p className="muted">Nothing yet.</p>}
      {entries && entries.length > 0 && (
        <ol className="activity-list" aria-label="Activity">
          {entries.map((entry) => (
            <li key={entry.seq} className="activity-entry">
              <span>
                <strong>{entry.actor.name || 'Anonymous'}</strong> {entry.description}
                {typeof entry.detail.title === 'string' && <> to “{entry.detail.title}”</>} <span className="muted">{viaText(entry.actor.via)}</span>
              </span>
              <time dateTime={entry.at} title={fullTime(Date.parse(entry.at))} className="muted">
                {relativeTime(Date.parse(entry.at))}
              </time>
            </li>
          ))}
        </ol>
      )}
      <footer className="dialog-actions">
        {next !== null && (
          <button type="button" onClick={() => void load(next)} disabled={busy}>
            Show older
          </button>
        )}
        <span className="spacer" />
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </footer>
    </Dialog>
  );
}
