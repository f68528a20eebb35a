'use client';

import './globals.css';
import { StatusPage } from './components/StatusPage';

/** The error page for a failure of the page frame itself (the root layout), which replaces it. */
export default function GlobalError({ reset }: { error: Error; reset: () => void }) {
  return (
    <html lang="en">
      <body>
        <StatusPage
          title="Something went wrong"
          actions={
            <button type="button" className="primary" onClick={reset}>
              Try again
            </button>
          }
        >
          <p>Quire ran into an unexpected problem and could not show this page. Trying again usually helps.</p>
        </StatusPage>
      </body>
    </html>
  );
}
