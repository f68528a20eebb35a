'use client';

import { useMemo, useState } from 'react';
import { Dialog } from '../../ui/Dialog';
import { shortcutGroups } from './shortcutList';

/** The editor's keyboard shortcuts (Ctrl+/), with a filter. */
export function ShortcutsDialog({ onClose }: { onClose: () => void }) {
  const [query, setQuery] = useState('');
  const groups = useMemo(() => {
    const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    return shortcutGroups()
      .map((group) => ({
        ...group,
        entries: group.entries.filter((entry) => words.every((word) => `${entry.action} ${entry.keys}`.toLocaleLowerCase().includes(word))),
      }))
      .filter((group) => group.entries.length > 0);
  }, [query]);

  return (
    <Dialog
      title="Keyboard shortcuts"
      onClose={onClose}
      className="dialog-wide shortcuts-dialog"
      actions={
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      }
    >
      {/* Not type="search": there, Escape would clear the text instead of closing the dialog. */}
      {/* biome-ignore lint/a11y/useSemanticElements: a search field, without type="search"'s Escape (see above). */}
      <input
        type="text"
        role="searchbox"
        className="shortcuts-filter"
        aria-label="Search shortcuts"
        placeholder="Search shortcuts"
        value={query}
        onChange={(event) => setQuery(event.target.value)}
      />
      <div className="shortcuts-list">
        {groups.length === 0 && <p className="muted">No shortcut matches “{query}”.</p>}
        {groups.map((group) => (
          <section key={group.title} aria-label={group.title}>
            <h3>{group.title}</h3>
            <dl>
              {group.entries.map((entry) => (
                <div key={entry.action} className="shortcut-entry">
                  <dt>{entry.action}</dt>
                  <dd>
                    <kbd>{entry.keys}</kbd>
                  </dd>
                </div>
              ))}
            </dl>
          </section>
        ))}
      </div>
    </Dialog>
  );
}
