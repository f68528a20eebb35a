'use client';

import dynamic from 'next/dynamic';
import Link from 'next/link';
import { useCallback, useEffect, useRef, useState } from 'react';
import type { LinkKind } from '../../shared/linkKinds';
import type { Role } from '../../shared/token';
import type { AccessRole } from '../../shared/workspaceTypes';
import { ApiError, errorMessage, type HeldLinkChange, linkEndedMessage, NetworkError, type OpenedLink, openSession } from '../lib/api';
import { type LocalIdentity, loadIdentity, saveIdentity, withServerIdentity } from '../lib/identity';
import { findRecentDocument, rememberDocument, updateRecentDocument } from '../lib/recentDocuments';
import { fetchAuth, type MemberSession, openMemberSession, signInPath } from '../lib/workspace';
import { DocumentSkeleton } from './document/DocumentSkeleton';
import { DocumentNotFound, StatusPage } from './StatusPage';

// The editor (Tiptap, ProseMirror, Yjs) is most of the page's code. Loading it as its own chunk,
// started together with the link exchange, lets the small page shell run first and overlap the
// download with the server round trip.
const loadWorkspace = () => import('./document/DocumentWorkspace').then((module) => module.DocumentWorkspace);
const DocumentWorkspace = dynamic(loadWorkspace, { ssr: false, loading: () => <DocumentSkeleton /> });

type PageState =
  | { kind: 'loading' }
  | { kind: 'ready'; key: string; role: Role; opened?: OpenedLink; memberAccess?: AccessRole; identity: LocalIdentity }
  | { kind: 'not-found' }
  | { kind: 'link-ended'; message: string }
  | { kind: 'error'; message: string };

/**
 * The editor page, `/d/<name>#<secret>`. The secret is in the fragment, which browsers never
 * send to a server; the page exchanges it for a collab token. When the server cannot be reached,
 * a document this browser opened before opens from its local copy and syncs once back online.
 * Without a secret, in workspace mode, a signed-in person opens it with the role they were given
 * (`/d/<name>`, from their home lists); signed out, they are sent to sign in and come back here.
 */
export function DocumentPage({ name }: { name: string }) {
  const [state, setState] = useState<PageState>({ kind: 'loading' });
  const identityRef = useRef<LocalIdentity | null>(null);
  // The secret tokens are fetched with: the page's, until this browser resets its own link.
  const keyRef = useRef('');
  // The token from opening the link serves the first connection; later ones fetch their own.
  const firstToken = useRef<{ token: string; at: number; lifetimeMs: number } | null>(null);
  // Opened as a signed-in member (no secret): tokens come from the member session route.
  const asMember = useRef(false);

  const openAsMember = useCallback(async () => {
    const auth = await fetchAuth().catch(() => null);
    if (auth?.mode !== 'workspace') return setState({ kind: 'not-found' });
    if (!auth.user) return window.location.assign(signInPath(`/d/${encodeURIComponent(name)}`));
    try {
      const session = await openMemberSession(name);
      const identity = memberIdentity(session);
      identityRef.current = identity;
      firstToken.current = { token: session.token, at: Date.now(), lifetimeMs: session.expiresIn * 1000 };
      document.title = `${session.title || 'Untitled'} · Quire`;
      setState({ kind: 'ready', key: '', role: session.role, memberAccess: session.access, identity });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return setState({ kind: 'not-found' });
      setState({ kind: 'error', message: errorMessage(error) });
    }
  }, [name]);

  const load = useCallback(async () => {
    const key = window.location.hash.slice(1);
    asMember.current = !key;
    if (!key) return openAsMember();
    void loadWorkspace();
    keyRef.current = key;
    let identity = loadIdentity();
    identityRef.current = identity;
    try {
      const session = await openSession(name, key, identity.name);
      identity = withServerIdentity(identity, session.user);
      identityRef.current = identity;
      firstToken.current = { token: session.token, at: Date.now(), lifetimeMs: session.expiresIn * 1000 };
      rememberDocument({ name, key, title: session.title, role: session.role, openedAt: Date.now() });
      setState({ kind: 'ready', key, role: session.role, opened: openedOf(session), identity });
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) return setState({ kind: 'not-found' });
      const ended = linkEndedMessage(error);
      if (ended) return setState({ kind: 'link-ended', message: ended });
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
  }, [name, openAsMember]);

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
    // A token still young (at most a minute, and a quarter of its life) saves the first connection a round trip.
    if (first && Date.now() - first.at < Math.min(60_000, first.lifetimeMs / 4)) return first.token;
    if (asMember.current) {
      // Every renewal asks the server again: access removed or lowered since is not renewed.
      const session = await openMemberSession(name);
      setState((current) => (current.kind !== 'ready' || current.role === session.role ? current : { ...current, role: session.role }));
      return session.token;
    }
    const session = await openSession(name, keyRef.current, identityRef.current.name);
    const identity = withServerIdentity(identityRef.current, session.user);
    identityRef.current = identity;
    // Opened offline (role from this device), or the link changed meaning: take the server's word.
    setState((current) =>
      current.kind !== 'ready' || (current.role === session.role && current.identity === identity && sameOpened(current.opened, session))
        ? current
        : { ...current, role: session.role, opened: openedOf(session), identity },
    );
    return session.token;
  }, [name, state.kind]);

  const changeIdentity = useCallback((identity: LocalIdentity) => {
    const saved = saveIdentity(identity);
    identityRef.current = saved;
    setState((current) => (current.kind === 'ready' ? { ...current, identity: saved } : current));
  }, []);

  // A link was created or reset from the Share dialog. When it was this page's own link, the page
  // now holds the new secret: its address, this browser's list and the next token use it.
  const changeLinks = useCallback(
    (change: HeldLinkChange) => {
      firstToken.current = null;
      if (change.key !== keyRef.current) {
        keyRef.current = change.key;
        window.history.replaceState(window.history.state, '', `#${change.key}`);
        updateRecentDocument(name, { key: change.key });
      }
      setState((current) => (current.kind === 'ready' ? { ...current, key: change.key } : current));
    },
    [name],
  );

  switch (state.kind) {
    case 'loading':
      return <DocumentSkeleton />;
    case 'not-found':
      return <DocumentNotFound />;
    case 'link-ended':
      return (
        <StatusPage title={state.message}>
          <p>Ask whoever shared it with you for the current link.</p>
        </StatusPage>
      );
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
          opened={state.opened}
          memberAccess={state.memberAccess}
          identity={state.identity}
          onIdentityChange={changeIdentity}
          onLinksChange={changeLinks}
          fetchToken={fetchToken}
        />
      );
  }
}

/** The identity a member page shows as "you": the name and id the server signed them in with. */
function memberIdentity(session: MemberSession): LocalIdentity {
  return { ...withServerIdentity(loadIdentity(), session.user), name: session.user.name, named: true, asked: true };
}

function openedOf(session: { link: LinkKind; manages: LinkKind[] }): OpenedLink {
  return { link: session.link, manages: session.manages };
}

function sameOpened(opened: OpenedLink | undefined, session: { link: LinkKind; manages: LinkKind[] }): boolean {
  return opened !== undefined && opened.link === session.link && opened.manages.join() === session.manages.join();
}
