'use client';

import { type FormEvent, useState } from 'react';
import { MAX_TITLE_LENGTH } from '../../../shared/titleText';
import { errorMessage, renameDocument } from '../../lib/api';
import type { LocalIdentity } from '../../lib/identity';
import { Dialog, FormFooter } from '../ui/Dialog';

interface RenameDialogProps {
  name: string;
  editKey: string;
  title: string;
  /** Who renames (the name they chose; the server knows the browser): history records the change as theirs. */
  identity: LocalIdentity;
  onRenamed: (title: string) => void;
  onClose: () => void;
}

/** Renames a document: a change to its live title, which everyone with it open sees at once. */
export function RenameDialog({ name, editKey, title, identity, onRenamed, onClose }: RenameDialogProps) {
  const [value, setValue] = useState(title);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const result = await renameDocument(name, editKey, value, identity.name);
      onRenamed(result.title);
      onClose();
    } catch (cause) {
      setError(errorMessage(cause));
      setBusy(false);
    }
  };

  return (
    <Dialog title="Rename document" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span>Title</span>
          <input value={value} maxLength={MAX_TITLE_LENGTH} onChange={(event) => setValue(event.target.value)} onFocus={(event) => event.target.select()} />
        </label>
        <FormFooter error={error} submitLabel={busy ? 'Renaming…' : 'Rename'} onCancel={onClose} busy={busy} />
      </form>
    </Dialog>
  );
}
