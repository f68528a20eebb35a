'use client';

import { useEffect } from 'react';
import { StatusPage } from './components/StatusPage';

/**
 * What a page shows when something unexpected broke while showing it: what happened, a retry and
 * the way home. Edits already made are not lost: the editor keeps them on this device and the
 * server has what it acknowledged.
 */
export default function ErrorPage({ error, reset }: { error: Error & { digest?: string }; reset: () => void }) {
  useEffect(() => {
    console.error(error);
  }, [error]);
  return (
    <StatusPage
      title="Something went wrong"
      actions={
        <button type="button" className="primary" onClick={reset}>
          Try again
        </button>
      }
    >
      <p>The page ran into an unexpected problem and could not be shown. Trying again usually helps; what you wrote before is kept.</p>
      {error.digest && <p className="muted">Reference for the server log: {error.digest}</p>}
    </StatusPage>
  );
}
