'use client';

import { X } from 'lucide-react';
import { type ReactNode, useId, useLayoutEffect, useRef } from 'react';

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
 * A modal dialog on the native `<dialog>` element: the browser traps focus and closes it on
 * Escape, and focus returns to what had it before. Focus starts where typing can begin (see
 * `initialFocus`), never on the close button. Rendered only while open; `onClose` runs however it
 * closes.
 */
export function Dialog({ title, onClose, children, actions, className }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const onCloseRef = useRef(onClose);
  onCloseRef.current = onClose;

  // A layout effect: the dialog is open, with focus in it, before the browser handles another
  // key. A shortcut that opens it (Ctrl+K) is followed at once by typing meant for its field.
  useLayoutEffect(() => {
    const dialog = ref.current;
    if (!dialog) return;
    const opener = document.activeElement as HTMLElement | null;
    if (!dialog.open) dialog.showModal();
    initialFocus(dialog)?.focus();
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
 * Where focus starts in a dialog: an element marked `data-autofocus`; else its first field; else
 * the first action of its footer that is not dangerous (Cancel rather than Delete). The browser
 * alone would pick the first focusable element, the close button, where typing is lost and Enter
 * closes the dialog.
 */
export function initialFocus(dialog: HTMLElement): HTMLElement | null {
  const marked = dialog.querySelector<HTMLElement>('[data-autofocus]');
  if (marked) return marked;
  const field = dialog.querySelector<HTMLElement>(
    'input:not([type="hidden"]):not([disabled]), textarea:not([disabled]), select:not([disabled]), [contenteditable="true"]',
  );
  if (field) return field;
  const actions = Array.from(dialog.querySelectorAll<HTMLElement>('.dialog-actions button:not([disabled])'));
  return actions.find((button) => !button.classList.contains('danger')) ?? actions[0] ?? null;
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
