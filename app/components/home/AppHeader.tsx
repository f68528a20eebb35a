'use client';

import Link from 'next/link';
import { type LocalIdentity, UNKNOWN_COLOR } from '../../lib/identity';
import { initialsOf } from '../editor/PresenceAvatars';

/** The home page's top bar: the product name and the name this browser uses. */
export function AppHeader({ identity, onChangeName }: { identity: LocalIdentity | null; onChangeName: () => void }) {
  return (
    <header className="app-header">
      <Link href="/" className="brand">
        <svg viewBox="0 0 24 24" width="24" height="24" aria-hidden>
          <rect x="3" y="2" width="18" height="20" rx="3" fill="var(--accent)" />
          <path d="M7 8h10M7 12h10M7 16h6" stroke="#fff" strokeWidth="2" strokeLinecap="round" />
        </svg>
        Quire
      </Link>
      <span className="spacer" />
      {identity ? (
        <button type="button" className="name-button" onClick={onChangeName} aria-label={`Your name: ${identity.name}. Change it`}>
          <span className="avatar" style={{ background: identity.color ?? UNKNOWN_COLOR }} aria-hidden>
            {initialsOf(identity.name)}
          </span>
          <span className="name-button-label">{identity.name}</span>
        </button>
      ) : (
        <span className="name-button skeleton-block" />
      )}
    </header>
  );
}
