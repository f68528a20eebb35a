'use client';

/** Loads the page again, keeping its whole address (a document link's secret is in the fragment). */
export function ReloadButton() {
  return (
    <button type="button" className="primary" onClick={() => window.location.reload()}>
      Try again
    </button>
  );
}
