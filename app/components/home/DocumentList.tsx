'use client';

import { EllipsisVertical, Eye, FileText, Pencil, Search, Trash2, X } from 'lucide-react';
import Link from 'next/link';
import { useMemo, useState } from 'react';
import { UNTITLED } from '../../../shared/documentFields';
import { documentPath } from '../../lib/api';
import type { LocalIdentity } from '../../lib/identity';
import { deleteLocalCopy } from '../../lib/localCopy';
import { forgetDocument, updateRecentDocument } from '../../lib/recentDocuments';
import { fullTime, relativeTime } from '../../lib/relativeTime';
import { DeleteDialog } from '../document/DeleteDialog';
import { Menu, MenuItem, MenuSeparator } from '../ui/Menu';
import { RenameDialog } from './RenameDialog';
import { type ListedDocument, useDocumentList } from './useDocumentList';

/** The documents this browser knows: searchable by title, with rename and delete (as `identity`, null until it is loaded). */
export function DocumentList({ identity }: { identity: LocalIdentity | null }) {
  const { documents, source, refresh } = useDocumentList();
  const [query, setQuery] = useState('');
  const [dialog, setDialog] = useState<{ kind: 'rename' | 'delete'; document: ListedDocument } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const shown = useMemo(() => {
    const words = query.toLocaleLowerCase().split(/\s+/).filter(Boolean);
    return (documents ?? []).filter((entry) => {
      const title = (entry.title || UNTITLED).toLocaleLowerCase();
      return words.every((word) => title.includes(word));
    });
  }, [documents, query]);

  if (documents === null) return <ListSkeleton />;

  if (documents.length === 0) {
    return (
      <div className="empty-state">
        <FileText size={40} aria-hidden />
        <h2>No documents yet</h2>
        <p>Create a document, import a Markdown file, or open a link someone shared with you. Documents you open appear here.</p>
      </div>
    );
  }

  return (
    <section aria-label="Your documents">
      <div className="search-field">
        <Search size={16} aria-hidden />
        <input
          type="search"
          aria-label="Search documents by title"
          placeholder="Search by title"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
        {query && (
          <button type="button" className="icon-button" aria-label="Clear search" onClick={() => setQuery('')}>
            <X size={16} aria-hidden />
          </button>
        )}
      </div>
      {source === 'offline' && <p className="message">Offline: showing what this device last knew. Titles and times may be out of date.</p>}
      {notice && (
        <p role="status" className="message success">
          {notice}
        </p>
      )}
      {shown.length === 0 ? (
        <p className="muted">No document titles match “{query}”.</p>
      ) : (
        <ul className="document-list" aria-label="Documents">
          {shown.map((entry) => (
            <DocumentRow
              key={entry.name}
              entry={entry}
              onRename={() => setDialog({ kind: 'rename', document: entry })}
              onDelete={() => setDialog({ kind: 'delete', document: entry })}
              onForget={() => {
                forgetDocument(entry.name);
                void refresh();
              }}
            />
          ))}
        </ul>
      )}
      {dialog?.kind === 'rename' && identity && (
        <RenameDialog
          name={dialog.document.name}
          editKey={dialog.document.key}
          title={dialog.document.title}
          identity={identity}
          onClose={() => setDialog(null)}
          onRenamed={(title) => {
            updateRecentDocument(dialog.document.name, { title, updatedAt: Date.now() });
            void refresh();
          }}
        />
      )}
      {dialog?.kind === 'delete' && (
        <DeleteDialog
          name={dialog.document.name}
          editKey={dialog.document.key}
          title={dialog.document.title || UNTITLED}
          onClose={() => setDialog(null)}
          onDeleted={() => {
            forgetDocument(dialog.document.name);
            setNotice(`“${dialog.document.title || UNTITLED}” was deleted.`);
            setDialog(null);
            deleteLocalCopy(dialog.document.name);
            void refresh();
          }}
        />
      )}
    </section>
  );
}

interface RowProps {
  entry: ListedDocument;
  onRename: () => void;
  onDelete: () => void;
  onForget: () => void;
}

function DocumentRow({ entry, onRename, onDelete, onForget }: RowProps) {
  const title = entry.title || UNTITLED;
  const editor = entry.role === 'editor';
  return (
    <li className={`document-row${entry.unavailable ? ' unavailable' : ''}`}>
      <FileText className="document-row-icon" size={20} aria-hidden />
      {entry.unavailable ? (
        <div className="document-row-main">
          <span className="document-row-title">{title}</span>
          <span className="document-row-meta">Unavailable: deleted, or the link no longer works</span>
        </div>
      ) : (
        <Link className="document-row-main" href={documentPath(entry.name, entry.key)}>
          <span className="document-row-title">{title}</span>
          <span className="document-row-meta">
            <time dateTime={new Date(entry.updatedAt).toISOString()} title={fullTime(entry.updatedAt)}>
              Edited {relativeTime(entry.updatedAt)}
            </time>
            {entry.role === 'viewer' && (
              <span className="badge">
                <Eye size={12} aria-hidden /> View only
              </span>
            )}
          </span>
        </Link>
      )}
      <Menu label={`Actions for ${title}`} button={<EllipsisVertical size={18} aria-hidden />}>
        {!entry.unavailable && editor && (
          <MenuItem icon={<Pencil size={16} />} onSelect={onRename}>
            Rename…
          </MenuItem>
        )}
        {!entry.unavailable && editor && (
          <MenuItem icon={<Trash2 size={16} />} onSelect={onDelete} danger>
            Delete…
          </MenuItem>
        )}
        {!entry.unavailable && editor && <MenuSeparator />}
        <MenuItem icon={<X size={16} />} onSelect={onForget}>
          Remove from this list
        </MenuItem>
      </Menu>
    </li>
  );
}

function ListSkeleton() {
  return (
    <div aria-busy="true" className="document-list">
      <span className="visually-hidden">Loading your documents…</span>
      {[0, 1, 2].map((index) => (
        <div key={index} className="document-row">
          <span className="skeleton-line" />
        </div>
      ))}
    </div>
  );
}
