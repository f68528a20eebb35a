'use client';

import { Bookmark, RotateCcw } from 'lucide-react';
import { distinctLabels, personTag } from '../../../shared/personLabel';
import { fullTime, relativeTime } from '../../lib/relativeTime';
import type { Version } from './historyApi';

interface VersionListProps {
  versions: Version[];
  selected: number | null;
  onSelect: (id: number) => void;
  /** This browser's own id, to mark its changes "(you)". */
  selfId?: string;
}

/**
 * The versions, newest first: name or time, who contributed, and whether it was a restore.
 * Authors who chose the same name are told apart by the tag of their id.
 */
export function VersionList({ versions, selected, onSelect, selfId }: VersionListProps) {
  return (
    <ol className="version-list" aria-label="Versions">
      {versions.map((version, index) => {
        const time = Date.parse(version.created);
        return (
          <li key={version.id}>
            <button
              type="button"
              className="version-item"
              aria-current={version.id === selected ? 'true' : undefined}
              onClick={() => onSelect(version.id)}
              data-version={version.id}
            >
              <span className="version-heading">
                {version.label ? (
                  <>
                    <Bookmark size={14} aria-label="Named version" />
                    <span className="version-label">{version.label}</span>
                  </>
                ) : (
                  <span className="version-label">{fullTime(time)}</span>
                )}
                {index === 0 && <span className="version-badge">Latest</span>}
              </span>
              <span className="version-meta" title={fullTime(time)}>
                {version.label ? `${fullTime(time)} · ` : ''}
                {relativeTime(time)}
              </span>
              {version.restoredFrom && (
                <span className="version-meta version-restore">
                  <RotateCcw size={12} aria-hidden /> Restored from {version.restoredFrom.label ?? fullTime(Date.parse(version.restoredFrom.created))}
                </span>
              )}
              <span className="version-authors">
                {version.authors.length === 0 ? (
                  <span className="muted">No recorded author</span>
                ) : (
                  authorLabels(version.authors, selfId).map(({ id, color, label }) => (
                    <span key={id} className="version-author" title={`${label} · ${personTag(id)}`}>
                      <span className="author-dot" style={{ background: color }} aria-hidden />
                      {label}
                    </span>
                  ))
                )}
              </span>
            </button>
          </li>
        );
      })}
    </ol>
  );
}

/** Each author's label: the name, the id's tag when another author has the same name, and "(you)" for this browser. */
function authorLabels(authors: Version['authors'], selfId: string | undefined) {
  const labels = distinctLabels(authors);
  return authors.map(({ id, name, color }) => ({ id, color, label: id === selfId ? `${name} (you)` : (labels.get(id) ?? name) }));
}
