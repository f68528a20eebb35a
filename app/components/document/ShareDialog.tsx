'use client';

import { CalendarClock, Check, Copy, Power, RotateCcw } from 'lucide-react';
import { useEffect, useId, useRef, useState } from 'react';
import { LINK_KINDS, type LinkKind, type LinkKindInfo, linkKindInfo } from '../../../shared/linkKinds';
import { type AppLink, documentUrl, errorMessage, fetchLinks, type HeldLinkChange, type OpenedLink } from '../../lib/api';
import { fullTime } from '../../lib/relativeTime';
import { Dialog } from '../ui/Dialog';
import { type LinkAction, LinkChangeDialog } from './LinkChangeDialog';
import { PeopleSection } from './PeopleSection';

interface ShareDialogProps {
  name: string;
  /** The secret this page was opened with. */
  linkKey: string;
  /** What the server said about this page's link; absent while it cannot be reached. */
  opened?: OpenedLink;
  /** The name this person chose (the reset is theirs). */
  userName: string;
  /** After a link was created or reset. */
  onChange: (change: HeldLinkChange) => void;
  onClose: () => void;
}

/**
 * The document's share links that this page's link may see (itself and the lesser ones), each with
 * a copy button, its expiry, and, for a link that may manage links, "Reset link" (a new secret; the
 * old link stops working at once and the people on it lose access), "Expiry" (a new expiry, same
 * address), "Turn off" (the link stops working; not for this page's own link) and "Turn on" for a
 * kind that is off. Focus moves to the first link once the links are loaded; Escape closes and
 * returns focus to the opener.
 */
export function ShareDialog({ name, linkKey, opened, userName, onChange, onClose }: ShareDialogProps) {
  const [changing, setChanging] = useState<{ kind: LinkKind; action: LinkAction } | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  /** The link whose row takes focus: after turning it off or on, the button that was used is gone. */
  const [focusKind, setFocusKind] = useState<LinkKind | null>(null);
  const [links, setLinks] = useState<AppLink[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  // A page opened without a link is a signed-in member's: the server knows them by their session.
  const member = !linkKey;
  const connected = opened !== undefined || member;
  /** The kinds of link this page may manage: its link's, or (a member) what the server said. */
  const [memberManages, setMemberManages] = useState<LinkKind[]>([]);
  const manageable = opened?.manages ?? memberManages;

  // The secrets are opened on the server when asked for, not with every token.
  useEffect(() => {
    if (!connected) return;
    let cancelled = false;
    fetchLinks(name, linkKey).then(
      (shown) => {
        if (cancelled) return;
        setLinks(shown.links);
        setMemberManages(shown.manages);
      },
      (cause) => {
        if (!cancelled) setError(`The links could not be loaded: ${errorMessage(cause)}`);
      },
    );
    return () => {
      cancelled = true;
    };
  }, [name, linkKey, connected]);

  const rows = connected && links ? LINK_KINDS.filter(({ kind }) => links.some((link) => link.kind === kind) || manageable.includes(kind)) : [];

  return (
    <Dialog title="Share" onClose={onClose} className="dialog-wide">
      <PeopleSection name={name} />
      <p className="muted">Anyone with a link can open the document, without an account. Share only with people you trust with it.</p>
      {notice && (
        <p role="status" className="message success">
          {notice}
        </p>
      )}
      {!connected && <p className="muted">The links show here once you are connected.</p>}
      {connected && !links && !error && <p className="muted">Loading the links…</p>}
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
      {rows.map((info, index) => {
        const link = links?.find((entry) => entry.kind === info.kind);
        const manages = manageable.includes(info.kind);
        return link ? (
          <LinkField
            key={info.kind}
            info={info}
            link={link}
            url={link.secret === null ? null : documentUrl(name, link.secret)}
            first={index === 0 || focusKind === info.kind}
            onChange={manages ? (action) => setChanging({ kind: info.kind, action }) : undefined}
            own={info.kind === opened?.link}
            member={member}
          />
        ) : (
          <OffLinkField key={info.kind} info={info} focus={focusKind === info.kind} onTurnOn={() => setChanging({ kind: info.kind, action: 'create' })} />
        );
      })}
      <footer className="dialog-actions">
        <span className="spacer" />
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </footer>
      {changing && connected && (
        <LinkChangeDialog
          name={name}
          linkKey={linkKey}
          kind={changing.kind}
          action={changing.action}
          ownLink={changing.kind === opened?.link}
          userName={userName}
          onClose={() => setChanging(null)}
          onDone={(change) => {
            const label = linkKindInfo(change.kind).label;
            setNotice(NOTICES[change.action](label));
            setFocusKind(change.action === 'off' || change.action === 'create' ? change.kind : null);
            setChanging(null);
            const { secret, key } = change;
            // A member is shown no secrets but the one just made, this once.
            setLinks(
              secret === undefined
                ? change.links
                : change.links.map((link) => (link.kind === change.kind && link.secret === null ? { ...link, secret } : link)),
            );
            if (secret !== undefined && typeof key === 'string') onChange({ kind: change.kind, secret, key, links: change.links });
          }}
        />
      )}
    </Dialog>
  );
}

/** A link that is off: says so, and offers to turn it on (a new address). */
function OffLinkField({ info, focus, onTurnOn }: { info: LinkKindInfo; focus: boolean; onTurnOn: () => void }) {
  const button = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (focus) button.current?.focus();
  }, [focus]);
  return (
    <div className="link-field">
      <span className="link-field-label">{info.label}</span>
      <p className="link-field-description">Off: nobody can open the document with a {info.label.toLowerCase()}.</p>
      <div className="link-field-actions">
        <button ref={button} type="button" onClick={onTurnOn}>
          <Power size={14} aria-hidden />
          Turn on {info.label.toLowerCase()}
        </button>
      </div>
    </div>
  );
}

const NOTICES: Record<LinkAction, (label: string) => string> = {
  reset: (label) => `The ${label.toLowerCase()} was reset. The old link no longer works; share the new one.`,
  create: (label) => `${label} turned on.`,
  off: (label) => `The ${label.toLowerCase()} was turned off. It no longer opens the document.`,
  expiry: (label) => `The ${label.toLowerCase()}'s expiry was changed.`,
};

function LinkField({
  info,
  link,
  url,
  first,
  own,
  member,
  onChange,
}: {
  info: LinkKindInfo;
  link: AppLink;
  url: string | null;
  first: boolean;
  /** This page's own link: it cannot be turned off from here. */
  own: boolean;
  /** A signed-in member's page: it holds no link, so secrets show only when made. */
  member: boolean;
  onChange?: (action: LinkAction) => void;
}) {
  const [copied, setCopied] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const reset = useRef<HTMLButtonElement>(null);
  const id = useId();
  const label = info.label;

  // The links arrive after the dialog opened: focus moves to the first one as it appears.
  useEffect(() => {
    if (first) (input.current ?? reset.current)?.focus();
  }, [first]);

  const copy = async () => {
    if (url === null) return;
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      // No clipboard permission (or an insecure origin): fall back to the selection.
      input.current?.select();
      document.execCommand('copy');
    }
    setCopied(true);
    setTimeout(() => setCopied(false), 2000);
  };

  return (
    <div className="link-field">
      {url === null ? (
        <span className="link-field-label">{label}</span>
      ) : (
        <label htmlFor={id} className="link-field-label">
          {label}
        </label>
      )}
      <p className="link-field-description" id={`${id}-description`}>
        {info.description} <span className={link.expired ? 'link-expired' : undefined}>{expiryText(link)}</span>
      </p>
      {url === null ? (
        <p className="link-field-description">
          {member
            ? 'This link exists; its address is shown only to whoever makes it. Reset it to get a link you can share.'
            : 'This link exists, but it was reset outside the app since this one was, so it cannot be shown here. Reset it to get a link you can share.'}
        </p>
      ) : (
        <div className="link-field-row">
          <input id={id} ref={input} readOnly value={url} aria-describedby={`${id}-description`} onFocus={(event) => event.target.select()} />
          <button type="button" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
            {copied ? <Check size={16} aria-hidden /> : <Copy size={16} aria-hidden />}
            <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
          </button>
        </div>
      )}
      {onChange && (
        <div className="link-field-actions">
          <button ref={reset} type="button" className="danger-text" onClick={() => onChange('reset')} aria-label={`Reset ${label.toLowerCase()}`}>
            <RotateCcw size={14} aria-hidden />
            Reset link…
          </button>
          <button type="button" onClick={() => onChange('expiry')} aria-label={`Change when the ${label.toLowerCase()} expires`}>
            <CalendarClock size={14} aria-hidden />
            Expiry…
          </button>
          {!own && (
            <button type="button" className="danger-text" onClick={() => onChange('off')} aria-label={`Turn off ${label.toLowerCase()}`}>
              <Power size={14} aria-hidden />
              Turn off…
            </button>
          )}
        </div>
      )}
    </div>
  );
}

function expiryText(link: AppLink): string {
  if (link.expiresAt === null) return 'Does not expire.';
  return link.expired ? `Expired on ${fullTime(link.expiresAt)}.` : `Expires on ${fullTime(link.expiresAt)}.`;
}
