'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Role } from '../../shared/token';
import { ApiError, type DocumentLinks, errorMessage, NetworkError, openSession } from '../lib/api';
import { type LocalIdentity, loadIdentity, saveIdentity } from '../lib/identity';
import { findRecentDocument, rememberDocument } from '../lib/recentDocuments';
import { DocumentSkeleton } from './document/DocumentSkeleton';
import { DocumentNotFound } from './StatusPage';

// The editor (Tiptap, ProseMirror, Yjs) is most of the page's code. Loading it as its own chunk,
// started together with the link exchange, lets the small page shell run first and overlap the
// download with the server round trip.
const loadWorkspace = () => import('./document/DocumentWorkspace').then((module) => module.DocumentWorkspace);
const DocumentWorkspace = dynamic(loadWorkspace, { ssr: false, loading: () => <DocumentSkeleton /> });

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; key: string; role: Role; links?: DocumentLinks; identity: LocalIdentity }
  | { kind: 'not-found' }
  | { kind: 'error'; message: string };

/**
 * The editor page, `/d/<name>#<secret>`. The secret is in the fragment, which browsers never
 * send to a server; the page exchanges it for a collab token. When the server cannot be reached,
 * a document this browser opened before opens from its local copy and syncs once back online.
 */
export function DocumentPage({ name }: { name: string }) {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const identityRef = useRef<LocalIdentity | null>(null);
  // The token from opening the link serves the first connection; later ones fetch their own.
  const firstToken = useRef<{ token: string; at: number } | null>(null);

  const load = useCallback(async () => {
    const key = window.location.hash.slice(1);
    if (!key) return setState({ kind: 'not-found' });
    void loadWorkspace();
    const identity = loadIdentity();
    identityRef.current = identity;
    try {
      const session = await openSession(name, key, identity);
      firstToken.current = { token: session.token, at: Date.now() };
      rememberDocument({ name, key, title: session.title, role: session.role, openedAt: Date.now() });
      setState({ kind: 'ready', key, role: session.role, links: session.links, identity });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return setState({ kind: 'not-found' });
      const known = findRecentDocument(name);
      if (error instanceof NetworkError && known?.key === key && known.role) {
        return setState({ kind: 'ready', key, role: known.role, identity });
      }
      const message =
        error instanceof NetworkError
          ? 'You are offline, and this document has not been opened on this device before. Connect and try again.'
          : errorMessage(error);
      setState({ kind: 'error', message });
    }
  }, [name]);

  useEffect(() => {
    void load();
    // Pasting another link of the same document (say, the view link) into the address bar.
    const onHashChange = () => {
      setState({ kind: 'loading' });
      void load();
    };
    window.addEventListener('hashchange', onHashChange);
    return () => window.removeEventListener('hashchange', onHashChange);
  }, [load]);

  const fetchToken = useCallback(async () => {
    if (state.kind !== 'ready' || !identityRef.current) throw new Error('the document is not open');
    const first = firstToken.current;
    firstToken.current = null;
    // Tokens last ten minutes; one a few seconds old saves the first connection a round trip.
    if (first && Date.now() - first.at < 60_000) return first.token;
    const session = await openSession(name, state.key, identityRef.current);
    if (session.role !== state.role || !state.links) {
      // Opened offline (links and role from this device), or the link changed meaning: take the server's word.
      setState((current) => (current.kind === 'ready' ? { ...current, role: session.role, links: session.links } : current));
    }
    return session.token;
  }, [name, state]);

  const changeIdentity = useCallback((identity: LocalIdentity) => {
    const saved = saveIdentity(identity);
    identityRef.current = saved;
    setState((current) => (current.kind === 'ready' ? { ...current, identity: saved } : current));
  }, []);

  switch (state.kind) {
    case 'loading':
      return <DocumentSkeleton />;
    case 'not-found':
      return <DocumentNotFound />;
    case 'error':
      return (
        <main className="page centered-page">
          <h1>Could not open the document</h1>
          <p role="alert" className="message error">
            {state.message}
          </p>
          <div className="row">
            <button
              type="button"
              className="primary"
              onClick={() => {
                setState({ kind: 'loading' });
                void load();
              }}
            >
              Try again
            </button>
            <Link href="/" className="button">
              Go to your documents
            </Link>
          </div>
        </main>
      );
    default:
      return (
        <DocumentWorkspace
          name={name}
          linkKey={state.key}
          role={state.role}
          links={state.links}
          identity={state.identity}
          onIdentityChange={changeIdentity}
          fetchToken={fetchToken}
        />
      );
  }
}
