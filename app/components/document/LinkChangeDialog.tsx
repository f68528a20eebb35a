'use client';

import { type FormEvent, useId, useState } from 'react';
import { type LinkKind, linkKindInfo } from '../../../shared/linkKinds';
import { createLink, errorMessage, type LinkChange, resetLink } from '../../lib/api';
import { Dialog, FormFooter } from '../ui/Dialog';

interface LinkChangeDialogProps {
  name: string;
  /** The secret this page holds (it authorizes the change). */
  linkKey: string;
  kind: LinkKind;
  action: 'reset' | 'create';
  /** The link to reset is the one this page was opened with (the page moves to the new one). */
  ownLink: boolean;
  userName: string;
  onDone: (change: LinkChange) => void;
  onClose: () => void;
}

const DAY = 24 * 60 * 60 * 1000;

/** How long a new link may last, as the dialog offers it. */
const LIFETIMES: Array<{ label: string; ms: number | null }> = [
  { label: 'Never', ms: null },
  { label: 'In 1 day', ms: DAY },
  { label: 'In 7 days', ms: 7 * DAY },
  { label: 'In 30 days', ms: 30 * DAY },
];

/** Confirms resetting a link (saying who loses access) or creating one, with an optional expiry. */
export function LinkChangeDialog({ name, linkKey, kind, action, ownLink, userName, onDone, onClose }: LinkChangeDialogProps) {
  const [lifetime, setLifetime] = useState(0);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const selectId = useId();
  const label = linkKindInfo(kind).label.toLowerCase();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    const ms = LIFETIMES[lifetime].ms;
    const expiresAt = ms === null ? null : Date.now() + ms;
    try {
      onDone(action === 'reset' ? await resetLink(name, linkKey, kind, { expiresAt, userName }) : await createLink(name, linkKey, kind, { expiresAt }));
    } catch (cause) {
      setError(errorMessage(cause));
      setBusy(false);
    }
  };

  return (
    <Dialog title={action === 'reset' ? `Reset the ${label}?` : `Create a ${label}?`} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {action === 'reset' ? (
          <p>
            The {label} gets a new address at once. <strong>Everyone using the old link loses access</strong>: pages open on it stop, and it no longer opens the
            document. Share the new link with the people who should keep access.
            {ownLink && ' You keep editing: this page moves to the new link.'}
          </p>
        ) : (
          <p>Anyone you give the new link to can open the document with it, without an account.</p>
        )}
        <label className="field" htmlFor={selectId}>
          <span>Link expires</span>
          <select id={selectId} data-autofocus="" value={lifetime} onChange={(event) => setLifetime(Number(event.target.value))}>
            {LIFETIMES.map((option, index) => (
              <option key={option.label} value={index}>
                {option.label}
              </option>
            ))}
          </select>
        </label>
        <FormFooter
          error={error}
          submitLabel={busy ? (action === 'reset' ? 'Resetting…' : 'Creating…') : action === 'reset' ? 'Reset link' : 'Create link'}
          onCancel={onClose}
          busy={busy}
        />
      </form>
    </Dialog>
  );
}
