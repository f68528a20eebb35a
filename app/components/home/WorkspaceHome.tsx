'use client';

import { LogOut, Plus, Search } from 'lucide-react';
import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { createDocument, creatorKey, documentPath, errorMessage } from '../../lib/api';
import { relativeTime } from '../../lib/relativeTime';
import { fetchWorkspaceDocuments, signInPath, signOut, type WorkspaceDocument, type WorkspacePerson } from '../../lib/workspace';

type Lists = Awaited<ReturnType<typeof fetchWorkspaceDocuments>>;

/**
 * The home page in workspace mode. Signed out: a button to sign in with the organisation's
 * account. Signed in: the documents that follow this person from any device, from the server —
 * My documents, Shared with me and Recent — with a search over titles and text.
 */
export function WorkspaceHome({ user }: { user: WorkspacePerson | null }) {
  const router = useRouter();
  const [query, setQuery] = useState('');
  const [lists, setLists] = useState<Lists | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);

  useEffect(() => {
    if (!user) return;
    let cancelled = false;
    // Searching reads documents on the server: wait for a pause in typing.
    const timer = setTimeout(
      () => {
        fetchWorkspaceDocuments(query.trim()).then(
          (found) => !cancelled && setLists(found),
          (cause) => !cancelled && setError(`Your documents could not be loaded: ${errorMessage(cause)}`),
        );
      },
      query ? 250 : 0,
    );
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [user, query]);

  if (!user) {
    return (
      <main className="page centered-page">
        <h1>Sign in to Quire</h1>
        <p>Use your organisation's account to see your documents and the ones shared with you.</p>
        <a className="button primary" href={signInPath('/')}>
          Sign in
        </a>
      </main>
    );
  }

  const create = async () => {
    setCreating(true);
    setError(null);
    try {
      const created = await createDocument();
      router.push(documentPath(created.name, creatorKey(created)));
    } catch (cause) {
      setError(`Could not create a document: ${errorMessage(cause)}`);
      setCreating(false);
    }
  };

  return (
    <main className="page home">
      <div className="home-title-row">
        <h1>Documents</h1>
        <div className="home-actions">
          <span className="muted">Signed in as {user.name}</span>
          <button
            type="button"
            onClick={async () => {
              await signOut().catch(() => undefined);
              window.location.assign('/');
            }}
          >
            <LogOut size={16} aria-hidden />
            Sign out
          </button>
          <button type="button" className="primary" onClick={create} disabled={creating}>
            <Plus size={16} aria-hidden />
            {creating ? 'Creating…' : 'New document'}
          </button>
        </div>
      </div>
      <label className="workspace-search">
        <Search size={16} aria-hidden />
        <input
          type="search"
          aria-label="Search documents"
          placeholder="Search titles and text"
          value={query}
          onChange={(event) => setQuery(event.target.value)}
        />
      </label>
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
      {lists === null ? (
        <p className="muted">Loading your documents…</p>
      ) : (
        <>
          <DocumentSection title="My documents" documents={lists.mine} empty="You have not created any documents yet." />
          <DocumentSection title="Shared with me" documents={lists.shared} empty="Nothing has been shared with you yet." />
          <DocumentSection title="Recent" documents={lists.recent} empty="Documents you open show here." />
        </>
      )}
    </main>
  );
}

function DocumentSection({ title, documents, empty }: { title: string; documents: WorkspaceDocument[]; empty: string }) {
  return (
    <section aria-label={title} className="workspace-section">
      <h2>{title}</h2>
      {documents.length === 0 ? (
        <p className="muted">{empty}</p>
      ) : (
        <ul className="document-list">
          {documents.map((document) => (
            <li key={document.name} className="document-row">
              <Link className="document-row-main" href={`/d/${encodeURIComponent(document.name)}`}>
                <span className="document-row-title">{document.title || 'Untitled'}</span>
                <span className="document-row-meta">
                  {document.role === 'owner' ? 'Owner' : `${document.role.charAt(0).toUpperCase()}${document.role.slice(1)} · ${document.owner ?? 'no owner'}`}{' '}
                  · {relativeTime(document.openedAt ?? document.updatedAt)}
                </span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
