import { Mark, mergeAttributes } from '@tiptap/core';
import { attributeProblem } from '../attributeRules';
import { ruledAttributes } from '../safeExtensions';

/**
 * The two marks of a suggestion ([SG1] in `shared/suggestions/SUGGESTIONS.md`): text someone
 * proposes to add (`suggestionInsert`, shown underlined in the author's colour) and text someone
 * proposes to remove (`suggestionDelete`, shown struck through, still in the document). Both carry
 * the suggestion's id, its author's id and name, and when it was made; their values are checked by
 * `shared/attributeRules.ts` like every other attribute.
 */

/** The name of the mark on suggested insertions. */
export const SUGGESTION_INSERT = 'suggestionInsert';
/** The name of the mark on suggested deletions. */
export const SUGGESTION_DELETE = 'suggestionDelete';
/** The name of the mark on text whose formatting someone proposes to change ([SG12]). */
export const SUGGESTION_FORMAT = 'suggestionFormat';
/** Every suggestion mark name. */
export const SUGGESTION_MARKS = [SUGGESTION_INSERT, SUGGESTION_DELETE, SUGGESTION_FORMAT] as const;

/** The attributes of a suggestion mark. */
export interface SuggestionAttributes {
  id: string;
  author: string;
  authorName: string;
  time: number;
}

/** The attributes every suggestion mark carries (who proposed it, when), as HTML data attributes. */
export function suggestionStampAttributes() {
  return {
    id: {
      default: null,
      parseHTML: (element: HTMLElement) => element.getAttribute('data-suggestion'),
      renderHTML: (attrs: Record<string, unknown>) => ({ 'data-suggestion': attrs.id }),
    },
    author: {
      default: null,
      parseHTML: (element: HTMLElement) => element.getAttribute('data-author'),
      renderHTML: (attrs: Record<string, unknown>) => ({ 'data-author': attrs.author }),
    },
    authorName: {
      default: null,
      parseHTML: (element: HTMLElement) => element.getAttribute('data-author-name'),
      renderHTML: (attrs: Record<string, unknown>) => ({ 'data-author-name': attrs.authorName }),
    },
    time: {
      default: null,
      parseHTML: (element: HTMLElement) => Number(element.getAttribute('data-time')),
      renderHTML: (attrs: Record<string, unknown>) => ({ 'data-time': attrs.time }),
    },
  };
}

/** Whether an HTML element's suggestion id and author are valid for mark `name` (else it is not read as that mark). */
export function validSuggestionStamp(name: string, element: HTMLElement): boolean {
  return (
    attributeProblem('mark', name, 'id', element.getAttribute('data-suggestion')) === null &&
    attributeProblem('mark', name, 'author', element.getAttribute('data-author')) === null
  );
}

function suggestionMark(name: string, tag: 'ins' | 'del') {
  return Mark.create({
    name,
    // Typing next to a suggestion does not extend it: the suggestion plugin marks what it adds.
    inclusive: false,
    // A deletion suggested over someone's suggested insertion keeps both marks.
    excludes: name,
    addAttributes() {
      return ruledAttributes('mark', name, suggestionStampAttributes());
    },
    parseHTML() {
      // Before strike and underline, which read `del` and `ins` too; one without a valid id or author is read as they read it.
      return [{ tag: `${tag}[data-suggestion]`, priority: 60, getAttrs: (element) => (validSuggestionStamp(name, element) ? null : false) }];
    },
    renderHTML({ HTMLAttributes }) {
      return [tag, mergeAttributes(HTMLAttributes, { class: `suggestion suggestion-${tag === 'ins' ? 'insert' : 'delete'}` }), 0];
    },
  });
}

/** Text proposed for insertion. */
export const SuggestionInsert = suggestionMark(SUGGESTION_INSERT, 'ins');
/** Text proposed for deletion. */
export const SuggestionDelete = suggestionMark(SUGGESTION_DELETE, 'del');
