'use client';

import { type FormEvent, useId, useState } from 'react';
import { type LinkKind, linkKindInfo } from '../../../shared/linkKinds';
import { type AppLink, createLink, errorMessage, resetLink, setLinkExpiry, turnOffLink } from '../../lib/api';
import { Dialog, FormFooter } from '../ui/Dialog';

/** What the dialog does to a link: a new secret, a new link (turning it on), turning it off, or a new expiry. */
export type LinkAction = 'reset' | 'create' | 'off' | 'expiry';

/** What a change gave: the links this page may see now, and the new secret when one was made. */
export interface LinkChangeResult {
  kind: LinkKind;
  action: LinkAction;
  links: AppLink[];
  /** Set for `reset` and `create`. */
  secret?: string;
  /** The secret this page holds afterwards (a reset of its own link moves it to the new one); null on a member's page. */
  key?: string | null;
}

interface LinkChangeDialogProps {
  name: string;
  /** The secret this page holds (it authorizes the change). */
  linkKey: string;
  kind: LinkKind;
  action: LinkAction;
  /** The link to reset is the one this page was opened with (the page moves to the new one). */
  ownLink: boolean;
  userName: string;
  onDone: (change: LinkChangeResult) => void;
  onClose: () => void;
}

const DAY = 24 * 60 * 60 * 1000;

/** How long a link may last, as the dialog offers it. */
const LIFETIMES: Array<{ label: string; ms: number | null }> = [
  { label: 'Never', ms: null },
  { label: 'In 1 day', ms: DAY },
  { label: 'In 7 days', ms: 7 * DAY },
  { label: 'In 30 days', ms: 30 * DAY },
];

const TITLES: Record<LinkAction, (label: string) => string> = {
  reset: (label) => `Reset the ${label}?`,
  create: (label) => `Turn on a ${label}?`,
  off: (label) => `Turn off the ${label}?`,
  expiry: (label) => `When should the ${label} expire?`,
};

const SUBMIT: Record<LinkAction, [idle: string, busy: string]> = {
  reset: ['Reset link', 'Resetting…'],
  create: ['Turn on link', 'Turning on…'],
  off: ['Turn off link', 'Turning off…'],
  expiry: ['Save expiry', 'Saving…'],
};

/** Confirms a change to a link, saying who loses access, with an expiry where the change sets one. */
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
      if (action === 'reset') onDone({ action, ...(await resetLink(name, linkKey, kind, { expiresAt, userName })) });
      else if (action === 'create') onDone({ action, ...(await createLink(name, linkKey, kind, { expiresAt, userName })) });
      else if (action === 'off') onDone({ action, ...(await turnOffLink(name, linkKey, kind, userName)) });
      else onDone({ action, ...(await setLinkExpiry(name, linkKey, kind, { expiresAt, userName })) });
    } catch (cause) {
      setError(errorMessage(cause));
      setBusy(false);
    }
  };

  return (
    <Dialog title={TITLES[action](label)} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {action === 'reset' && (
          <p>
            The {label} gets a new address at once. <strong>Everyone using the old link loses access</strong>: pages open on it stop, and it no longer opens the
            document. Share the new link with the people who should keep access.
            {ownLink && ' You keep editing: this page moves to the new link.'}
          </p>
        )}
        {action === 'create' && <p>Anyone you give the new link to can open the document with it, without an account.</p>}
        {action === 'off' && (
          <p>
            <strong>Everyone using the {label} loses access at once</strong>: pages open on it stop, and it no longer opens the document. You can turn it on
            again later; it then gets a new address.
          </p>
        )}
        {action === 'expiry' && <p>The link keeps its address. Once it expires it opens nothing, and pages open on it stop.</p>}
        {action !== 'off' && (
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
        )}
        <FormFooter error={error} submitLabel={SUBMIT[action][busy ? 1 : 0]} onCancel={onClose} busy={busy} />
      </form>
    </Dialog>
  );
}
