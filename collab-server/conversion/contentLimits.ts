import type { JSONContent } from '@tiptap/core';
import type { Node } from '@tiptap/pm/model';
import { ConversionError } from './ConversionError';

/** How deep and how large content a conversion accepts. */
export interface ContentLimits {
  /** Deepest nesting of blocks (lists, quotes, table cells, HTML elements). */
  maxDepth: number;
  /** Most nodes (blocks, list items, table cells, text runs, HTML elements) one write or import may create. */
  maxNodes: number;
}

/** Content nested deeper than `limits.maxDepth`. */
export function tooDeep(what: string, limits: ContentLimits): ConversionError {
  return new ConversionError(
    'too-deep',
    `${what} is nested more than ${limits.maxDepth} levels deep (lists, quotes, tables, elements); at most ${limits.maxDepth} are accepted (CONVERSION_MAX_DEPTH)`,
  );
}

/** Content with more than `limits.maxNodes` nodes. */
export function tooManyNodes(what: string, limits: ContentLimits): ConversionError {
  return new ConversionError(
    'too-many-nodes',
    `${what} has more than ${limits.maxNodes} nodes (blocks, list items, table cells, text runs, elements); at most ${limits.maxNodes} are accepted (CONVERSION_MAX_NODES)`,
  );
}

/** Elements that never have content. */
const VOID_ELEMENTS = new Set(['area', 'base', 'br', 'col', 'embed', 'hr', 'img', 'input', 'link', 'meta', 'param', 'source', 'track', 'wbr']);
/** Elements whose end tag may be left out: the next one of their kind closes them, so they do not nest by themselves. */
const OPTIONAL_END = new Set([
  'p',
  'li',
  'dt',
  'dd',
  'tr',
  'td',
  'th',
  'thead',
  'tbody',
  'tfoot',
  'option',
  'optgroup',
  'rb',
  'rt',
  'rp',
  'colgroup',
  'caption',
]);
/** Elements whose content is text up to their end tag. */
const RAW_TEXT = new Set(['script', 'style', 'textarea', 'title', 'xmp', 'iframe', 'noembed', 'noframes', 'noscript', 'plaintext']);

/**
 * Reads the tags of `html` without building anything, and throws before a parser does when it
 * opens more than `maxNodes` elements or nests them more than `maxDepth` deep. The count is exact;
 * the depth follows the parser's rules only roughly (void and optional-end elements do not nest,
 * an end tag closes up to its element), enough to refuse nesting bombs at once: the converted
 * document's own depth is checked afterwards.
 */
export function scanHtml(html: string, limits: ContentLimits): void {
  const stack: string[] = [];
  const open = new Map<string, number>();
  let elements = 0;
  let foreign = 0;
  let i = 0;
  while (i < html.length) {
    const lt = html.indexOf('<', i);
    if (lt < 0) break;
    if (html.startsWith('<!--', lt)) {
      const end = html.indexOf('-->', lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const first = html.charCodeAt(lt + 1);
    if (first === 0x21 /* ! */ || first === 0x3f /* ? */) {
      const end = html.indexOf('>', lt);
      i = end < 0 ? html.length : end + 1;
      continue;
    }
    const closing = first === 0x2f; /* / */
    const nameStart = closing ? lt + 2 : lt + 1;
    if (!isAsciiLetter(html.charCodeAt(nameStart))) {
      i = lt + 1;
      continue;
    }
    let j = nameStart;
    while (j < html.length && !endsTagName(html.charCodeAt(j))) j++;
    const name = html.slice(nameStart, j).toLowerCase();
    // Attributes, up to the `>` that is not inside a quoted value.
    let quote = 0;
    for (; j < html.length; j++) {
      const code = html.charCodeAt(j);
      if (quote) {
        if (code === quote) quote = 0;
      } else if (code === 0x22 || code === 0x27) quote = code;
      else if (code === 0x3e /* > */) break;
    }
    const selfClosing = html.charCodeAt(j - 1) === 0x2f;
    i = j + 1;
    if (closing) {
      if ((open.get(name) ?? 0) > 0) {
        for (;;) {
          const top = stack.pop() as string;
          open.set(top, (open.get(top) as number) - 1);
          if (top === 'svg' || top === 'math') foreign -= 1;
          if (top === name) break;
        }
      }
      continue;
    }
    elements += 1;
    if (elements > limits.maxNodes) throw tooManyNodes('the HTML', limits);
    if (RAW_TEXT.has(name)) {
      const end = new RegExp(`</${name}`, 'gi');
      end.lastIndex = i;
      i = end.exec(html)?.index ?? html.length;
      continue;
    }
    // In HTML a "/>" is ignored (the element stays open); only inside SVG and MathML does it close.
    if (VOID_ELEMENTS.has(name) || OPTIONAL_END.has(name) || (selfClosing && foreign > 0)) continue;
    stack.push(name);
    open.set(name, (open.get(name) ?? 0) + 1);
    if (name === 'svg' || name === 'math') foreign += 1;
    if (stack.length > limits.maxDepth) throw tooDeep('the HTML', limits);
  }
}

function isAsciiLetter(code: number): boolean {
  return (code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a);
}

function endsTagName(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0c || code === 0x0d || code === 0x2f || code === 0x3e;
}

/**
 * Throws when the JSON text nests arrays and objects more than `maxJsonDepth` deep: checked
 * before `JSON.parse`, which takes seconds and hundreds of megabytes for a few megabytes of `[`.
 */
export function scanJsonDepth(text: string, maxJsonDepth: number, what: string, limits: ContentLimits): void {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (inString) {
      if (code === 0x5c /* \ */) i++;
      else if (code === 0x22) inString = false;
    } else if (code === 0x22) inString = true;
    else if (code === 0x7b || code === 0x5b) {
      depth += 1;
      if (depth > maxJsonDepth) throw tooDeep(what, limits);
    } else if (code === 0x7d || code === 0x5d) depth -= 1;
  }
}

/**
 * JSON nesting a document of `limits.maxDepth` levels may need: each level is an object and its
 * `content` array, and the innermost nodes carry `marks` and `attrs`; a request body adds one.
 */
export function jsonDepthFor(limits: ContentLimits): number {
  return limits.maxDepth * 2 + 6;
}

/**
 * Throws when a ProseMirror JSON document has more nodes or deeper nesting than `limits` allow
 * (walked without recursion). Depth counts blocks: a paragraph in a quote in the document is at 2.
 */
export function checkDocumentJson(json: JSONContent, limits: ContentLimits): void {
  const stack: Array<[JSONContent, number]> = [[json, 0]];
  let nodes = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop() as [JSONContent, number];
    // Text runs are not a level of nesting; every node with content is.
    if (!Array.isArray(node?.content)) continue;
    if (depth > limits.maxDepth) throw tooDeep('the JSON document', limits);
    nodes += node.content.length;
    if (nodes > limits.maxNodes) throw tooManyNodes('the JSON document', limits);
    for (const child of node.content) stack.push([child, depth + 1]);
  }
}

/**
 * Counts the nodes below `node` (added to `counted`, the nodes already created by the same
 * conversion) and throws when the total or the nesting passes `limits`. Walked without recursion.
 */
export function checkNode(node: Node, what: string, limits: ContentLimits, counted = 0): number {
  const stack: Array<[Node, number]> = [[node, 0]];
  let nodes = counted;
  while (stack.length > 0) {
    const [current, depth] = stack.pop() as [Node, number];
    // Text runs and other inline nodes are not a level of nesting; every block is.
    if (depth > limits.maxDepth && !current.isInline) throw tooDeep(what, limits);
    nodes += current.childCount;
    if (nodes > limits.maxNodes) throw tooManyNodes(what, limits);
    current.forEach((child) => {
      stack.push([child, depth + 1]);
    });
  }
  return nodes;
}
