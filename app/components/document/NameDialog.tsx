'use client';

import { type FormEvent, useState } from 'react';
import { MAX_NAME_LENGTH } from '../../lib/identity';
import { Dialog, FormFooter } from '../ui/Dialog';

interface NameDialogProps {
  /** The name the field starts with. */
  name: string;
  /** Shown in the empty field (the current default name). */
  placeholder?: string;
  title?: string;
  /** A sentence above the field, saying why the name is asked for. */
  intro?: string;
  onSave: (name: string) => void;
  onClose: () => void;
}

/** Choose the name others see on this person's caret and avatar. */
export function NameDialog({ name, placeholder, title = 'Your name', intro, onSave, onClose }: NameDialogProps) {
  const [value, setValue] = useState(name);
  const [error, setError] = useState<string | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!value.trim()) return setError('Enter a name.');
    onSave(value.trim());
    onClose();
  };

  return (
    <Dialog title={title} onClose={onClose}>
      <form className="form" onSubmit={submit} noValidate>
        {intro && <p>{intro}</p>}
        <label className="field">
          <span>Shown to others in documents you open</span>
          <input
            value={value}
            placeholder={placeholder}
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
