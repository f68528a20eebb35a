'use client';

import type { Editor } from '@tiptap/react';
import { type FormEvent, useState } from 'react';
import { Dialog, FormFooter } from '../ui/Dialog';
import { normalizeUrl } from './urls';

/** Add, change or remove the link at the selection. */
export function LinkDialog({ editor, onClose }: { editor: Editor; onClose: () => void }) {
  const existing = (editor.getAttributes('link').href as string | undefined) ?? '';
  const { from, to, empty } = editor.state.selection;
  const selectedText = empty ? '' : editor.state.doc.textBetween(from, to, ' ');
  const [href, setHref] = useState(existing);
  const [text, setText] = useState('');
  const [error, setError] = useState<string | null>(null);
  // With nothing selected and no link at the cursor, the link needs text of its own.
  const needsText = empty && !existing;

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const url = normalizeUrl(href, ['http:', 'https:', 'mailto:']);
    if (!url) return setError('Enter a web address (https://…) or an email link (mailto:…).');
    if (needsText) {
      editor
        .chain()
        .focus()
        .insertContent({ type: 'text', text: text.trim() || url, marks: [{ type: 'link', attrs: { href: url } }] })
        .run();
    } else {
      editor.chain().focus().extendMarkRange('link').setLink({ href: url }).run();
    }
    onClose();
  };

  const remove = () => {
    editor.chain().focus().extendMarkRange('link').unsetLink().run();
    onClose();
  };

  return (
    <Dialog title={existing ? 'Edit link' : 'Add link'} onClose={onClose}>
      <form onSubmit={apply} className="form" noValidate>
        {needsText && (
          <label className="field">
            <span>Text</span>
            <input value={text} onChange={(event) => setText(event.target.value)} placeholder="Text to show" />
          </label>
        )}
        {!needsText && selectedText && <p className="muted">Link for “{selectedText.slice(0, 80)}”</p>}
        <label className="field">
          <span>Address</span>
          <input
            type="url"
            inputMode="url"
            value={href}
            placeholder="https://example.com"
            aria-invalid={error ? true : undefined}
            aria-describedby={error ? 'link-error' : undefined}
            onChange={(event) => {
              setHref(event.target.value);
              setError(null);
            }}
          />
        </label>
        <FormFooter
          error={error}
          errorId="link-error"
          submitLabel="Apply"
          onCancel={onClose}
          start={
            existing && (
              <button type="button" className="danger-text" onClick={remove}>
                Remove link
              </button>
            )
          }
        />
      </form>
    </Dialog>
  );
}
