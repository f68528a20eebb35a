'use client';

import { useState } from 'react';
import { deleteDocument, errorMessage } from '../../lib/api';
import { Dialog } from '../ui/Dialog';

interface DeleteDialogProps {
  name: string;
  editKey: string;
  title: string;
  /** The name this person chose (the activity log names who deleted). */
  userName?: string;
  /** Called after the server deleted the document. */
  onDeleted: () => void;
  onClose: () => void;
}

/** Confirms, then deletes a document on the server (everyone with it open is told). */
export function DeleteDialog({ name, editKey, title, userName, onDeleted, onClose }: DeleteDialogProps) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await deleteDocument(name, editKey, userName);
      onDeleted();
    } catch (cause) {
      setError(errorMessage(cause));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title="Delete document?"
      onClose={onClose}
      actions={
        <>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
          <button type="button" className="danger" onClick={confirm} disabled={busy}>
            {busy ? 'Deleting…' : 'Delete'}
          </button>
        </>
      }
    >
      <p>“{title}” will be deleted for everyone. People who have it open are told and can no longer edit it. Its links stop working. This cannot be undone.</p>
      {error && (
        <p role="alert" className="message error">
          {error}
        </p>
      )}
    </Dialog>
  );
}
