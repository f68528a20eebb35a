/**
 * Text colours, sizes and highlights as word processors write them into HTML, rewritten into the
 * elements the schema's marks read (`<span style="color; font-size">` for `textStyle`,
 * `<mark style="background-color">` for `highlight`); part of `shared/foreignHtml.ts`'s rewrite.
 * - LibreOffice: `<font color="#c9211e">`, `<font size="4" style="font-size: 14pt">`, and
 *   `<span style="background: #ffff00">` for a highlight.
 * - Google Docs: `<span style="color:#ff0000;background-color:#ffff00;font-size:14pt">`.
 * - Word: `<span style='color:#C00000;background:yellow;mso-highlight:yellow'>`, with CSS colour
 *   names for its standard colours and highlights.
 * Each colour and size is made valid by its attribute rule (`shared/attributeRules.ts`) before it
 * is written: a value that is no colour or no size in pt or px is dropped, and the schema's parse
 * rules check them again.
 */

import { normalizeAttribute } from './attributeRules';

/** True when `html` may hold a colour or highlight `inlineStyles` rewrites (the editor's own HTML writes neither). */
export function mayHoldForeignStyles(html: string): boolean {
  return FOREIGN_STYLE_SIGNS.test(html);
}

// `[^<>]*` stops at the next tag, where the next try starts: linear in the text however it is made.
const FOREIGN_STYLE_SIGNS = /<font\b|<span\b[^<>]*background/i;

/** Elements a run's background can be on, whose content then becomes a highlight. */
const INLINE = new Set(['span', 'font', 'b', 'strong', 'i', 'em', 'u', 's', 'strike', 'a', 'sub', 'sup']);

/** Rewrites `<font>` elements and highlighted inline elements under `root` in place (see above). */
export function inlineStyles(root: Element): void {
  const document = root.ownerDocument;
  for (const font of Array.from(root.querySelectorAll('font'))) {
    const span = document.createElement('span');
    const declarations = declarationsOf(font);
    const color = font.getAttribute('color');
    if (color && !declarations.has('color')) declarations.set('color', color);
    span.setAttribute('style', styleText(declarations));
    while (font.firstChild) span.appendChild(font.firstChild);
    font.replaceWith(span);
  }
  for (const element of Array.from(root.querySelectorAll('[style]'))) {
    if (!INLINE.has(element.tagName.toLowerCase())) continue;
    const declarations = declarationsOf(element);
    const background = declarations.get('mso-highlight') ?? declarations.get('background-color') ?? declarations.get('background');
    // A background that is no colour (an image, `transparent`) is no highlight.
    const color = background === undefined ? null : normalizeAttribute('mark', 'highlight', 'color', background);
    if (typeof color !== 'string') continue;
    const mark = document.createElement('mark');
    mark.setAttribute('style', `background-color: ${color}`);
    while (element.firstChild) mark.appendChild(element.firstChild);
    element.appendChild(mark);
    declarations.delete('background');
    declarations.delete('background-color');
    element.setAttribute('style', styleText(declarations));
  }
}

/** The declarations of an element's `style` attribute, by lowercase property name. */
function declarationsOf(element: Element): Map<string, string> {
  const declarations = new Map<string, string>();
  for (const part of (element.getAttribute('style') ?? '').split(';')) {
    const colon = part.indexOf(':');
    if (colon > 0) declarations.set(part.slice(0, colon).trim().toLowerCase(), part.slice(colon + 1).trim());
  }
  return declarations;
}

/** The schema's colour and size, made valid by their rules; `font-size: 14pt` and `color: #rrggbb` only. */
const RULED_PROPERTIES: Record<string, string> = { color: 'color', 'font-size': 'fontSize' };
/** What else the schema's parse rules read from a `style` attribute (bold, italic, underline, strike). */
const KEPT_PROPERTIES = new Set(['font-weight', 'font-style', 'text-decoration', 'text-decoration-line']);

/** `declarations` as the text of a `style` attribute, keeping only what the schema reads from one, colours and sizes made valid. */
function styleText(declarations: Map<string, string>): string {
  const kept: string[] = [];
  for (const [name, value] of declarations) {
    if (Object.hasOwn(RULED_PROPERTIES, name)) {
      const valid = normalizeAttribute('mark', 'textStyle', RULED_PROPERTIES[name], value);
      if (typeof valid === 'string') kept.push(`${name}: ${valid}`);
    } else if (KEPT_PROPERTIES.has(name) && /^[\w\s-]+$/.test(value)) kept.push(`${name}: ${value}`);
  }
  return kept.join('; ');
}
