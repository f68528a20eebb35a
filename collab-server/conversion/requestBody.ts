import type { JSONContent } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import { CONTENT_FORMATS, ContentError, type ContentFormat, isContentFormat } from '../../shared/conversion';
import { takeTitleHeading } from '../../shared/titleHeading';
import { normalizeTitle } from '../../shared/titleText';
import { ConversionError } from './ConversionError';
import { type ContentLimits, jsonDepthFor, scanJsonDepth } from './contentLimits';
import type { ImageImportRules, ImportedImage } from './docx/importedImages';
import { parseWithLimits } from './parseWithLimits';

/**
 * The request bodies that carry content, read in a conversion worker: a body of megabytes costs
 * its `JSON.parse` (seconds for a few megabytes of nested brackets) and then its conversion, and
 * neither may run on the event loop. The route reads the raw bytes and hands them over; what comes
 * back is the body's other fields and the converted content.
 */

/**
 * How a route reads its body: the content API's rules, or the app's Markdown import. With
 * `images`, a .docx file's pictures are kept (checked, and given addresses in the document the
 * body creates: the one its `name` field names, else `images.document`); without, left out.
 */
export type BodyRules =
  /** A JSON object with only `fields`; `content` is Markdown, HTML, text (strings) or a JSON document, as `format` says. */
  (
    | { dialect: 'api'; fields: readonly string[]; contentRequired: boolean }
    /** Any JSON; `content`, when given, is at most `maxContentBytes` of Markdown or HTML, or `maxDocxBytes` of a .docx file in base64 with `"format": "docx"`; its leading heading becomes the title. */
    | { dialect: 'import'; maxContentBytes: number; maxDocxBytes?: number }
  ) & { images?: ImageImportRules };

/** A body read: its fields other than `content`, the content as a document (null without content), its pictures, and what the import left out. */
export interface ContentRequest {
  fields: Record<string, unknown>;
  node: Node | null;
  /** Pictures of a .docx file the document shows, to store as its images. */
  images: ImportedImage[];
  notes: string[];
}

/** What content a request body may carry: the content formats, and .docx files (base64). */
export const IMPORT_FORMATS = [...CONTENT_FORMATS, 'docx'] as const;

/** Parses and converts a request body by `rules`; throws ConversionError (`invalid` carries the route's status). */
export async function readContentRequest(bytes: Uint8Array, rules: BodyRules, limits: ContentLimits): Promise<ContentRequest> {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
  scanJsonDepth(text, jsonDepthFor(limits), 'the request body', limits);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new ConversionError('invalid', 'the request body is not valid JSON', 400);
  }
  return rules.dialect === 'api'
    ? apiContent(body, rules.fields, rules.contentRequired, limits, rules.images)
    : importedContent(body, rules.maxContentBytes, rules.maxDocxBytes ?? rules.maxContentBytes, limits, rules.images);
}

/** The title a body names, as the document will hold it ('' when it names none). */
export function titleOf(fields: Record<string, unknown>): string {
  return typeof fields.title === 'string' ? normalizeTitle(fields.title.trim()) : '';
}

/** What is wrong with a body that should be a JSON object with only `allowed` fields, or null: a misspelt field is an error, not ignored. */
export function bodyFieldsProblem(body: unknown, allowed: readonly string[]): string | null {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return `the request body must be a JSON object with the fields ${allowed.join(', ')}`;
  const unknown = Object.keys(body).filter((key) => !allowed.includes(key));
  return unknown.length > 0 ? `unknown field ${JSON.stringify(unknown[0])}; the fields are ${allowed.join(', ')}` : null;
}

/** The content API's body: a string defaults to Markdown, an object to JSON. */
async function apiContent(
  body: unknown,
  allowed: readonly string[],
  contentRequired: boolean,
  limits: ContentLimits,
  images: ImageImportRules | undefined,
): Promise<ContentRequest> {
  const problem = bodyFieldsProblem(body, allowed);
  if (problem) throw new ConversionError('invalid', problem, 400);
  const { content, ...fields } = body as Record<string, unknown>;
  if (content === undefined) {
    if (contentRequired) throw new ConversionError('invalid', '"content" is required', 400);
    return { fields, node: null, images: [], notes: [] };
  }
  const format = fields.format ?? (typeof content === 'string' ? 'markdown' : 'json');
  if (format === 'docx') {
    if (typeof content !== 'string') throw new ConversionError('invalid', '"content" must be a string: the .docx file in base64', 400);
    return docxContent(fields, content, limits, images);
  }
  if (!isContentFormat(format))
    throw new ConversionError('invalid', `"format" must be one of ${IMPORT_FORMATS.join(', ')} (got ${JSON.stringify(format)})`, 400);
  if (typeof content !== 'string' && (format !== 'json' || typeof content !== 'object' || content === null)) {
    throw new ConversionError(
      'invalid',
      format === 'json' ? '"content" must be a JSON document or a string holding one' : `"content" must be a string of ${format}`,
      400,
    );
  }
  const node = convert(content as string | JSONContent, format, limits, (message) => new ConversionError('invalid', message, 400));
  return { fields, node, images: [], notes: [] };
}

/**
 * The app's import: Markdown, HTML or a .docx file, up to `maxContentBytes`; of the other fields
 * only the title is kept. A file whose first block is a heading gets that heading as its title,
 * out of its body (`shared/titleHeading.ts`); the body's `title` names the others.
 */
async function importedContent(
  body: unknown,
  maxContentBytes: number,
  maxDocxBytes: number,
  limits: ContentLimits,
  images: ImageImportRules | undefined,
): Promise<ContentRequest> {
  const { content, format, title } = typeof body === 'object' && body !== null && !Array.isArray(body) ? (body as Record<string, unknown>) : {};
  const fields: Record<string, unknown> = title === undefined ? {} : { title };
  if (content === undefined) return { fields, node: null, images: [], notes: [] };
  let imported: ContentRequest;
  if (format === 'docx' && typeof content === 'string') {
    if (base64Bytes(content) > maxDocxBytes) throw new ConversionError('invalid', importTooLarge(maxDocxBytes, base64Bytes(content), '.docx file'), 413);
    imported = await docxContent(fields, content, limits, images);
  } else {
    if (format !== 'markdown' && format !== 'html')
      throw new ConversionError('invalid', '"format" must be "markdown", "html" or "docx" when "content" is given', 400);
    const name = format === 'html' ? 'HTML' : 'Markdown';
    if (typeof content !== 'string') throw new ConversionError('invalid', `"content" must be a string of ${name}`, 400);
    const bytes = Buffer.byteLength(content);
    if (bytes > maxContentBytes) throw new ConversionError('invalid', importTooLarge(maxContentBytes, bytes), 413);
    const node = convert(content, format, limits, (message) => new ConversionError('invalid', `the ${name} could not be imported: ${message}`, 422));
    imported = { fields, node, images: [], notes: [] };
  }
  const heading = takeTitleHeading(imported.node as Node);
  if (heading.title !== null) fields.title = heading.title;
  return { fields, node: heading.body, images: imported.images, notes: imported.notes };
}

/** A .docx file given in base64, imported (`docx/docxImport.ts`); with `images`, its pictures go to the document the body names, else to `images.document`. */
async function docxContent(fields: Record<string, unknown>, base64: string, limits: ContentLimits, images?: ImageImportRules): Promise<ContentRequest> {
  if (!/^[A-Za-z0-9+/\s]*={0,2}\s*$/.test(base64)) throw new ConversionError('invalid', '"content" must be the .docx file in base64', 400);
  // Loaded on first use: a worker that never sees a .docx keeps its heap for the other formats.
  const { droppedImagesNote, importDocx } = await import('./docx/docxImport');
  const rules = images && typeof fields.name === 'string' ? { ...images, document: fields.name } : images;
  const imported = await importDocx(Buffer.from(base64, 'base64'), limits, undefined, rules);
  const note = droppedImagesNote(imported.droppedImages, rules !== undefined);
  return { fields, node: imported.node, images: imported.images, notes: note ? [note] : [] };
}

/** The bytes `base64` decodes to (about: whitespace is counted too). */
function base64Bytes(base64: string): number {
  return Math.floor((base64.length * 3) / 4);
}

/** Converts `content`; a ContentError (content that does not parse or fit the schema) becomes the route's error. */
function convert(content: string | JSONContent, format: ContentFormat, limits: ContentLimits, invalid: (message: string) => ConversionError): Node {
  try {
    return parseWithLimits(content, format, limits);
  } catch (error) {
    if (error instanceof ContentError) throw invalid(error.message);
    throw error;
  }
}

/** The import's answer to a file over the size limit. */
export function importTooLarge(limit: number, bytes?: number, what = 'Markdown or HTML'): string {
  const size = (count: number) => (count >= 1024 * 1024 ? `${(count / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(count / 1024)} KB`);
  return `the file is too large to import${bytes ? ` (${size(bytes)})` : ''}: at most ${size(limit)} of ${what} is accepted`;
}
