import { type AnyExtension, getSchema, type JSONContent, resolveExtensions } from '@tiptap/core';
import { generateHTML, generateJSON } from '@tiptap/html';
import { MarkdownManager } from '@tiptap/markdown';
import { Node, type Schema } from '@tiptap/pm/model';
import { prosemirrorJSONToYXmlFragment, updateYFragment, yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { BODY_FIELD, TITLE_FIELD } from '../../shared/documentFields';
import { documentExtensions } from '../../shared/editorExtensions';

/**
 * Server-side conversion between a document's Y.Doc and JSON, HTML, Markdown and plain text,
 * with exactly the extension list the editor uses (`shared/editorExtensions.ts`).
 */

export const CONTENT_FORMATS = ['json', 'html', 'markdown', 'text'] as const;
export type ContentFormat = (typeof CONTENT_FORMATS)[number];

/** Content that does not parse, or does not fit the document schema. */
export class ContentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ContentError';
  }
}

let cached: { extensions: AnyExtension[]; schema: Schema; markdown: MarkdownManager } | null = null;

function converters() {
  if (!cached) {
    const extensions = documentExtensions();
    const markdown = new MarkdownManager();
    // Kits (StarterKit, TableKit) bundle their nodes and marks; register the resolved list.
    for (const extension of resolveExtensions(extensions)) markdown.registerExtension(extension);
    cached = { extensions, schema: getSchema(extensions), markdown };
  }
  return cached;
}

/** The document schema. */
export function documentSchema(): Schema {
  return converters().schema;
}

/** The body of `doc` as a ProseMirror node. */
export function bodyNode(doc: Y.Doc): Node {
  return yXmlFragmentToProseMirrorRootNode(doc.getXmlFragment(BODY_FIELD), documentSchema());
}

/** Renders the body of `doc` in `format`. */
export function exportBody(doc: Y.Doc, format: ContentFormat): string {
  const node = bodyNode(doc);
  switch (format) {
    case 'json':
      return JSON.stringify(node.toJSON());
    case 'html':
      return generateHTML(node.toJSON(), converters().extensions);
    case 'markdown':
      return converters().markdown.serialize(node.toJSON());
    case 'text':
      return node.textBetween(0, node.content.size, '\n\n', '\n');
  }
}

/** Parses `content` in `format` into a document node; throws `ContentError` when it does not fit. */
export function parseContent(content: string, format: ContentFormat): Node {
  const { schema, extensions, markdown } = converters();
  let json: JSONContent;
  try {
    switch (format) {
      case 'json':
        json = JSON.parse(content) as JSONContent;
        break;
      case 'html':
        json = generateJSON(content, extensions);
        break;
      case 'markdown':
        json = markdown.parse(content);
        break;
      case 'text':
        json = {
          type: 'doc',
          content: content.split(/\n{2,}/).map((paragraph) => ({ type: 'paragraph', content: paragraph ? [{ type: 'text', text: paragraph }] : [] })),
        };
        break;
    }
  } catch (error) {
    throw new ContentError(`the ${format} content could not be parsed: ${error instanceof Error ? error.message : String(error)}`);
  }
  try {
    const node = Node.fromJSON(schema, json);
    node.check();
    if (node.type.name !== 'doc') throw new Error(`the top node must be "doc", not "${node.type.name}"`);
    return node;
  } catch (error) {
    throw new ContentError(`the content does not fit the document schema: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/**
 * Makes the body of `doc` equal `node` with the smallest change: paragraphs that did not change
 * keep their identity, so concurrent typing in them survives. Call inside a transaction.
 */
export function replaceBody(doc: Y.Doc, node: Node): void {
  updateYFragment(doc, doc.getXmlFragment(BODY_FIELD), node, { mapping: new Map(), isOMark: new Map() });
}

/** Appends the blocks of `node` after the current body. Call inside a transaction. */
export function appendBody(doc: Y.Doc, node: Node): void {
  const scratch = new Y.Doc();
  prosemirrorJSONToYXmlFragment(documentSchema(), node.toJSON(), scratch.getXmlFragment(BODY_FIELD));
  const fragment = doc.getXmlFragment(BODY_FIELD);
  const blocks = scratch.getXmlFragment(BODY_FIELD).toArray();
  fragment.insert(
    fragment.length,
    blocks.map((block) => (block as Y.XmlElement).clone()),
  );
  scratch.destroy();
}

/** A Yjs update that creates a document whose body is `node`. */
export function initialUpdate(node: Node, title = ''): Uint8Array {
  const doc = new Y.Doc();
  doc.transact(() => {
    prosemirrorJSONToYXmlFragment(documentSchema(), node.toJSON(), doc.getXmlFragment(BODY_FIELD));
    if (title) doc.getText(TITLE_FIELD).insert(0, title);
  });
  const update = Y.encodeStateAsUpdate(doc);
  doc.destroy();
  return update;
}
