/**
 * HTML written by word processors, rewritten into the HTML the editor's schema reads: the same
 * transform for a paste in the editor (`transformPastedHTML`) and for an HTML import on the server
 * (`collab-server/conversion/parseWithLimits.ts`), so both give the same document.
 *
 * What the programs write, and what becomes of it:
 * - Word (Windows and Mac, its clipboard and "Web Page" HTML): list items are paragraphs
 *   (`MsoListParagraph…`) whose style says `mso-list:l1 level2 lfo1`, and whose bullet or number
 *   is text (`·`, `o`, `§`, `1.`, `a)`) in a span marked `mso-list:Ignore`, between
 *   `<!--[if !supportLists]-->` and `<!--[endif]-->`. Runs of them become nested `<ul>`/`<ol>`
 *   lists, without the marker text; empty `<o:p>` elements go.
 * - Google Docs: a list whose items' `aria-level`s say they nest, but that is flat, is nested;
 *   check-list items (`<li role="checkbox" aria-checked="…">`) make a check list.
 * - Text colours, sizes and highlights (LibreOffice's `<font>`, backgrounds on spans, Word's colour
 *   names) become the elements the schema's marks read (`shared/foreignStyles.ts`).
 * - Style elements (Word's, LibreOffice's) are dropped before anything parses the HTML: the browser checks them against
 *   the page's Content-Security-Policy even in a parsed-only document, and they style nothing.
 * What the schema's own parse rules already read is left to them: Google Docs' not-bold
 * `<b style="font-weight:normal">` wrapper, its spans styled `font-weight:700`,
 * `font-style:italic`, `text-decoration:underline` / `line-through`, and the lists that Google Docs
 * and LibreOffice nest straight inside a list (checked by `shared/test/foreignHtml.test.ts`).
 *
 * Only standard DOM calls are used, so it runs on the browser's DOM and on happy-dom alike.
 */

import { inlineStyles, mayHoldForeignStyles } from './foreignStyles';

/** Parses a whole HTML text into a document (the browser's `DOMParser`, happy-dom's on the server). */
export type HtmlDocumentParser = (html: string) => Document;

/** True when `html` may hold something `normalizeForeignHtml` rewrites; when false, the rewrite would change nothing. */
export function mayBeForeignHtml(html: string): boolean {
  return FOREIGN_SIGNS.test(html) || mayHoldForeignStyles(html);
}

const FOREIGN_SIGNS = /mso-list|aria-level|role\s*=\s*["']?checkbox/i;

/** `html` rewritten as described above (the body's HTML); only without style elements when it shows no sign of a word processor. */
export function foreignHtmlToEditorHtml(html: string, parse: HtmlDocumentParser): string {
  const unstyled = withoutStyleElements(html);
  if (!mayBeForeignHtml(unstyled)) return unstyled;
  const document = parse(unstyled);
  normalizeForeignHtml(document.body);
  return document.body.innerHTML;
}

/** `html` without its `<style>` elements (an unclosed one runs to the end); linear in the length. */
function withoutStyleElements(html: string): string {
  const lower = html.toLowerCase();
  let kept = '';
  let from = 0;
  for (let open = lower.indexOf('<style', from); open >= 0; open = lower.indexOf('<style', from)) {
    kept += html.slice(from, open);
    const close = lower.indexOf('</style', open);
    const end = close < 0 ? -1 : lower.indexOf('>', close);
    if (end < 0) return kept;
    from = end + 1;
  }
  return from === 0 ? html : kept + html.slice(from);
}

/** Rewrites the word-processor HTML under `root` (see above) in place. */
export function normalizeForeignHtml(root: Element): void {
  wordLists(root);
  nestByAriaLevel(root);
  checkLists(root);
  inlineStyles(root);
}

const ELEMENT = 1;
const TEXT = 3;
const COMMENT = 8;

function elements(root: Element, selector: string): Element[] {
  return Array.from(root.querySelectorAll(selector));
}

/** The declarations of an element's `style` attribute, by lowercase property name. */
function styleOf(element: Element): Map<string, string> {
  const declarations = new Map<string, string>();
  for (const part of (element.getAttribute('style') ?? '').split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0)
      declarations.set(
        part.slice(0, colon).trim().toLowerCase(),
        part
          .slice(colon + 1)
          .trim()
          .toLowerCase(),
      );
  }
  return declarations;
}

/** An item of a list being rebuilt: its nesting level (1 = top), its kind and the element holding its content. */
interface FlatItem {
  level: number;
  ordered: boolean;
  start: number | null;
  /** An ordered list's `type` (`a`, `A`, `i`, `I`), as its first item's marker shows. */
  numbering?: string;
  content: Node[];
  attributes?: Record<string, string>;
}

/**
 * Builds nested lists from items in document order, each at its level; returns the top lists.
 * A deeper item goes into a new list in the last item above it; a change of kind at one level
 * starts a new list.
 */
function buildLists(document: Document, items: FlatItem[]): Element[] {
  const tops: Element[] = [];
  const stack: Array<{ list: Element; level: number; ordered: boolean }> = [];
  for (const item of items) {
    while (stack.length > 0 && stack[stack.length - 1].level > item.level) stack.pop();
    let top = stack[stack.length - 1];
    if (top && top.level === item.level && top.ordered !== item.ordered) {
      stack.pop();
      top = stack[stack.length - 1];
    }
    if (!top || top.level < item.level) {
      const list = document.createElement(item.ordered ? 'ol' : 'ul');
      if (item.ordered && item.start !== null && item.start !== 1) list.setAttribute('start', String(item.start));
      if (item.ordered && item.numbering) list.setAttribute('type', item.numbering);
      if (top) {
        let host = top.list.lastElementChild;
        if (!host) host = top.list.appendChild(document.createElement('li'));
        host.appendChild(list);
      } else tops.push(list);
      top = { list, level: item.level, ordered: item.ordered };
      stack.push(top);
    }
    const li = document.createElement('li');
    for (const [name, value] of Object.entries(item.attributes ?? {})) li.setAttribute(name, value);
    for (const node of item.content) li.appendChild(node);
    top.list.appendChild(li);
  }
  return tops;
}

/** The deepest list level Word and Google Docs offer. */
const MAX_LIST_LEVEL = 9;

/** The level and list of a Word list paragraph (`mso-list:l0 level2 lfo1`), or null for any other element. */
function wordListLevel(element: Element): number | null {
  if (element.tagName.toLowerCase() !== 'p') return null;
  const match = /(?:^|;)\s*mso-list\s*:\s*l\d+\s+level(\d+)/i.exec(element.getAttribute('style') ?? '');
  return match ? Math.min(Number(match[1]), MAX_LIST_LEVEL) : null;
}

/** `·`, `o`, `§`, `-` are bullets; `1.`, `a)`, `iv.`, `(2)` are numbers. */
const NUMBER_MARKER = /^\(?([0-9]+|[a-z]|[ivxlcdm]+)[.)]$/i;

/**
 * Takes the marker out of a Word list paragraph: the nodes between `[if !supportLists]` and
 * `[endif]` comments, or else the span styled `mso-list:Ignore`. Returns the marker's text.
 */
function takeWordMarker(paragraph: Element): string {
  let marker = '';
  const comments = Array.from(paragraph.childNodes).filter((node) => node.nodeType === COMMENT);
  const open = comments.find((node) => /^\[if !supportLists\]$/i.test((node.nodeValue ?? '').trim()));
  if (open) {
    let node = open.nextSibling;
    while (node && !(node.nodeType === COMMENT && /^\[endif\]$/i.test((node.nodeValue ?? '').trim()))) {
      const next: ChildNode | null = node.nextSibling;
      marker += node.textContent ?? '';
      paragraph.removeChild(node);
      node = next;
    }
    if (node) paragraph.removeChild(node);
    paragraph.removeChild(open);
  } else {
    for (const ignored of elements(paragraph, 'span')) {
      if (!/mso-list\s*:\s*ignore/i.test(ignored.getAttribute('style') ?? '') || !ignored.isConnected) continue;
      marker += ignored.textContent ?? '';
      ignored.remove();
    }
  }
  return (
    marker
      .replace(/[\s\u00a0]+/g, ' ')
      .trim()
      .split(' ')[0] ?? ''
  );
}

/** The list type a Word number marker shows: `a`/`A` for letters, `i`/`I` for Roman numerals, none for digits. */
function numberingOf(marker: string | undefined): string | undefined {
  if (!marker || /^\d/.test(marker)) return undefined;
  const roman = /^[ivxlcdm]+$/i.test(marker) && (marker.length > 1 || /^[iI]$/.test(marker));
  const upper = marker === marker.toUpperCase();
  return roman ? (upper ? 'I' : 'i') : upper ? 'A' : 'a';
}

/** Siblings after `node` up to the next element, skipping blank text and comments; the element, or null. */
function nextElementSkippingBlanks(node: Node): Element | null {
  let next = node.nextSibling;
  while (next && (next.nodeType === COMMENT || (next.nodeType === TEXT && (next.nodeValue ?? '').trim() === ''))) next = next.nextSibling;
  return next && next.nodeType === ELEMENT ? (next as Element) : null;
}

/** Runs of Word list paragraphs become nested lists. */
function wordLists(root: Element): void {
  for (const emptyOp of Array.from(root.getElementsByTagName('o:p'))) if ((emptyOp.textContent ?? '').replace(/\u00a0/g, '').trim() === '') emptyOp.remove();
  const document = root.ownerDocument;
  for (const first of elements(root, 'p[style*="mso-list"]')) {
    if (!first.isConnected || wordListLevel(first) === null) continue;
    const run: Element[] = [];
    for (let paragraph: Element | null = first; paragraph && wordListLevel(paragraph) !== null; paragraph = nextElementSkippingBlanks(paragraph))
      run.push(paragraph);
    const anchor = document.createComment('');
    first.parentNode?.insertBefore(anchor, first);
    const items = run.map((paragraph): FlatItem => {
      const level = wordListLevel(paragraph) as number;
      const marker = takeWordMarker(paragraph);
      const number = NUMBER_MARKER.exec(marker);
      paragraph.removeAttribute('class');
      paragraph.removeAttribute('style');
      paragraph.remove();
      return {
        level,
        ordered: number !== null,
        start: number && /^\d+$/.test(number[1]) ? Number(number[1]) : null,
        numbering: numberingOf(number?.[1]),
        content: [paragraph],
      };
    });
    for (const list of buildLists(document, items)) anchor.parentNode?.insertBefore(list, anchor);
    anchor.remove();
  }
}

const ORDERED_STYLE = /decimal|alpha|roman|latin|greek|armenian|georgian|cjk|hiragana|katakana|hebrew/;

/** A flat list whose items' `aria-level`s differ is nested by them (Google Docs writes such lists on some paths). */
function nestByAriaLevel(root: Element): void {
  for (const list of elements(root, 'ul, ol')) {
    const items = Array.from(list.children).filter((child) => child.tagName.toLowerCase() === 'li');
    // Word processors offer nine levels; deeper claims are read as the ninth.
    const levels = items.map((item) => Math.min(Number(item.getAttribute('aria-level')), MAX_LIST_LEVEL));
    if (items.length !== list.children.length || levels.some((level) => !Number.isInteger(level) || level < 1) || new Set(levels).size < 2) continue;
    const ordered = list.tagName.toLowerCase() === 'ol';
    const shallowest = levels.reduce((least, level) => Math.min(least, level));
    const flat = items.map((item, index): FlatItem => {
      const styleType = styleOf(item).get('list-style-type');
      return {
        level: levels[index] - shallowest + 1,
        ordered: styleType ? ORDERED_STYLE.test(styleType) : ordered,
        start: null,
        content: Array.from(item.childNodes),
        attributes: Object.fromEntries(Array.from(item.attributes).map((attribute) => [attribute.name, attribute.value])),
      };
    });
    const rebuilt = buildLists(list.ownerDocument, flat);
    for (const top of rebuilt) list.parentNode?.insertBefore(top, list);
    list.remove();
  }
}

/** Items marked `role="checkbox"` make their list a check list (the editor's task list). */
function checkLists(root: Element): void {
  for (const list of elements(root, 'ul, ol')) {
    const items = Array.from(list.children).filter((child) => child.tagName.toLowerCase() === 'li');
    if (items.length === 0 || !items.every((item) => item.getAttribute('role') === 'checkbox')) continue;
    const taskList = list.ownerDocument.createElement('ul');
    taskList.setAttribute('data-type', 'taskList');
    for (const item of items) {
      item.setAttribute('data-type', 'taskItem');
      item.setAttribute('data-checked', String(item.getAttribute('aria-checked') === 'true'));
      taskList.appendChild(item);
    }
    list.replaceWith(taskList);
  }
}
