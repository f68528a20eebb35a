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

/**
 * A coloured, sized and highlighted run as each program writes it into HTML (trimmed to the run):
 * red (`#c00000` in Word, `#ff0000` in Google Docs, `#c9211e` in LibreOffice) at 14pt on a yellow
 * highlight, then a run in a colour only (Word's by its CSS name, `red`).
 */
export const STYLED_CLIPBOARD_HTML: Readonly<Record<ClipboardSource, string>> = {
  word: `<html xmlns:o="urn:schemas-microsoft-com:office:office"><body><p class=MsoNormal><span style='font-size:14.0pt;line-height:107%;color:#C00000;background:yellow;mso-highlight:yellow'>styled words</span> <span style='color:red'>coloured words</span></p></body></html>`,
  'google-docs': `<meta charset="utf-8"><b style="font-weight:normal;" id="docs-internal-guid-1"><p dir="ltr" style="line-height:1.38;margin-top:0pt;margin-bottom:0pt;"><span style="font-size:14pt;font-family:Arial,sans-serif;color:#ff0000;background-color:#ffff00;font-weight:400;font-style:normal;text-decoration:none;white-space:pre-wrap;">styled words</span><span style="font-size:11pt;font-family:Arial,sans-serif;color:#ff0000;background-color:transparent;font-weight:400;white-space:pre-wrap;"> coloured words</span></p></b>`,
  libreoffice: `<!DOCTYPE HTML><html><head><meta name="generator" content="LibreOffice 7.4"/></head><body><p style="margin-bottom: 0cm"><font color="#c9211e"><font size="4" style="font-size: 14pt"><span style="background: #ffff00">styled words</span></font></font> <font color="#ff0000">coloured words</font></p></body></html>`,
};
