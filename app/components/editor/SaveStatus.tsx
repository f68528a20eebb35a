'use client';

import { CircleAlert, Cloud, CloudOff, Eye, LoaderCircle } from 'lucide-react';
import type { ReactNode } from 'react';
import type { SessionStatus } from './CollabSession';

interface SaveStatusProps {
  status: SessionStatus;
  readOnly: boolean;
  /** Offered while offline: connect now instead of waiting. */
  onRetry?: () => void;
}

/** The save indicator: says only what is true (see `SaveState`). */
export function SaveStatus({ status, readOnly, onRetry }: SaveStatusProps) {
  const { text, icon, short } = statusText(status, readOnly);
  return (
    <span className="save-status" data-state={status.state} title={text}>
      {icon}
      <span role="status" aria-live="polite" className={short ? 'status-long' : undefined}>
        {text}
      </span>
      {/* A narrow screen shows the same fact in fewer words; screen readers hear the full text. */}
      {short && (
        <span className="status-short" aria-hidden>
          {short}
        </span>
      )}
      {status.state === 'offline' && onRetry && (
        <button type="button" className="link-button retry-button" onClick={onRetry}>
          Retry now
        </button>
      )}
    </span>
  );
}

function statusText(status: SessionStatus, readOnly: boolean): { text: string; icon: ReactNode; short?: string } {
  const spinner = <LoaderCircle className="spin" size={14} aria-hidden />;
  // A viewer has nothing to save (the server refuses a viewer's writes anyway).
  if (readOnly && (status.state === 'saving' || status.state === 'saved')) return { text: 'View only', icon: <Eye size={14} aria-hidden /> };
  switch (status.state) {
    case 'connecting':
      return { text: 'Connecting…', icon: spinner };
    case 'saving':
      return { text: 'Saving…', icon: spinner };
    case 'saved':
      return { text: 'Saved', icon: <Cloud size={14} aria-hidden /> };
    case 'offline':
      if (readOnly) return { text: 'Offline', icon: <CloudOff size={14} aria-hidden /> };
      return {
        text: status.keptOnDevice ? 'Offline — changes kept on this device' : 'Offline — keep this tab open to keep your changes',
        short: status.keptOnDevice ? 'Offline · kept here' : 'Offline · keep tab open',
        icon: <CloudOff size={14} aria-hidden />,
      };
    case 'refused':
      return { text: 'Access refused', icon: <CircleAlert size={14} aria-hidden /> };
    case 'revoked':
      return { text: 'Link no longer works', icon: <CircleAlert size={14} aria-hidden /> };
    case 'deleted':
      return { text: 'Document deleted', icon: <CircleAlert size={14} aria-hidden /> };
    case 'replaced':
      return { text: 'Document replaced', icon: <CircleAlert size={14} aria-hidden /> };
  }
}
