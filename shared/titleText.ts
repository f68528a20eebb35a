import type * as Y from 'yjs';

/** The longest document title, in characters (UTF-16 code units, as `<input maxlength>` counts). */
export const MAX_TITLE_LENGTH = 200;

/**
 * Makes `text` equal `value` with the smallest change: the common start and end stay, only the
 * middle is replaced. Someone typing elsewhere in the title at the same time keeps their typing,
 * which replacing the whole text would drop. Call inside a transaction to make it one change.
 */
export function replaceText(text: Y.Text, value: string): void {
  const current = text.toString();
  if (current === value) return;
  let start = 0;
  const shortest = Math.min(current.length, value.length);
  while (start < shortest && current.charCodeAt(start) === value.charCodeAt(start)) start++;
  let end = 0;
  while (end < shortest - start && current.charCodeAt(current.length - 1 - end) === value.charCodeAt(value.length - 1 - end)) end++;
  // Never cut a surrogate pair in half: Yjs would replace the orphaned half with U+FFFD.
  if (start > 0 && isHighSurrogate(current.charCodeAt(start - 1))) start--;
  if (end > 0 && isLowSurrogate(current.charCodeAt(current.length - end))) end--;
  const removed = current.length - start - end;
  if (removed > 0) text.delete(start, removed);
  const inserted = value.slice(start, value.length - end);
  if (inserted) text.insert(start, inserted);
}

const isHighSurrogate = (code: number) => code >= 0xd800 && code <= 0xdbff;
const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

/** A title as stored: single line, trimmed of control characters, at most `MAX_TITLE_LENGTH`. */
export function normalizeTitle(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: line breaks and control characters have no place in a title.
  return value.replace(/[\u0000-\u001f\u007f]+/g, ' ').slice(0, MAX_TITLE_LENGTH);
}
