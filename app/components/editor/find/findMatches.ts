import type { Node as ProseMirrorNode } from '@tiptap/pm/model';

/** What to look for, and how. */
export interface FindQuery {
  text: string;
  matchCase: boolean;
  /** Only matches with no letter, digit or underscore right before or after them. */
  wholeWord: boolean;
}

/** A match, as document positions. */
export interface FindMatch {
  from: number;
  to: number;
}

/** More matches than anyone can step through; counting stops here so a huge document stays fast. */
export const MAX_MATCHES = 10_000;

const WORD_CHARACTER = /[\p{L}\p{N}_]/u;

/**
 * Every match of `query` in `doc`, in document order. A match lies within one textblock and may
 * run across differently formatted text (bold then plain); an inline node that is not text (an
 * image, a line break) ends any match that would cross it. Case-insensitive matching compares
 * lower-cased text; a block whose lower case is longer than itself (a rare letter such as "İ")
 * is compared as it is.
 */
export function findMatches(doc: ProseMirrorNode, query: FindQuery): FindMatch[] {
  const needle = query.matchCase ? query.text : query.text.toLocaleLowerCase();
  if (!needle) return [];
  const matches: FindMatch[] = [];
  doc.descendants((node, position) => {
    if (matches.length >= MAX_MATCHES) return false;
    if (!node.isTextblock) return true;
    // The block's text, one character per document position: inline nodes that are not text
    // (images, line breaks) are leaves of size 1 and stand in as a placeholder character.
    let text = '';
    node.forEach((child) => {
      text += child.isText ? (child.text ?? '') : '\uFFFC';
    });
    const lowered = query.matchCase ? text : text.toLocaleLowerCase();
    const haystack = lowered.length === text.length ? lowered : text;
    const start = position + 1;
    for (let index = haystack.indexOf(needle); index >= 0; index = haystack.indexOf(needle, index + 1)) {
      const end = index + needle.length;
      if (text.slice(index, end).includes('\uFFFC')) continue;
      if (query.wholeWord && (WORD_CHARACTER.test(text[index - 1] ?? '') || WORD_CHARACTER.test(text[end] ?? ''))) continue;
      matches.push({ from: start + index, to: start + end });
      if (matches.length >= MAX_MATCHES) break;
      // Matches do not overlap: "aa" in "aaaa" is found twice, as a find bar counts them.
      index = end - 1;
    }
    return false;
  });
  return matches;
}
