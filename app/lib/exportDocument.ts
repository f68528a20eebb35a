import type { Node } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { bodyNode, exportNode } from '../../shared/conversion';
import { TITLE_FIELD, UNTITLED } from '../../shared/documentFields';
import { withTitleHeading } from '../../shared/titleHeading';

/**
 * Document export in the browser, through the server's own converters
 * (`collab-server/documents/conversion.ts`, which needs no Node APIs) over the shared schema, so
 * a download is exactly what the server's content API gives for the same document. Loaded on
 * demand: the Markdown parser stays out of the editor's first load.
 */

export type ExportFormat = 'markdown' | 'html' | 'json';

/** A file to hand to the browser. */
export interface ExportedFile {
  filename: string;
  type: string;
  content: string;
}

/**
 * Converts a document body (the editor's document node) and its title into a file of `format`.
 * Markdown and HTML files start with the title as a level-1 heading, which an import takes back
 * as the title (`shared/titleHeading.ts`); JSON is the body alone.
 */
export function exportDocument(body: Node, title: string, format: ExportFormat): ExportedFile {
  const base = fileBaseName(title);
  switch (format) {
    case 'markdown':
      return { filename: `${base}.md`, type: 'text/markdown;charset=utf-8', content: exportNode(withTitleHeading(body, title), 'markdown') };
    case 'json':
      return { filename: `${base}.json`, type: 'application/json;charset=utf-8', content: `${JSON.stringify(body.toJSON(), null, 2)}\n` };
    case 'html':
      return {
        filename: `${base}.html`,
        type: 'text/html;charset=utf-8',
        content: htmlDocument(title || UNTITLED, exportNode(withTitleHeading(body, title), 'html')),
      };
  }
}

/** Converts a whole document state (a Yjs update: a copy kept on this device, say) into a file of `format`. */
export function exportState(state: Uint8Array, format: ExportFormat): ExportedFile {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    return exportDocument(bodyNode(doc), doc.getText(TITLE_FIELD).toString().trim(), format);
  } finally {
    doc.destroy();
  }
}

/** A standalone HTML file around the body, readable without the app. */
function htmlDocument(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;line-height:1.6;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1c2024}img{max-width:100%}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem}pre{background:#f4f4f5;padding:.75rem;overflow:auto}blockquote{border-left:3px solid #ccc;margin-left:0;padding-left:1rem;color:#555}</style>
</head>
<body>
${body}
</body>
</html>
`;
}

/** A file name from a title: no path separators or characters that file systems refuse. */
export function fileBaseName(title: string): string {
  const cleaned = title.replace(UNSAFE_IN_FILE_NAMES, ' ').replace(/\s+/g, ' ').trim().slice(0, 100);
  return cleaned.replace(/^\.+/, '') || UNTITLED;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed.
const UNSAFE_IN_FILE_NAMES = /[\u0000-\u001f\u007f<>:"/\\|?*]+/g;

function escapeHtml(text: string): string {
  return text.replace(/[&<>"]/g, (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[char] as string);
}
