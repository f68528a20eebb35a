'use client';

import type { Editor } from '@tiptap/react';
import { type FormEvent, useState } from 'react';
import { Dialog, FormFooter } from '../ui/Dialog';
import { normalizeUrl } from './urls';

/** Insert an image from a web address, with a text alternative. */
export function ImageDialog({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const [src, setSrc] = useState('');
  const [alt, setAlt] = useState('');
  const [error, setError] = useState<string | null>(null);

  const insert = (event: FormEvent) => {
    event.preventDefault();
    const url = normalizeUrl(src, ['http:', 'https:']);
    if (!url) return setError('Enter the web address of an image (https://…).');
    editor
      .chain()
      .focus()
      .setImage({ src: url, alt: alt.trim() || undefined })
      .run();
    onClose();
  };

  return (
    <Dialog title="Insert image" onClose={onClose}>
      <form onSubmit={insert} className="form" noValidate>
        <label className="field">
          <span>Image address</span>
          <input
            type="url"
            inputMode="url"
            value={src}
            placeholder="https://example.com/picture.png"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'image-error' : undefined}
            onChange={(event) => {
              setSrc(event.target.value);
              setError(null);
            }}
          />
        </label>
        <label className="field">
          <span>Description (for people who cannot see it)</span>
          <input value={alt} onChange={(event) => setAlt(event.target.value)} placeholder="What the image shows" />
        </label>
        <FormFooter error={error} errorId="image-error" submitLabel="Insert" onCancel={onClose} />
      </form>
    </Dialog>
  );
}
