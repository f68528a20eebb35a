import Link from 'next/link';
import type { ReactNode } from 'react';

/**
 * A page that says what went wrong and offers a way on: the not-found pages (an unknown address,
 * a document that does not exist) and the error page. Always a way back to the documents.
 */
export function StatusPage({ code, title, children, actions }: { code?: string; title: string; children: ReactNode; actions?: ReactNode }) {
  return (
    <main className="page centered-page status-page">
      <svg className="status-page-mark" viewBox="0 0 24 24" width="48" height="48" aria-hidden>
        <rect x="3" y="2" width="18" height="20" rx="3" fill="var(--accent)" />
        <path d="M7 8h10M7 12h10M7 16h6" stroke="var(--accent-text)" strokeWidth="2" strokeLinecap="round" />
      </svg>
      {code && <p className="status-page-code">{code}</p>}
      <h1>{title}</h1>
      {children}
      <div className="row">
        {actions}
        <Link href="/" className={`button${actions ? '' : ' primary'}`}>
          Go to your documents
        </Link>
      </div>
    </main>
  );
}

/** The not-found page of a document link: deleted, never existed, or the link is cut short. */
export function DocumentNotFound() {
  return (
    <StatusPage code="404" title="Document not found">
      <p>This document does not exist, was deleted, or the link is not complete. Ask whoever shared it for a new link.</p>
    </StatusPage>
  );
}
