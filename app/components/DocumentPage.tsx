'use client';

import Link from 'next/link';
import { useCallback, useEffect, useState } from 'react';
import { ApiError, openSession, type Session } from '../lib/api';
import { type LocalIdentity, loadIdentity } from '../lib/identity';
import { rememberDocument } from '../lib/recentDocuments';
import { CollaborativeEditor } from './CollaborativeEditor';

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; session: Session; key: string; identity: LocalIdentity }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string };

/**
 * The editor page, `/d/<name>#<secret>`. The secret is in the fragment, which browsers never
 * send to a server; the page exchanges it for a collab token.
 */
export function DocumentPage({ name }: { name: string }) {
  const [state, setState] = useState<PageState>({ kind: 'loading' });

  const load = useCallback(async () => {
    const key = window.location.hash.slice(1);
    if (!key) return setState({ kind: 'not-found' });
    const identity = loadIdentity();
    try {
      const session = await openSession(name, key, identity);
      rememberDocument({ name, key, title: session.title, openedAt: Date.now() });
      setState({ kind: 'ready', session, key, identity });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) setState({ kind: 'not-found' });
      else setState({ kind: 'error', message: error instanceof Error ? error.message : String(error) });
    }
  }, [name]);

  useEffect(() => {
    void load();
  }, [load]);

  switch (state.kind) {
    case 'loading':
      return <div className="editor-surface" aria-busy="true" />;
    case 'not-found':
      return (
        <main className="page">
          <h1>Document not found</h1>
          <p>This document does not exist, was deleted, or the link is not complete.</p>
          <Link href="/">Go to your documents</Link>
        </main>
      );
    case 'error':
      return (
        <main className="page">
          <p role="alert" className="message error">
            Could not open the document: {state.message}
          </p>
          <button type="button" onClick={() => void load()}>
            Try again
          </button>
        </main>
      );
    default: {
      const { key, identity, session } = state;
      return <CollaborativeEditor name={name} role={session.role} user={identity} fetchToken={async () => (await openSession(name, key, identity)).token} />;
    }
  }
}
