import { type AnyExtension, getSchema, type JSONContent, resolveExtensions } from '@tiptap/core';
import { generateHTML, generateJSON } from '@tiptap/html';
import { MarkdownManager } from '@tiptap/markdown';
import { Node, type Schema } from '@tiptap/pm/model';
import { prosemirrorJSONToYXmlFragment, updateYFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { HEADING_LEVELS, normalizeAttributes, safeImageSrc, safeLinkHref } from './attributeRules';
import { type BodyReading, readBody } from './bodyReader';
import { exportThreads } from './comments/threadExport';
import { BODY_FIELD, TITLE_FIELD } from './documentFields';
import { documentExtensions } from './editorExtensions';
import { absoluteImageSrc } from './imagePaths';
import { withEmptyTaskItemsSpaced, withSeparatedBulletLists } from './markdownLists';
import { withHtmlUnderline } from './markdownUnderline';
import { withoutSuggestions } from './suggestions/withoutSuggestions';

/**
 * Server-side conversion between a document's Y.Doc and JSON, HTML, Markdown and plain text,
 * with exactly the extension list the editor uses (`shared/editorExtensions.ts`), so what the
 * server writes is what the editor shows, and what the editor writes the server can read.
 *
 * Formats:
 * - `json`: the ProseMirror document (`{"type":"doc","content":[…]}`); lossless.
 * - `html`: the editor's HTML; parsing keeps only what the schema knows (no scripts, no styles
 *   beyond text alignment, no `javascript:` links), and every attribute only as its rule allows
 *   (`shared/attributeRules.ts`).
 * - `markdown`: the editor's Markdown dialect (GitHub-flavoured with task lists, plus
 *   `<u>underline</u>`, read also as `++underline++`, and `==highlight==`); a single line break
 *   inside a paragraph is a space, as in CommonMark.
 * - `text`: paragraphs separated by blank lines; a single line break is a hard break.
 */

export const CONTENT_FORMATS = ['json', 'html', 'markdown', 'text'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

/** True when `value` names a content format. */
export function isContentFormat(value: unknown): value is ContentFormat {
  return typeof value === 'string' && (CONTENT_FORMATS as readonly string[]).includes(value);
}

/** Content that does not parse, or does not fit the document schema. The message is safe to show. */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentError';
  }
}

interface Converters {
  extensions: AnyExtension[];
  schema: Schema;
  markdown: MarkdownManager;
}

// Built once: the schema and the Markdown manager are pure functions of the extension list.
let cached: Converters | null = null;

function converters(): Converters {
  if (!cached) {
    const extensions = documentExtensions();
    const resolved = resolveExtensions(extensions);
    const markdown = new MarkdownManager();
    // Kits (StarterKit, TableKit) bundle their nodes and marks; register the resolved list.
    for (const extension of resolved) markdown.registerExtension(MARKDOWN_DIALECT[extension.name]?.(extension) ?? extension);
    cached = { extensions, schema: getSchema(extensions), markdown };
  }
  return cached;
}

/** The document schema. */
export function documentSchema(): Schema {
  return converters().schema;
}

/**
 * The body of `doc` as a valid ProseMirror node, and what the stored body holds that the schema
 * does not allow (`shared/bodyReader.ts`). Never changes `doc`. An empty body is one empty
 * paragraph, as the editor shows it.
 */
export function readBodyOf(doc: Y.Doc): BodyReading {
  const reading = readBody(doc.getXmlFragment(BODY_FIELD), documentSchema());
  return reading.node.childCount > 0 ? reading : { ...reading, node: documentSchema().topNodeType.createAndFill() as Node };
}

/** The body of `doc` as a valid ProseMirror node (see `readBodyOf`); an empty body is one empty paragraph. */
export function bodyNode(doc: Y.Doc): Node {
  return readBodyOf(doc).node;
}

/** How an export is addressed. */
export interface ExportOptions {
  /**
   * The server's origin (`https://quire.example.com`): HTML and Markdown give images stored on the
   * server (whose `src` is a path of its origin) absolute addresses, so they show wherever the
   * file is opened. JSON keeps the document's own paths.
   */
  imageBase?: string;
}

/**
 * Renders the body of `doc` in `format`. JSON also carries the document's comment threads, when
 * it has any, as `threads` beside the body's `content` (`shared/comments/threadExport.ts`).
 */
export function exportBody(doc: Y.Doc, format: ContentFormat, options: ExportOptions = {}): string {
  const body = bodyNode(doc);
  const rendered = exportNode(body, format, options);
  if (format !== 'json') return rendered;
  const threads = exportThreads(doc, body);
  return threads.length === 0 ? rendered : JSON.stringify({ ...JSON.parse(rendered), threads });
}

/**
 * Renders a document node in `format`. Attribute values are rendered only as their rules allow
 * (`shared/attributeRules.ts`): whatever made the node (the editor's document, say), no unsafe
 * link, image address or style leaves in any format.
 */
export function exportNode(whole: Node, format: ContentFormat, { imageBase }: ExportOptions = {}): string {
  // JSON is the document as it is; the other formats show it without its pending suggestions ([SG9]).
  const node = format === 'json' ? whole : withoutSuggestions(whole);
  let json = withValidAttributes(node).toJSON();
  if (imageBase && format !== 'json') json = withImageBase(json, imageBase);
  switch (format) {
    case 'json':
      return JSON.stringify(json);
    case 'html':
      return generateHTML(json, converters().extensions);
    case 'markdown':
      return converters().markdown.serialize(json);
    case 'text':
      return plainText(node);
  }
}

/** `json` with each image's path made absolute against `base`. */
function withImageBase(json: JSONContent, base: string): JSONContent {
  const walk = (node: JSONContent): JSONContent => {
    const next = node.content ? { ...node, content: node.content.map(walk) } : node;
    if (node.type === 'image' && typeof node.attrs?.src === 'string') return { ...next, attrs: { ...node.attrs, src: absoluteImageSrc(node.attrs.src, base) } };
    return next;
  };
  return walk(json);
}

/** `node`, or a copy whose attributes are all valid when some are not (as imports make them). */
function withValidAttributes(node: Node): Node {
  let valid = true;
  node.descendants((child) => {
    if (!valid) return false;
    if (
      normalizeAttributes('node', child.type.name, child.attrs).changed ||
      (child.type.name === 'image' && safeImageSrc(child.attrs.src) === null && child.attrs.src !== null)
    )
      valid = false;
    for (const mark of child.marks) if (normalizeAttributes('mark', mark.type.name, mark.attrs).changed) valid = false;
    return valid;
  });
  return valid ? node : Node.fromJSON(converters().schema, fitToEditor(node.toJSON(), 'json'));
}

/**
 * Parses `content` in `format` into a document node; throws `ContentError` when it does not
 * parse or does not fit the schema. JSON may be given as a string or as the parsed object.
 * Empty content is a document with one empty paragraph.
 */
export function parseContent(content: string | JSONContent, format: ContentFormat): Node {
  const { schema, extensions, markdown } = converters();
  if (typeof content !== 'string' && format !== 'json') throw new ContentError(`${format} content must be a string`);
  let json: JSONContent;
  try {
    switch (format) {
      case 'json':
        json = typeof content === 'string' ? (JSON.parse(content) as JSONContent) : content;
        break;
      case 'html':
        json = generateJSON(content as string, extensions);
        break;
      case 'markdown':
        json = markdown.parse(withEmptyTaskItemsSpaced(lineEndings(content as string)));
        break;
      case 'text':
        json = textToJSON(content as string);
        break;
    }
  } catch (error) {
    throw new ContentError(`the ${format} content could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json) || json.type !== 'doc') {
    throw new ContentError('JSON content must be a document: an object like {"type":"doc","content":[{"type":"paragraph",…}]}');
  }
  json = fitToEditor(json, format);
  if (!Array.isArray(json.content) || json.content.length === 0) json = { ...json, content: [{ type: 'paragraph' }] };
  try {
    const node = Node.fromJSON(schema, json);
    node.check();
    return node;
  } catch (error) {
    throw new ContentError(`the content does not fit the document schema: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Makes the body of `doc` equal `node` with the smallest change: blocks that did not change keep
 * their identity, so concurrent typing in them survives. Call inside a transaction.
 */
export function replaceBody(doc: Y.Doc, node: Node): void {
  updateYFragment(doc, doc.getXmlFragment(BODY_FIELD), node, { mapping: new Map(), isOMark: new Map() });
}

/**
 * Appends the blocks of `node` after the current body, as new blocks: nothing already there is
 * touched, so it merges with any concurrent change. Call inside a transaction.
 */
export function appendBody(doc: Y.Doc, node: Node): void {
  const scratch = new Y.Doc();
  try {
    prosemirrorJSONToYXmlFragment(documentSchema(), node.toJSON(), scratch.getXmlFragment(BODY_FIELD));
    const fragment = doc.getXmlFragment(BODY_FIELD);
    const blocks = scratch.getXmlFragment(BODY_FIELD).toArray();
    fragment.insert(
      fragment.length,
      blocks.map((block) => (block as Y.XmlElement).clone()),
    );
  } finally {
    scratch.destroy();
  }
}

/** A Yjs update that creates a document whose body is `node` (null: left empty) and whose title is `title`. */
export function initialUpdate(node: Node | null, title = ''): Uint8Array {
  const doc = new Y.Doc();
  try {
    doc.transact(() => {
      if (node) prosemirrorJSONToYXmlFragment(documentSchema(), node.toJSON(), doc.getXmlFragment(BODY_FIELD));
      if (title) doc.getText(TITLE_FIELD).insert(0, title);
    });
    return Y.encodeStateAsUpdate(doc);
  } finally {
    doc.destroy();
  }
}

/** The editor's Markdown dialect where it differs from Tiptap's, by extension name. */
const MARKDOWN_DIALECT: Record<string, (extension: AnyExtension) => AnyExtension> = {
  table: withoutTableMargins,
  underline: withHtmlUnderline,
  bulletList: withSeparatedBulletLists,
};

/**
 * The table's Markdown renderer pads its output with line breaks, which the block separator
 * already provides: each table came out with an extra blank line above and below. The parser
 * reads both forms alike, so only the output is tidied.
 */
function withoutTableMargins(table: AnyExtension): AnyExtension {
  return table.extend({
    renderMarkdown(node, helpers, context) {
      const { parent } = this as unknown as { parent?: (...args: [typeof node, typeof helpers, typeof context]) => string };
      const rendered = parent?.(node, helpers, context) ?? '';
      return rendered.replace(/^\n+|\n+$/g, '');
    },
  });
}

function lineEndings(text: string): string {
  return text.replace(/\r\n?/g, '\n');
}

/** Paragraphs separated by blank lines; single line breaks become hard breaks. */
function textToJSON(text: string): JSONContent {
  const trimmed = lineEndings(text).replace(/^\n+|\n+$/g, '');
  const paragraphs = trimmed === '' ? [''] : trimmed.split(/\n{2,}/);
  return {
    type: 'doc',
    content: paragraphs.map((paragraph) => ({
      type: 'paragraph',
      content: paragraph
        .split('\n')
        .flatMap((line, index): JSONContent[] => [...(index > 0 ? [{ type: 'hardBreak' }] : []), ...(line ? [{ type: 'text', text: line }] : [])]),
    })),
  };
}

/**
 * Makes parsed content fit the editor: every attribute takes the closest value its rule allows
 * (`shared/attributeRules.ts`: headings deeper than the editor offers become its deepest level,
 * an alignment it does not know is dropped, and so on); a link with an unsafe address
 * (`javascript:` and the like) becomes plain text; an image with an unsafe address is left out;
 * and in Markdown a soft line break inside a paragraph is a space (as Markdown renders it; the
 * editor would otherwise show a line break).
 */
function fitToEditor(json: JSONContent, format: ContentFormat): JSONContent {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return json;
  const deepest = HEADING_LEVELS[HEADING_LEVELS.length - 1];
  const walk = (node: JSONContent, inCode: boolean): JSONContent | null => {
    if (typeof node !== 'object' || node === null) return node;
    const next: JSONContent = { ...node };
    if (format === 'markdown' && node.type === 'text' && !inCode && node.text?.includes('\n')) next.text = node.text.replace(/[ \t]*\n[ \t]*/g, ' ');
    if (Array.isArray(node.marks)) {
      next.marks = node.marks
        .filter((mark) => mark?.type !== 'link' || safeLinkHref(mark.attrs?.href) !== null)
        .map((mark) => (mark?.attrs && typeof mark.type === 'string' ? { ...mark, attrs: normalizeAttributes('mark', mark.type, mark.attrs).attrs } : mark));
    }
    if (node.type === 'image' && safeImageSrc(node.attrs?.src) === null) return null;
    if (node.type === 'heading' && Number(node.attrs?.level) > deepest) next.attrs = { ...node.attrs, level: deepest };
    if (next.attrs && typeof node.type === 'string') next.attrs = normalizeAttributes('node', node.type, next.attrs).attrs;
    if (Array.isArray(node.content)) {
      next.content = node.content.map((child) => walk(child, inCode || node.type === 'codeBlock')).filter((child): child is JSONContent => child !== null);
    }
    return next;
  };
  return walk(json, false) ?? json;
}

/**
 * Plain text: top-level blocks separated by a blank line; inside lists, quotes and tables one
 * line per block; table cells separated by tabs; hard breaks as line breaks.
 */
function plainText(doc: Node): string {
  const blockText = (node: Node): string => {
    if (node.isTextblock) return node.textBetween(0, node.content.size, undefined, (leaf) => (leaf.type.name === 'hardBreak' ? '\n' : ''));
    if (node.isLeaf) return node.type.name === 'image' ? String(node.attrs.alt ?? '') : '';
    const separator = node.type.name === 'tableRow' ? '\t' : '\n';
    const parts: string[] = [];
    node.forEach((child) => {
      const text = blockText(child);
      if (text !== '' || child.isTextblock) parts.push(text);
    });
    return parts.join(separator);
  };
  const blocks: string[] = [];
  doc.forEach((child) => {
    const text = blockText(child);
    if (text !== '' || child.isTextblock) blocks.push(text);
  });
  return blocks.join('\n\n').replace(/\n+$/, '');
}
