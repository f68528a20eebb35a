/**
 * Markdown cut into pieces that parse, one by one, to exactly the blocks the whole text parses to.
 *
 * Why: the Markdown tokenizers of `@tiptap/extension-list` (ordered and task lists) and
 * `@tiptap/extension-table` split the whole rest of the document into lines at every block they
 * are asked about, so parsing costs the square of the document's length in lines (thousands of
 * short paragraphs: 8,000 blocks take seconds, 100,000 take hours). Parsed in pieces of about
 * `CHUNK_LINES` lines, the cost grows with the length instead.
 *
 * A piece ends only where no Markdown construct can continue: before a line that starts a new
 * top-level paragraph or heading (a letter, a digit that is not a list marker, `#`, `[`…) after one
 * or two blank lines, outside fenced code and multi-line HTML blocks, and not next to a link
 * reference definition. (Three or more blank lines make empty paragraphs, whose count depends on
 * the block before them: no cut there.) Link
 * reference definitions apply to the whole document, so each piece gets the definitions it
 * refers to that live in other pieces: before it when they come from an earlier piece (the first
 * definition of a label wins), after it when from a later one.
 */

/** Lines per piece before a cut is looked for. */
export const CHUNK_LINES = 50;

/** The pieces of a Markdown text, and how deep it nests. */
export interface MarkdownPlan {
  /** Pieces to parse one after the other, with the link definitions each needs (the whole text when there is no cut). */
  chunks: string[];
  /** The deepest nesting of quotes and lists any line opens (an upper bound: indentation counts as one level per two spaces). */
  depth: number;
}

/** A line that starts a new top-level paragraph or heading, never a list item, quote, code or HTML. */
const SAFE_START = /^(?![0-9]{1,9}[.)])[\p{L}\p{N}#!["'(\\&@$%:;,?/]/u;
/** A link reference definition on one line: `[label]: destination "optional title"`. */
const DEFINITION =
  /^ {0,3}\[((?:[^[\]\\]|\\.){1,999})\]:[ \t]*(?:<[^<>\n]*>|[^\s<]\S*)(?:[ \t]+(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|\((?:[^()\\]|\\.)*\)))?[ \t]*$/;
/** A bracketed text that may refer to a definition (`[label]`, `[text][label]`, `[label][]`). */
const REFERENCE = /\[((?:[^[\]\\]|\\.){1,999})\]/g;
const FENCE_OPEN = /^ {0,3}(`{3,}|~{3,})(.*)$/;
const FENCE_CLOSE = /^ {0,3}(`{3,}|~{3,})[ \t]*$/;
/** HTML blocks that may hold blank lines, and what ends each (CommonMark kinds 1 to 5). */
const HTML_BLOCKS: Array<[RegExp, RegExp]> = [
  [/^ {0,3}<(?:script|pre|style|textarea)(?=[\s>]|$)/i, /<\/(?:script|pre|style|textarea)>/i],
  [/^ {0,3}<!--/, /-->/],
  [/^ {0,3}<\?/, /\?>/],
  [/^ {0,3}<![A-Za-z]/, />/],
  [/^ {0,3}<!\[CDATA\[/, /\]\]>/],
];

const labelOf = (label: string) => label.replace(/\s+/g, ' ').toLowerCase();

/** Cuts `text` into pieces (see above) and measures its nesting. */
export function planMarkdown(text: string, chunkLines = CHUNK_LINES): MarkdownPlan {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  // Each line's first character that is not a space or tab ('' for a blank line): most lines are
  // told apart by it alone, so the regular expressions below run only where it matters.
  const leads = lines.map(leadOf);
  const blank = (index: number) => index >= 0 && leads[index] === '';
  const looksLikeDefinition = (index: number) => leads[index] === '[' && DEFINITION.test(lines[index]);
  /** Where each piece starts and ends (the end leaves out the blank lines at the cut). */
  const pieces: Array<{ start: number; end: number }> = [{ start: 0, end: lines.length }];
  /** The first definition of each label, and the line it is on. */
  const definitions = new Map<string, { text: string; at: number }>();
  let fence: { char: string; length: number } | null = null;
  let htmlEnd: RegExp | null = null;
  let previousDefinition = -1;
  let depth = 0;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const lead = leads[i];
    if (fence) {
      const close = lead === fence.char ? FENCE_CLOSE.exec(line) : null;
      if (close && close[1][0] === fence.char && close[1].length >= fence.length) fence = null;
      continue;
    }
    if (htmlEnd) {
      if (htmlEnd.test(line)) htmlEnd = null;
      continue;
    }
    if (lead === '') continue;
    const piece = pieces[pieces.length - 1];
    const gap = blank(i - 1) ? (blank(i - 2) ? (blank(i - 3) ? 3 : 2) : 1) : 0;
    // Next to blank lines a link definition counts as a block only when it is its label's first,
    // and a piece of nothing but definitions would parse to an empty paragraph: no cut right
    // before or after one, so every piece starts and ends with other content.
    if ((gap === 1 || gap === 2) && i - piece.start >= chunkLines && SAFE_START.test(line) && !looksLikeDefinition(i) && !looksLikeDefinition(i - gap - 1)) {
      piece.end = i - gap;
      pieces.push({ start: i, end: lines.length });
    }
    const open = lead === '`' || lead === '~' ? FENCE_OPEN.exec(line) : null;
    if (open && !(open[1][0] === '`' && open[2].includes('`'))) {
      fence = { char: open[1][0], length: open[1].length };
      continue;
    }
    if (lead === '<') {
      for (const [opener, end] of HTML_BLOCKS) {
        const match = opener.exec(line);
        if (match && !end.test(line.slice(match[0].length))) htmlEnd = end;
      }
    }
    const definition = lead === '[' && (gap > 0 || i === 0 || previousDefinition === i - 1) && !htmlEnd ? DEFINITION.exec(line) : null;
    if (definition) {
      previousDefinition = i;
      const label = labelOf(definition[1]);
      if (!definitions.has(label)) definitions.set(label, { text: line, at: i });
    } else if (MARKER_LEADS.has(lead)) depth = Math.max(depth, lineDepth(line));
  }
  if (pieces.length === 1) return { chunks: [text], depth };
  return {
    chunks: pieces.map((piece) => {
      const chunk = lines.slice(piece.start, piece.end).join('\n');
      if (definitions.size === 0) return chunk;
      // The definitions it refers to that are in other pieces: from earlier pieces before it (the
      // first definition of a label wins), from later ones after it.
      const before: string[] = [];
      const after: string[] = [];
      const seen = new Set<string>();
      for (const match of chunk.matchAll(REFERENCE)) {
        const label = labelOf(match[1]);
        const definition = definitions.get(label);
        if (!definition || seen.has(label)) continue;
        seen.add(label);
        if (definition.at < piece.start) before.push(definition.text);
        else if (definition.at >= piece.end) after.push(definition.text);
      }
      return [before.join('\n'), chunk, after.join('\n')].filter((part) => part !== '').join('\n\n');
    }),
    depth,
  };
}

/** Characters a quote or list marker starts with. */
const MARKER_LEADS = new Set(['>', '-', '+', '*', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);

/** The first character of `line` that is not a space or tab, or '' when there is none. */
function leadOf(line: string): string {
  for (let i = 0; i < line.length; i++) if (line[i] !== ' ' && line[i] !== '\t') return line[i];
  return '';
}

/**
 * How many quotes and lists a line opens: its `>` and list markers (`-`, `+`, `*`, `1.`, `1)`)
 * before any text, plus one level per two spaces of indentation in front of them (a nested list
 * item needs at least two more).
 */
export function lineDepth(line: string): number {
  let i = 0;
  let indent = 0;
  for (; i < line.length; i++) {
    if (line[i] === ' ') indent += 1;
    else if (line[i] === '\t') indent += 4 - (indent % 4);
    else break;
  }
  let markers = 0;
  for (;;) {
    const char = line[i];
    let next = i;
    if (char === '>') next = i + 1;
    else if ((char === '-' || char === '+' || char === '*') && (i + 1 === line.length || line[i + 1] === ' ' || line[i + 1] === '\t')) next = i + 1;
    else {
      let digits = i;
      while (digits < line.length && digits - i < 9 && line[digits] >= '0' && line[digits] <= '9') digits++;
      const after = line[digits + 1];
      if (digits > i && (line[digits] === '.' || line[digits] === ')') && (after === undefined || after === ' ' || after === '\t')) next = digits + 1;
    }
    if (next === i) break;
    markers += 1;
    i = next;
    while (line[i] === ' ' || line[i] === '\t') i++;
  }
  return markers === 0 ? 0 : markers + Math.floor(indent / 2);
}
