'use client';

import type { Editor } from '@tiptap/react';
import { type FormEvent, useRef, useState } from 'react';
import { Dialog, FormFooter } from '../ui/Dialog';
import { UPLOADABLE_TYPES } from './imageUpload';
import { normalizeUrl } from './urls';

interface ImageDialogProps {
  editor: Editor;
  onClose: () => void;
  /** Uploads files chosen on this device; without it, only images by address are offered. */
  onFiles?: (files: File[]) => void;
}

/** Insert an image: a file from this device (uploaded to the server), or one by web address with a text alternative. */
export function ImageDialog({ editor, onClose, onFiles }: ImageDialogProps) {
  const [src, setSrc] = useState('');
  const [alt, setAlt] = useState('');
  const [error, setError] = useState<string | null>(null);
  const picker = useRef<HTMLInputElement>(null);

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
      {onFiles && (
        <div className="image-upload-choice">
          <button type="button" className="primary" onClick={() => picker.current?.click()}>
            Upload from this device…
          </button>
          <input
            ref={picker}
            type="file"
            hidden
            multiple
            aria-label="Image file"
            accept={UPLOADABLE_TYPES.join(',')}
            onChange={(event) => {
              const files = [...(event.target.files ?? [])];
              if (files.length === 0) return;
              onClose();
              editor.commands.focus();
              onFiles(files);
            }}
          />
          <p className="field-hint">PNG, JPEG, GIF or WebP. You can also paste an image, or drop it on the page.</p>
          <p className="image-upload-or">Or insert one by its address:</p>
        </div>
      )}
      <form onSubmit={insert} className="form" noValidate>
        <label className="field">
          <span>Image address</span>
          <input
            // Where typing begins, as in every dialog; the upload button is one Shift+Tab back.
            data-autofocus
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
