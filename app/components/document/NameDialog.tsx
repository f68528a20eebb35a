'use client';

import { type FormEvent, useState } from 'react';
import { MAX_NAME_LENGTH } from '../../lib/identity';
import { Dialog, FormFooter } from '../ui/Dialog';

/** Choose the name others see on this person's caret and avatar. */
export function NameDialog({ name, onSave, onClose }: { name: string; onSave: (name: string) => void; onClose: () => void }) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return setError('Enter a name.');
    onSave(value.trim());
    onClose();
  };

  return (
    <Dialog title="Your name" onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        <label className="field">
          <span>Shown to others in documents you open</span>
          <input
            value={value}
            maxLength={MAX_NAME_LENGTH}
            autoComplete="name"
            aria-invalid={error ? true : undefined}
            onChange={(event) => {
              setValue(event.target.value);
              setError(null);
            }}
          />
        </label>
        <FormFooter error={error} submitLabel="Save" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
