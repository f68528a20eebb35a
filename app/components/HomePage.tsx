'use client';

import { Plus } from 'lucide-react';
import { useRouter } from 'next/navigation';
import { useEffect, useState } from 'react';
import { type CreatedDocument, createDocument, creatorKey, documentPath, errorMessage, fetchIdentity } from '../lib/api';
import { takeFlash } from '../lib/flash';
import { chooseName, type LocalIdentity, loadIdentity, withServerIdentity } from '../lib/identity';
import { rememberDocument } from '../lib/recentDocuments';
import { type AuthState, fetchAuth } from '../lib/workspace';
import { NameDialog } from './document/NameDialog';
import { AppHeader } from './home/AppHeader';
import { DocumentList } from './home/DocumentList';
import { ImportButton } from './home/ImportButton';
import { WorkspaceHome } from './home/WorkspaceHome';

/**
 * The start page: create or import a document, or reopen one this browser has seen. When the
 * server is in workspace mode (signing in is set up), the signed-in home (`WorkspaceHome`) instead.
 */
export function HomePage() {
  const router = useRouter();
  const [creating, setCreating] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [flash, setFlash] = useState<string | null>(null);
  const [identity, setIdentity] = useState<LocalIdentity | null>(null);
  const [naming, setNaming] = useState(false);
  const [auth, setAuth] = useState<AuthState>({ mode: 'link' });

  useEffect(() => {
    setIdentity(loadIdentity());
    setFlash(takeFlash());
    document.title = 'Documents · Quire';
    // Link mode shows at once (and offline); the server's answer switches to workspace mode.
    fetchAuth().then(setAuth, () => undefined);
    // The server issues this browser's id (and so its color) on the first call; offline, the last one known is shown.
    fetchIdentity().then(
      (server) => setIdentity((current) => withServerIdentity(current ?? loadIdentity(), server)),
      () => undefined,
    );
  }, []);

  const open = (created: CreatedDocument) => {
    const key = creatorKey(created);
    rememberDocument({ name: created.name, key, title: created.title, role: 'editor', openedAt: Date.now(), updatedAt: Date.now() });
    router.push(documentPath(created.name, key));
  };

  const create = async () => {
    setCreating(true);
    setError(null);
    try {
      open(await createDocument());
    } catch (cause) {
      setError(`Could not create a document: ${errorMessage(cause)}`);
      setCreating(false);
    }
  };

  if (auth.mode === 'workspace') return <WorkspaceHome user={auth.user} />;

  return (
    <>
      <AppHeader identity={identity} onChangeName={() => setNaming(true)} />
      <main className="page home">
        <div className="home-title-row">
          <h1>Documents</h1>
          <div className="home-actions">
            <ImportButton onImported={open} onError={setError} />
            <button type="button" className="primary" onClick={create} disabled={creating}>
              <Plus size={16} aria-hidden />
              {creating ? 'Creating…' : 'New document'}
            </button>
          </div>
        </div>
        {flash && (
          <p role="status" className="message success">
            {flash}
          </p>
        )}
        {error && (
          <p role="alert" className="message error">
            {error}
          </p>
        )}
        <DocumentList identity={identity} />
      </main>
      {naming && identity && (
        <NameDialog
          name={identity.named ? identity.name : ''}
          placeholder={identity.name}
          onSave={(name) => setIdentity(chooseName(identity, name))}
          onClose={() => setNaming(false)}
        />
      )}
    </>
  );
}
