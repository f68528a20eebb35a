import type { JSONContent } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import { type ContentFormat, documentSchema, parseContent } from '../../shared/conversion';
import { ConversionError } from './ConversionError';
import { type ContentLimits, checkDocumentJson, checkNode, jsonDepthFor, scanHtml, scanJsonDepth, tooDeep, tooManyNodes } from './contentLimits';
import { foreignHtmlOnServer } from './foreignHtmlOnServer';
import { CHUNK_LINES, planMarkdown } from './markdownChunks';

/**
 * `parseContent` (the one implementation of each format, in `shared/conversion.ts`) with the
 * limits of `limits` enforced around it: cheap scans refuse deep or huge content before a parser
 * builds it (HTML tags, JSON brackets, Markdown quote and list markers, lines of text), the parsed
 * document's nodes and depth are counted afterwards, and Markdown is parsed in pieces (see
 * `markdownChunks.ts`). A parser that still recurses too deep is reported as too deep.
 */
export function parseWithLimits(content: string | JSONContent, format: ContentFormat, limits: ContentLimits): Node {
  try {
    switch (format) {
      case 'markdown':
        if (typeof content === 'string') return parseMarkdownInChunks(content, limits);
        break;
      case 'html':
        if (typeof content === 'string') {
          scanHtml(content, limits);
          // Word, Google Docs and LibreOffice lists and styled marks, as a paste of them gets.
          content = foreignHtmlOnServer(content);
        }
        break;
      case 'json':
        if (typeof content === 'string') {
          scanJsonDepth(content, jsonDepthFor(limits), 'the JSON document', limits);
          content = parseJsonOrKeep(content);
        }
        if (typeof content === 'object' && content !== null) checkDocumentJson(content, limits);
        break;
      case 'text':
        // Each line is a text run and a line break.
        if (typeof content === 'string' && lineCount(content, limits.maxNodes) * 2 > limits.maxNodes) throw tooManyNodes('the text', limits);
        break;
    }
    const node = parseContent(content, format);
    checkNode(node, `the ${format === 'json' ? 'JSON document' : format}`, limits);
    return node;
  } catch (error) {
    throw stackOverflowAsTooDeep(error, `the ${format} content`, limits);
  }
}

/**
 * Markdown parsed piece by piece (`markdownChunks.ts`): the same document as `parseContent` makes
 * of the whole text, with its nodes counted as they are made, so a huge document stops early.
 */
export function parseMarkdownInChunks(text: string, limits: ContentLimits, chunkLines = CHUNK_LINES): Node {
  const plan = planMarkdown(text, chunkLines);
  if (plan.depth > limits.maxDepth) throw tooDeep('the Markdown', limits);
  if (plan.chunks.length === 1) {
    const node = parseContent(plan.chunks[0], 'markdown');
    checkNode(node, 'the Markdown', limits);
    return node;
  }
  const blocks: Node[] = [];
  let counted = 0;
  for (const chunk of plan.chunks) {
    const piece = parseContent(chunk, 'markdown');
    counted = checkNode(piece, 'the Markdown', limits, counted);
    piece.forEach((block) => {
      blocks.push(block);
    });
  }
  const node = documentSchema().topNodeType.create(null, blocks);
  node.check();
  return node;
}

/** JSON text parsed, or the text itself when it does not parse (`parseContent` then says why). */
function parseJsonOrKeep(text: string): JSONContent | string {
  try {
    return JSON.parse(text) as JSONContent;
  } catch {
    return text;
  }
}

/** Lines in `text`, counted up to a little past `stopAt`. */
function lineCount(text: string, stopAt: number): number {
  let count = 1;
  for (let at = text.indexOf('\n'); at >= 0 && count <= stopAt; at = text.indexOf('\n', at + 1)) count++;
  return count;
}

/** A parser that ran out of stack has met content nested deeper than it can follow: say so, naming the limit. */
export function stackOverflowAsTooDeep(error: unknown, what: string, limits: ContentLimits): unknown {
  if (error instanceof Error && /Maximum call stack size exceeded/.test(error.message)) {
    return new ConversionError(
      'too-deep',
      `${what} is nested too deeply to convert; at most ${limits.maxDepth} levels of lists, quotes, tables and elements are accepted (CONVERSION_MAX_DEPTH)`,
    );
  }
  return error;
}
