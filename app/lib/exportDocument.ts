import type { Node } from '@tiptap/pm/model';
import * as Y from 'yjs';
import { type ExportedThread, exportThreads } from '../../shared/comments/threadExport';
import { bodyNode, exportNode } from '../../shared/conversion';
import { TITLE_FIELD, UNTITLED } from '../../shared/documentFields';
import { absoluteImageSrc, storedImageOf } from '../../shared/imagePaths';
import { withTitleHeading } from '../../shared/titleHeading';

/**
 * Document export in the browser, through the server's own converters
 * (`collab-server/documents/conversion.ts`, which needs no Node APIs) over the shared schema, so
 * a download is exactly what the server's content API gives for the same document. Loaded on
 * demand: the Markdown parser stays out of the editor's first load.
 *
 * Images stored on the server: the HTML download holds them (as `data:` addresses, up to
 * `MAX_INLINE_BYTES` in all), so it is a whole page on its own, offline too; Markdown gives their
 * absolute addresses on this server, as the content API does; JSON keeps the document's paths.
 */

/** Image bytes an HTML download holds at most; images past it keep their absolute address. */
const MAX_INLINE_BYTES = 50 * 1024 * 1024;

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
 * as the title (`shared/titleHeading.ts`); JSON is the body alone, with `threads`, the comment
 * threads, when there are any.
 */
export async function exportDocument(body: Node, title: string, format: ExportFormat, threads: ExportedThread[] = []): Promise<ExportedFile> {
  const base = fileBaseName(title);
  const imageBase = globalThis.location?.origin;
  switch (format) {
    case 'markdown':
      return {
        filename: `${base}.md`,
        type: 'text/markdown;charset=utf-8',
        content: exportNode(withTitleHeading(body, title), 'markdown', { imageBase }),
      };
    case 'json':
      return {
        filename: `${base}.json`,
        type: 'application/json;charset=utf-8',
        content: `${JSON.stringify(threads.length > 0 ? { ...body.toJSON(), threads } : body.toJSON(), null, 2)}\n`,
      };
    case 'html': {
      const html = await withImagesInline(exportNode(withTitleHeading(body, title), 'html', { imageBase }), body, imageBase);
      return { filename: `${base}.html`, type: 'text/html;charset=utf-8', content: htmlDocument(title || UNTITLED, html) };
    }
  }
}

/** Converts a whole document state (a Yjs update: a copy kept on this device, say) into a file of `format`. */
export async function exportState(state: Uint8Array, format: ExportFormat): Promise<ExportedFile> {
  const doc = new Y.Doc();
  try {
    Y.applyUpdate(doc, state);
    const body = bodyNode(doc);
    return await exportDocument(body, doc.getText(TITLE_FIELD).toString().trim(), format, exportThreads(doc, body));
  } finally {
    doc.destroy();
  }
}

/**
 * `html` (exported with absolute image addresses) with each image stored on this server replaced
 * by its bytes as a `data:` address, while they add up to `MAX_INLINE_BYTES`; an image that cannot
 * be fetched keeps its address.
 */
async function withImagesInline(html: string, body: Node, origin: string | undefined): Promise<string> {
  if (!origin) return html;
  const sources = new Set<string>();
  body.descendants((node) => {
    const src = node.type.name === 'image' ? node.attrs.src : null;
    if (typeof src === 'string' && storedImageOf(src)) sources.add(absoluteImageSrc(src, origin));
  });
  let budget = MAX_INLINE_BYTES;
  for (const src of sources) {
    if (new URL(src).origin !== origin) continue;
    const response = await fetch(src).catch(() => null);
    if (!response?.ok) continue;
    const blob = await response.blob();
    if (blob.size > budget) continue;
    budget -= blob.size;
    const data = await new Promise<string>((resolve, reject) => {
      const reader = new FileReader();
      reader.onload = () => resolve(reader.result as string);
      reader.onerror = () => reject(reader.error);
      reader.readAsDataURL(blob);
    });
    html = html.split(`src="${src}"`).join(`src="${data}"`);
  }
  return html;
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
