'use client';

import { X } from 'lucide-react';
import { type ReactNode, useEffect, useId, useRef } from 'react';

interface DialogProps {
  title: string;
  onClose: () => void;
  children: ReactNode;
  /** Buttons at the bottom, right-aligned. */
  actions?: ReactNode;
  /** Extra class for sizing (`dialog-wide`). */
  className?: string;
}

/**
 * A modal dialog on the native `<dialog>` element: the browser traps focus, closes on Escape and
 * returns focus to what opened it. Rendered only while open; `onClose` runs however it closes.
 * Focus starts on the element marked `data-autofocus`, if any.
 */
export function Dialog({ title, onClose, children, actions, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    // The browser focuses the first control (the close button); a dialog may name a better start.
    dialog.querySelector<HTMLElement>('[data-autofocus]')?.focus();
    const onNativeClose = () => onCloseRef.current();
    dialog.addEventListener('close', onNativeClose);
    return () => {
      dialog.removeEventListener('close', onNativeClose);
      if (dialog.open) dialog.close();
      // The dialog is unmounted rather than closed natively: give focus back ourselves.
      if (opener?.isConnected) opener.focus();
    };
  }, []);

  return (
    // biome-ignore lint/a11y/useKeyWithClickEvents: Escape already closes a native dialog; the click is for the backdrop only.
    <dialog
      ref={ref}
      className={`dialog ${className ?? ''}`}
      aria-labelledby={titleId}
      onClick={(event) => {
        // A click on the backdrop lands on the <dialog> itself, outside its content box.
        if (event.target === ref.current) ref.current?.close();
      }}
    >
      <div className="dialog-body">
        <header className="dialog-header">
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="icon-button" aria-label="Close" onClick={() => ref.current?.close()}>
            <X size={18} aria-hidden />
          </button>
        </header>
        {children}
        {actions && <footer className="dialog-actions">{actions}</footer>}
      </div>
    </dialog>
  );
}

/**
 * The end of a form inside a `Dialog`: the form's error (announced when it appears), then Cancel
 * and the submit button on the right, with `start` (a secondary action) on the left.
 */
export function FormFooter({
  error,
  errorId,
  submitLabel,
  onCancel,
  busy = false,
  start,
}: {
  error: string | null;
  /** For `aria-describedby` on the field the error is about. */
  errorId?: string;
  submitLabel: string;
  onCancel: () => void;
  /** While true, both buttons are disabled. */
  busy?: boolean;
  start?: ReactNode;
}) {
  return (
    <>
      {error && (
        <p id={errorId} role="alert" className="field-error">
          {error}
        </p>
      )}
      <footer className="dialog-actions">
        {start}
        <span className="spacer" />
        <button type="button" onClick={onCancel} disabled={busy}>
          Cancel
        </button>
        <button type="submit" className="primary" disabled={busy}>
          {submitLabel}
        </button>
      </footer>
    </>
  );
}
