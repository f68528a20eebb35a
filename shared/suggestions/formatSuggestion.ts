import { Mark, mergeAttributes } from '@tiptap/core';
import type { Mark as PmMark } from '@tiptap/pm/model';
import { FORMAT_MARKS, formatSetProblem } from '../attributeRules';
import { ruledAttributes } from '../safeExtensions';
import { SUGGESTION_FORMAT, type SuggestionAttributes, suggestionStampAttributes, validSuggestionStamp } from './suggestionMarks';

/**
 * Format suggestions ([SG12] in `shared/suggestions/SUGGESTIONS.md`): text whose formatting
 * someone proposes to change carries the new formatting and `suggestionFormat`, whose `before`
 * attribute is the formatting the text had (a `FormatSet`). Accepting removes the mark; rejecting
 * puts `before` back exactly.
 */

/** Formatting marks by name, each with its attributes (as Yjs stores a text's formatting). */
export type FormatSet = Record<string, Record<string, unknown>>;

/** The attributes of a format suggestion: a suggestion's, and the formatting before it. */
export interface FormatSuggestionAttributes extends SuggestionAttributes {
  before: FormatSet;
}

/** Whether `name` is a mark that formats text (not a suggestion mark). */
export function isFormatMark(name: string): boolean {
  return (FORMAT_MARKS as readonly string[]).includes(name);
}

/** The formatting among `marks` (ProseMirror marks, or a Yjs text's attributes by name). */
export function formatsOf(marks: readonly PmMark[] | Record<string, unknown> | undefined): FormatSet {
  const set: FormatSet = {};
  if (Array.isArray(marks)) {
    for (const mark of marks as readonly PmMark[]) if (isFormatMark(mark.type.name)) set[mark.type.name] = { ...mark.attrs };
  } else {
    for (const [name, attrs] of Object.entries(marks ?? {})) {
      if (isFormatMark(name) && attrs !== null && attrs !== undefined) set[name] = { ...(attrs as Record<string, unknown>) };
    }
  }
  return set;
}

/** Whether two sets of formatting are the same (an attribute left out is the same as null). */
export function sameFormats(a: FormatSet | undefined, b: FormatSet | undefined): boolean {
  const names = new Set([...Object.keys(a ?? {}), ...Object.keys(b ?? {})]);
  for (const name of names) {
    const left = a?.[name];
    const right = b?.[name];
    if (!left || !right) return false;
    for (const key of new Set([...Object.keys(left), ...Object.keys(right)])) {
      if (JSON.stringify(left[key] ?? null) !== JSON.stringify(right[key] ?? null)) return false;
    }
  }
  return true;
}

const NAMES: Record<string, string> = {
  bold: 'Bold',
  italic: 'Italic',
  underline: 'Underline',
  strike: 'Strikethrough',
  code: 'Code',
  link: 'Link',
  highlight: 'Highlight',
};

/** What changes from formatting `before` to `after`, as a card says it: "Bold", "Text colour: #e03131", "Not italic". */
export function formatChanges(before: FormatSet, after: FormatSet): string[] {
  const changes: string[] = [];
  const flat = (set: FormatSet) => {
    const values = new Map<string, unknown>();
    for (const [name, attrs] of Object.entries(set)) {
      if (name === 'textStyle') {
        if (attrs.color) values.set('Text colour', attrs.color);
        if (attrs.fontSize) values.set('Font size', attrs.fontSize);
      } else values.set(NAMES[name] ?? name, name === 'link' ? attrs.href : name === 'highlight' ? (attrs.color ?? true) : true);
    }
    return values;
  };
  const was = flat(before);
  const is = flat(after);
  for (const [label, value] of is) {
    if (was.get(label) === value) continue;
    changes.push(value === true ? label : `${label}: ${String(value)}`);
  }
  for (const label of was.keys()) if (!is.has(label)) changes.push(`Not ${label.toLowerCase()}`);
  return changes;
}

/** Text whose formatting someone proposes to change; shown with a dotted outline, the new formatting applied. */
export const SuggestionFormat = Mark.create({
  name: SUGGESTION_FORMAT,
  inclusive: false,
  excludes: SUGGESTION_FORMAT,
  addAttributes() {
    return ruledAttributes('mark', SUGGESTION_FORMAT, {
      ...suggestionStampAttributes(),
      before: {
        default: {},
        parseHTML: (element) => parseFormatSet(element.getAttribute('data-before')),
        renderHTML: (attrs) => ({ 'data-before': JSON.stringify(attrs.before ?? {}) }),
      },
    });
  },
  parseHTML() {
    const valid = (element: HTMLElement) =>
      validSuggestionStamp(SUGGESTION_FORMAT, element) && formatSetProblem(parseFormatSet(element.getAttribute('data-before'))) === null;
    return [{ tag: 'span[data-suggestion-format]', getAttrs: (element) => (valid(element) ? null : false) }];
  },
  renderHTML({ HTMLAttributes }) {
    return ['span', mergeAttributes(HTMLAttributes, { 'data-suggestion-format': '', class: 'suggestion suggestion-format' }), 0];
  },
});

function parseFormatSet(text: string | null): unknown {
  if (text === null) return {};
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}
