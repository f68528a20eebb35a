'use client';

import { History } from 'lucide-react';

/** The header button that opens version history. */
export function HistoryButton({ onClick }: { onClick: () => void }) {
  return (
    <button type="button" className="icon-button" aria-label="Version history" title="Version history" onClick={onClick}>
      <History aria-hidden />
    </button>
  );
}
