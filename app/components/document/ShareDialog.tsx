'use client';

import { Check, Copy } from 'lucide-react';
import { useId, useRef, useState } from 'react';
import { documentUrl } from '../../lib/api';
import { Dialog } from '../ui/Dialog';

interface ShareDialogProps {
  name: string;
  /** The edit secret, when this person has it. */
  editKey?: string;
  /** The view secret, when known (it is not while the server cannot be reached). */
  viewKey?: string;
  onClose: () => void;
}

/** The document's two capability links, each with a copy button. */
export function ShareDialog({ name, editKey, viewKey, onClose }: ShareDialogProps) {
  return (
    <Dialog title="Share" onClose={onClose} className="dialog-wide">
      <p className="muted">Anyone with a link can open the document, without an account. Share only with people you trust with it.</p>
      {editKey && <LinkField label="Edit link" description="Can change the document, rename and delete it." url={documentUrl(name, editKey)} />}
      {viewKey ? (
        <LinkField label="View-only link" description="Can read the document and see who is in it; cannot change anything." url={documentUrl(name, viewKey)} />
      ) : (
        <p className="muted">The view-only link shows here once you are connected.</p>
      )}
      <footer className="dialog-actions">
        <span className="spacer" />
        <button type="button" className="primary" onClick={onClose}>
          Done
        </button>
      </footer>
    </Dialog>
  );
}

function LinkField({ label, description, url }: { label: string; description: string; url: string }) {
  const [copied, setCopied] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const id = useId();

  const copy = async () => {
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
      <label htmlFor={id} className="link-field-label">
        {label}
      </label>
      <p className="link-field-description" id={`${id}-description`}>
        {description}
      </p>
      <div className="link-field-row">
        <input id={id} ref={input} readOnly value={url} aria-describedby={`${id}-description`} onFocus={(event) => event.target.select()} />
        <button type="button" onClick={copy} aria-label={`Copy ${label.toLowerCase()}`}>
          {copied ? <Check size={16} aria-hidden /> : <Copy size={16} aria-hidden />}
          <span aria-live="polite">{copied ? 'Copied' : 'Copy'}</span>
        </button>
      </div>
    </div>
  );
}
