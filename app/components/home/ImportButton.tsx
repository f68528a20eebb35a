'use client';

import { Upload } from 'lucide-react';
import { useRef, useState } from 'react';
import { type CreatedDocument, errorMessage, importDocx, importMarkdown } from '../../lib/api';

interface ImportButtonProps {
  onImported: (created: CreatedDocument) => void;
  /** A problem, or (with `note`) what the import left out, to show on the page. */
  onError: (message: string | null) => void;
}

/** Imports a Markdown or Word (.docx) file as a new document (the server converts it with the editor's schema). */
export function ImportButton({ onImported, onError }: ImportButtonProps) {
  const input = useRef<HTMLInputElement>(null);
  const [busy, setBusy] = useState(false);

  const importFile = async (file: File) => {
    setBusy(true);
    onError(null);
    try {
      if (/\.docx$/i.test(file.name)) {
        const created = await importDocx(file, file.name.replace(/\.docx$/i, '').trim());
        // Images are not imported: the person hears it before opening the document.
        if (created.notes.length > 0) window.alert(`“${file.name}” was imported. ${created.notes.join(' ')}`);
        onImported(created);
      } else {
        const content = await file.text();
        onImported(await importMarkdown(content, titleFor(content, file.name)));
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
        {busy ? 'Importing…' : 'Import Markdown or Word'}
      </button>
      <input
        ref={input}
        type="file"
        accept=".md,.markdown,.txt,.docx,text/markdown,text/plain,application/vnd.openxmlformats-officedocument.wordprocessingml.document"
        className="visually-hidden"
        tabIndex={-1}
        aria-label="Markdown file to import"
        onChange={(event) => {
          const file = event.target.files?.[0];
          if (file) void importFile(file);
        }}
      />
    </>
  );
}

/** The title of an imported file: its first top-level heading, else the file name. */
export function titleFor(content: string, fileName: string): string {
  const heading = /^#\s+(.+?)\s*#*\s*$/m.exec(content.slice(0, 10_000));
  return (heading?.[1] ?? fileName.replace(/\.(md|markdown|txt)$/i, '')).trim();
}
