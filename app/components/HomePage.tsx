'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { createDocument } from '../lib/api';
import { loadRecentDocuments, type RecentDocument, rememberDocument } from '../lib/recentDocuments';

/** The start page: create a document, or reopen one this browser has seen. */
export function HomePage() {
  const router = useRouter();
  const [recent, setRecent] = useState<RecentDocument[] | null>(null);
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);

  useEffect(() => setRecent(loadRecentDocuments()), []);

  const create = async () => {
    setCreating(true);
    setError(null);
    try {
      const { name, editKey } = await createDocument();
      rememberDocument({ name, key: editKey, title: '', openedAt: Date.now() });
      router.push(`/d/${encodeURIComponent(name)}#${editKey}`);
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : 'Could not create the document');
      setCreating(false);
    }
  };

  return (
    <main className="page">
      <h1>Documents</h1>
      <button type="button" className="primary" onClick={create} disabled={creating}>
        {creating ? 'Creating…' : 'New document'}
      </button>
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
      <ul aria-label="Recent documents">
        {(recent ?? []).map((entry) => (
          <li key={entry.name}>
            <a href={`/d/${encodeURIComponent(entry.name)}#${entry.key}`}>{entry.title || 'Untitled document'}</a>
          </li>
        ))}
      </ul>
    </main>
  );
}
