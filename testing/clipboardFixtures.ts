import { readFileSync } from 'node:fs';

/**
 * HTML as Word, Google Docs and LibreOffice put it on the clipboard (`testing/fixtures/clipboard/`):
 * the same short document from each — a paragraph with bold, italic, underlined and struck words,
 * a bulleted list three levels deep, a numbered list with a nested item, and a bold last line.
 */
export const CLIPBOARD_SOURCES = ['word', 'google-docs', 'libreoffice'] as const;
export type ClipboardSource = (typeof CLIPBOARD_SOURCES)[number];

/** The clipboard HTML `source` writes for the document. */
export function clipboardHtml(source: ClipboardSource): string {
  return readFileSync(new URL(`./fixtures/clipboard/${source}.html`, import.meta.url), 'utf8');
}

/** The document every fixture holds, in the editor's Markdown. */
export const CLIPBOARD_MARKDOWN = [
  'Shopping notes with **bold**, *italic*, <u>underlined</u> and ~~struck~~ words.',
  '',
  '- Apples',
  '  - Green **Granny Smith**',
  '    - Sour',
  '- *Pears*',
  '',
  'Steps:',
  '',
  '1. Wash',
  '   a. In cold water',
  '2. Eat',
  '',
  '**The end**',
].join('\n');
