import type { Metadata } from 'next';
import { ReloadButton } from './ReloadButton';

export const metadata: Metadata = { title: 'Not available offline', robots: { index: false, follow: false } };

/**
 * What the service worker shows, without a network, for a document page this browser has no copy
 * of (it was never opened here). A plain link home: the app's client-side navigation needs the
 * server, a full page load is answered by the worker.
 */
export default function OfflinePage() {
  return (
    <main className="page centered-page">
      <h1>This document is not available offline</h1>
      <p role="alert" className="message error">
        You are offline, and this document has not been opened on this device before, so there is no copy of it here. Connect and try again.
      </p>
      <div className="row">
        <ReloadButton />
        <a href="/" className="button">
          Go to your documents
        </a>
      </div>
    </main>
  );
}
