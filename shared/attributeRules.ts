/**
 * What each attribute of each node and mark of the document schema may hold (rules [V1]–[V7] in
 * `shared/SCHEMA-RULES.md`). One table, used three ways:
 * - the collab server refuses an update that stores a value breaking it (`attributeProblem`);
 * - imports and readers of stored documents replace such a value by the closest valid one
 *   (`normalizeAttribute`), or drop a link or image whose address is unsafe;
 * - the editor's and the HTML export's rendering pass every value through it first, so even a
 *   value stored before these rules existed never reaches `style`, `href`, `src`, `target`, `rel`
 *   or `class` unchecked (`shared/safeExtensions.ts`).
 */

import { MAX_FONT_SIZE, MAX_INDENT, MIN_FONT_SIZE } from './formatPalette';

/** Longest link or image address, in characters. */
export const MAX_URL_LENGTH = 8192;
/** Longest image `alt` or `title`, or link `title`, in characters. */
export const MAX_TEXT_ATTRIBUTE_LENGTH = 2000;
/** Largest `colspan` or `rowspan` of one table cell. */
export const MAX_TABLE_SPAN = 1000;
/** Largest column width and image width or height, in pixels. */
export const MAX_PIXELS = 10_000;
/** Longest suggestion id or author id, in characters (as a comment's, [CM5]). */
export const MAX_SUGGESTION_ID_LENGTH = 128;
/** Longest author name on a suggestion, in characters (as a comment's, [CM5]). */
export const MAX_SUGGESTION_NAME_LENGTH = 200;

/** The marks that format text (every mark of the schema but the suggestion marks). */
export const FORMAT_MARKS = ['bold', 'italic', 'underline', 'strike', 'code', 'link', 'highlight', 'textStyle'] as const;

/** Heading levels the editor offers. */
export const HEADING_LEVELS = [1, 2, 3] as const;
/** The only `rel` a link is rendered with. */
export const LINK_REL = 'noopener noreferrer nofollow';

/** The rule of one attribute: whether a value is valid, and the valid value closest to any value. */
export interface AttributeRule {
  /** The value PM gives the attribute when it is not set. */
  readonly default: unknown;
  /** A description of what is valid, for error messages. */
  readonly expected: string;
  valid(value: unknown): boolean;
  /** `value` when valid, otherwise the closest valid value (often the default). */
  normalize(value: unknown): unknown;
}

const rule = (expected: string, defaultValue: unknown, valid: (value: unknown) => boolean, closest?: (value: unknown) => unknown): AttributeRule => ({
  default: defaultValue,
  expected,
  valid,
  normalize: (value) => (valid(value) ? value : (closest?.(value) ?? defaultValue)),
});

function oneOf(values: readonly unknown[], defaultValue: unknown = null): AttributeRule {
  return rule(`one of ${values.map((value) => JSON.stringify(value)).join(', ')}`, defaultValue, (value) => values.includes(value));
}

/** A whole number in [min, max] (a numeric string is normalized to it, an out-of-range number clamped). */
function integer(min: number, max: number, defaultValue: number | null): AttributeRule {
  const valid = (value: unknown) => typeof value === 'number' && Number.isInteger(value) && value >= min && value <= max;
  return rule(
    `${defaultValue === null ? 'null or ' : ''}a whole number from ${min} to ${max}`,
    defaultValue,
    (value) => valid(value) || (defaultValue === null && value === null),
    (value) => {
      const number = typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : value;
      if (typeof number !== 'number' || !Number.isFinite(number)) return defaultValue;
      return Math.min(max, Math.max(min, Math.round(number)));
    },
  );
}

function optionalText(maxLength: number): AttributeRule {
  return rule(
    `null or a string of at most ${maxLength} characters`,
    null,
    (value) => value === null || (typeof value === 'string' && value.length <= maxLength),
    (value) => (typeof value === 'string' ? value.slice(0, maxLength) : null),
  );
}

/** A code block language: one class-name token (no whitespace or control characters), which the HTML puts after `language-`. */
const LANGUAGE = /^[^\s\p{C}"'<>`]{1,64}$/u;

/** Column widths of a cell: one entry per spanned column, each 0 (not set) to `MAX_PIXELS`. */
const colwidth = rule(`null or an array of 1 to ${MAX_TABLE_SPAN} whole numbers from 0 to ${MAX_PIXELS}`, null, (value) => {
  if (value === null) return true;
  return (
    Array.isArray(value) &&
    value.length >= 1 &&
    value.length <= MAX_TABLE_SPAN &&
    value.every((width) => typeof width === 'number' && Number.isInteger(width) && width >= 0 && width <= MAX_PIXELS)
  );
});

const TEXT_ALIGN = oneOf([null, 'left', 'center', 'right', 'justify']);

/** A colour as it may reach `style`: `#rrggbb` exactly (every palette colour is one), nothing a CSS parser could read further. */
const HEX_COLOR = /^#[0-9a-f]{6}$/i;

/** Text and highlight colours: null or `#rrggbb`; `#rgb`, `rgb(r, g, b)` (what browsers paste) and the colour names Word and LibreOffice write are converted, anything else dropped. */
const COLOR = rule('null or a colour written #rrggbb', null, (value) => value === null || (typeof value === 'string' && HEX_COLOR.test(value)), hexColorOf);

/** CSS colour names Word (its standard colours and highlights, `mso-highlight`) and LibreOffice write, as `#rrggbb`. */
const COLOR_NAMES: Readonly<Record<string, string>> = {
  black: '#000000',
  white: '#ffffff',
  gray: '#808080',
  grey: '#808080',
  silver: '#c0c0c0',
  lightgray: '#d3d3d3',
  lightgrey: '#d3d3d3',
  darkgray: '#a9a9a9',
  darkgrey: '#a9a9a9',
  red: '#ff0000',
  maroon: '#800000',
  darkred: '#8b0000',
  orange: '#ffa500',
  yellow: '#ffff00',
  olive: '#808000',
  lime: '#00ff00',
  green: '#008000',
  darkgreen: '#006400',
  aqua: '#00ffff',
  cyan: '#00ffff',
  teal: '#008080',
  darkcyan: '#008b8b',
  blue: '#0000ff',
  navy: '#000080',
  darkblue: '#00008b',
  fuchsia: '#ff00ff',
  magenta: '#ff00ff',
  purple: '#800080',
  darkmagenta: '#8b008b',
};

function hexColorOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const text = value.trim().toLowerCase();
  if (HEX_COLOR.test(text)) return text;
  if (Object.hasOwn(COLOR_NAMES, text)) return COLOR_NAMES[text];
  const short = /^#([0-9a-f])([0-9a-f])([0-9a-f])$/.exec(text);
  if (short) return `#${short[1]}${short[1]}${short[2]}${short[2]}${short[3]}${short[3]}`;
  const rgb = /^rgba?\(\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*(?:,\s*(?:1|1\.0+)\s*)?\)$/.exec(text);
  if (!rgb) return null;
  const channels = rgb.slice(1, 4).map(Number);
  if (channels.some((channel) => channel > 255)) return null;
  return `#${channels.map((channel) => channel.toString(16).padStart(2, '0')).join('')}`;
}

/** A font size: points from MIN_FONT_SIZE to MAX_FONT_SIZE with at most one decimal, written `<number>pt`. */
const FONT_SIZE_PATTERN = /^[1-9]\d{0,2}(\.\d)?pt$/;

const FONT_SIZE = rule(
  `null or a size from ${MIN_FONT_SIZE}pt to ${MAX_FONT_SIZE}pt with at most one decimal, written like "11pt"`,
  null,
  (value) => {
    if (value === null) return true;
    if (typeof value !== 'string' || !FONT_SIZE_PATTERN.test(value)) return false;
    const points = Number.parseFloat(value);
    return points >= MIN_FONT_SIZE && points <= MAX_FONT_SIZE;
  },
  fontSizeOf,
);

/** The closest valid size to a CSS size in pt or px (what a paste brings); other units and keywords are dropped. */
function fontSizeOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const match = /^\s*(\d{1,6}(?:\.\d+)?)\s*(pt|px)\s*$/i.exec(value);
  if (!match) return null;
  const points = Number(match[1]) * (match[2].toLowerCase() === 'px' ? 0.75 : 1);
  const clamped = Math.min(MAX_FONT_SIZE, Math.max(MIN_FONT_SIZE, Math.round(points * 10) / 10));
  return `${clamped}pt`;
}

/** Indent of a paragraph or heading, in steps; null (no indent) by default, so an unindented paragraph stores nothing. */
const INDENT = integer(0, MAX_INDENT, null);

/** Node attributes, by node type name. A node type not listed has no attributes. */
export const NODE_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, AttributeRule>>>> = {
  paragraph: { textAlign: TEXT_ALIGN, indent: INDENT },
  heading: { textAlign: TEXT_ALIGN, indent: INDENT, level: integer(HEADING_LEVELS[0], HEADING_LEVELS[HEADING_LEVELS.length - 1], HEADING_LEVELS[0]) },
  codeBlock: {
    language: rule(
      'null or one word of at most 64 characters (no spaces, quotes or angle brackets)',
      null,
      (value) => value === null || (typeof value === 'string' && LANGUAGE.test(value)),
    ),
  },
  orderedList: { start: integer(Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER, 1), type: oneOf([null, '1', 'a', 'A', 'i', 'I']) },
  taskItem: {
    checked: rule(
      'true or false',
      false,
      (value) => typeof value === 'boolean',
      (value) => value === 'true',
    ),
  },
  tableCell: cellAttributes(),
  tableHeader: cellAttributes(),
  image: {
    src: rule(
      `null or an http(s) or same-origin address of at most ${MAX_URL_LENGTH} characters`,
      null,
      (value) => value === null || safeImageSrc(value) !== null,
    ),
    alt: optionalText(MAX_TEXT_ATTRIBUTE_LENGTH),
    title: optionalText(MAX_TEXT_ATTRIBUTE_LENGTH),
    width: integer(1, MAX_PIXELS, null),
    height: integer(1, MAX_PIXELS, null),
  },
};

function cellAttributes(): Record<string, AttributeRule> {
  return {
    colspan: integer(1, MAX_TABLE_SPAN, 1),
    rowspan: integer(1, MAX_TABLE_SPAN, 1),
    colwidth,
    align: oneOf([null, 'left', 'center', 'right']),
  };
}

/** Mark attributes, by mark type name. A mark type not listed has no attributes. */
export const MARK_ATTRIBUTES: Readonly<Record<string, Readonly<Record<string, AttributeRule>>>> = {
  link: {
    href: rule(
      `an http, https, mailto or tel address, or a relative one, of at most ${MAX_URL_LENGTH} characters`,
      null,
      (value) => safeLinkHref(value) !== null,
    ),
    // Links open in a new tab or in place, never in a named or parent frame.
    target: oneOf([null, '_blank'], '_blank'),
    // `rel="opener"` would hand the opened page this window.
    rel: oneOf([null, LINK_REL], LINK_REL),
    // A class could pick up any of the app's own styles (a full-screen overlay, say).
    class: oneOf([null]),
    title: optionalText(MAX_TEXT_ATTRIBUTE_LENGTH),
  },
  // Text colour and size; each reaches `style`, so only values that cannot say anything else.
  textStyle: { color: COLOR, fontSize: FONT_SIZE },
  highlight: { color: COLOR },
  suggestionInsert: suggestionAttributes(),
  suggestionDelete: suggestionAttributes(),
  suggestionFormat: { ...suggestionAttributes(), before: formatSetRule() },
};

/**
 * A set of formatting marks, as a format suggestion records the formatting its text had
 * ([SG12] in `shared/suggestions/SUGGESTIONS.md`): an object from mark name (one of
 * `FORMAT_MARKS`) to that mark's attributes, each valid by this table. It never reaches HTML but
 * as JSON in a data attribute, and is bounded by the marks' own bounds.
 */
function formatSetRule(): AttributeRule {
  return rule(`an object from format mark names (${FORMAT_MARKS.join(', ')}) to their attributes`, {}, (value) => formatSetProblem(value) === null);
}

/** Why `value` is not a valid set of formatting marks ([SG12]), or null when it is. */
export function formatSetProblem(value: unknown): string | null {
  if (!isPlainObject(value)) return 'a set of formatting marks must be an object';
  for (const [name, attrs] of Object.entries(value)) {
    if (!(FORMAT_MARKS as readonly string[]).includes(name)) return `"${name}" is not a format mark`;
    if (!isPlainObject(attrs)) return `the attributes of "${name}" must be an object`;
    for (const [attribute, attributeValue] of Object.entries(attrs)) {
      const problem = attributeProblem('mark', name, attribute, attributeValue);
      if (problem) return problem;
    }
  }
  return null;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype;
}

/** A suggestion's `id`, `author`, `authorName` and `time` ([SG1] in `shared/suggestions/SUGGESTIONS.md`). */
function suggestionAttributes(): Record<string, AttributeRule> {
  const text = (what: string, pattern: RegExp) =>
    rule(
      `${what}: a string of 1 to ${MAX_SUGGESTION_ID_LENGTH} characters`,
      null,
      (value) => typeof value === 'string' && value.length <= MAX_SUGGESTION_ID_LENGTH && pattern.test(value),
    );
  return {
    // Ids as comment ids are; the author is a token's `sub`, any non-empty string.
    id: text('the suggestion id (letters, digits, "-" and "_")', /^[A-Za-z0-9_-]+$/),
    author: text("the author's id", /^[\s\S]+$/),
    authorName: rule(
      `a string of at most ${MAX_SUGGESTION_NAME_LENGTH} characters`,
      '',
      (value) => typeof value === 'string' && value.length <= MAX_SUGGESTION_NAME_LENGTH,
      (value) => (typeof value === 'string' ? value.slice(0, MAX_SUGGESTION_NAME_LENGTH) : ''),
    ),
    time: rule('milliseconds since the epoch (a whole number from 0)', 0, (value) => typeof value === 'number' && Number.isSafeInteger(value) && value >= 0),
  };
}

/** The rules of the attributes of a node (`kind` 'node') or mark type, or undefined for an unknown type. */
export function attributeRulesOf(kind: 'node' | 'mark', typeName: string): Readonly<Record<string, AttributeRule>> {
  return (kind === 'node' ? NODE_ATTRIBUTES : MARK_ATTRIBUTES)[typeName] ?? {};
}

/**
 * Why `value` is not valid for attribute `name` of node or mark type `typeName`, or null when
 * it is. An attribute the type does not have is never valid.
 */
export function attributeProblem(kind: 'node' | 'mark', typeName: string, name: string, value: unknown): string | null {
  const rules = attributeRulesOf(kind, typeName);
  const attributeRule = Object.hasOwn(rules, name) ? rules[name] : undefined;
  if (!attributeRule) return `${kind} "${typeName}" has no attribute "${name}"`;
  if (attributeRule.valid(value)) return null;
  return `attribute "${name}" of ${kind} "${typeName}" must be ${attributeRule.expected} (got ${shortJson(value)})`;
}

/** The closest valid value of attribute `name` of a node or mark type to `value` (the value itself when valid). */
export function normalizeAttribute(kind: 'node' | 'mark', typeName: string, name: string, value: unknown): unknown {
  const rules = attributeRulesOf(kind, typeName);
  return Object.hasOwn(rules, name) ? rules[name].normalize(value) : value;
}

/**
 * The attributes of a node or mark with every value made valid and unknown attributes left out;
 * `changed` tells whether anything had to change.
 */
export function normalizeAttributes(
  kind: 'node' | 'mark',
  typeName: string,
  attrs: Record<string, unknown> | null | undefined,
): { attrs: Record<string, unknown>; changed: boolean } {
  const rules = attributeRulesOf(kind, typeName);
  const result: Record<string, unknown> = {};
  let changed = false;
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (!Object.hasOwn(rules, name)) {
      changed = true;
      continue;
    }
    const normalized = rules[name].normalize(value);
    if (normalized !== value) changed = true;
    result[name] = normalized;
  }
  return { attrs: result, changed };
}

const LINK_SCHEMES = ['http', 'https', 'mailto', 'tel'];
const IMAGE_SCHEMES = ['http', 'https'];

/**
 * Browsers drop ASCII tab and line breaks anywhere in a URL and control characters and spaces at
 * its ends ("java\tscript:" is a `javascript:` URL), so schemes are judged on what remains.
 */
function asBrowserSees(url: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what browsers strip.
  return url.replace(/[\t\n\r]/g, '').replace(/^[\u0000-\u0020]+|[\u0000-\u0020]+$/g, '');
}

function schemeOf(url: string): string | null {
  const match = /^([a-z][a-z0-9+.-]*):/i.exec(url);
  return match ? match[1].toLowerCase() : null;
}

/** The address a link may carry: http, https, mailto, tel or relative, not too long. Null when it may not. */
export function safeLinkHref(href: unknown): string | null {
  if (typeof href !== 'string' || href.length > MAX_URL_LENGTH) return null;
  const seen = asBrowserSees(href);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: a URL with control characters left is not one a browser reads as written.
  if (seen === '' || /[\u0000-\u001f\u007f]/.test(seen)) return null;
  const scheme = schemeOf(seen);
  return scheme === null || LINK_SCHEMES.includes(scheme) ? href : null;
}

/**
 * The address an image may load: http(s), or relative to the page's own origin (a path; not
 * `//host`, which is another origin). Null when it may not: `data:`, `javascript:` and the like.
 */
export function safeImageSrc(src: unknown): string | null {
  if (typeof src !== 'string' || src.length > MAX_URL_LENGTH) return null;
  const seen = asBrowserSees(src);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: as for links.
  if (seen === '' || /[\u0000-\u001f\u007f]/.test(seen)) return null;
  const scheme = schemeOf(seen);
  if (scheme !== null) return IMAGE_SCHEMES.includes(scheme) ? src : null;
  // Browsers read "\" as "/" in http(s) URLs: "/\host" is "//host".
  return /^[/\\]{2}/.test(seen) ? null : src;
}

function shortJson(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}…` : text;
}
