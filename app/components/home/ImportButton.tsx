'use client';

import { Upload } from 'lucide-react';
import { useRef, useState } from 'react';
import { type CreatedDocument, errorMessage, importDocx, importFile } from '../../lib/api';

interface ImportButtonProps {
  onImported: (created: CreatedDocument) => void;
  onError: (message: string | null) => void;
}

/** Imports a Markdown, HTML or Word (.docx) file as a new document (the server converts it with the editor's schema). */
export function ImportButton({ onImported, onError }: ImportButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const importChosen = async (file: File) => {
    setBusy(true);
    onError(null);
    try {
      if (/\.docx$/i.test(file.name)) {
        const created = await importDocx(file, titleFor(file.name));
        // Pictures in formats the editor cannot show are left out: the person hears it before opening the document.
        if (created.notes.length > 0) window.alert(`“${file.name}” was imported. ${created.notes.join(' ')}`);
        onImported(created);
      } else {
        const content = await file.text();
        onImported(await importFile(content, formatOf(file.name), titleFor(file.name)));
      }
    } catch (error) {
      onError(`Could not import “${file.name}”: ${errorMessage(error)}`);
    } finally {
      setBusy(false);
      if (input.current) input.current.value = '';
    }
  };

  return (
    <>
      <button type="button" onClick={() => input.current?.click()} disabled={busy}>
        <Upload size={16} aria-hidden />
        {busy ? 'Importing…' : 'Import file'}
      </button>
      <input
        ref={input}
        type="file"
        accept=".md,.markdown,.txt,.html,.htm,.docx,text/markdown,text/plain,text/html,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Markdown file to import, or HTML, or Word"
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) void importChosen(file);
        }}
      />
    </>
  );
}

/** The title of an imported file without a leading heading (the server takes that one): its name. */
export function titleFor(fileName: string): string {
  return fileName.replace(/\.(md|markdown|txt|html?|docx)$/i, '').trim();
}

/** How the server should read a file: HTML by its name, Markdown otherwise. */
export function formatOf(fileName: string): 'markdown' | 'html' {
  return /\.html?$/i.test(fileName) ? 'html' : 'markdown';
}
