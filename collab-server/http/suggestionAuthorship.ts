import * as Y from 'yjs';
import type { TokenClaims } from '../../shared/token';
import { recordSuggestions, updateAuthorship } from '../suggestions/suggestionAuthors';
import { HttpError } from './Router';

/**
 * The content API's authorship rule for suggestions ([SG11] in
 * `shared/suggestions/SUGGESTIONS.md`): a JSON (or HTML) write whose content carries suggestion
 * marks is taken only when each is a suggestion `doc` recorded, exactly as recorded (a document
 * read and written back keeps everyone's), or a new one whose `author` is the caller's token
 * `sub`; otherwise it is refused with 422 and nothing is written. Returns what records the new
 * ones once `update` is applied (in the same transaction).
 */
export function suggestionsByCaller(doc: Y.Doc, update: Uint8Array, claims: TokenClaims): () => void {
  const { refusal, created } = updateAuthorship(doc, update, { id: claims.sub, role: claims.role });
  if (refusal) {
    throw new HttpError(
      422,
      `the content carries a suggestion this caller may not write (rule SG11): ${refusal.message}. Suggestions written through the API are the caller's own (author "${claims.sub}") or ones the document already holds, unchanged`,
    );
  }
  return () => recordSuggestions(doc, created.values());
}

/**
 * The web app's import rule ([SG13] in `shared/suggestions/SUGGESTIONS.md`): suggestion marks in
 * an imported file (HTML `<ins data-suggestion data-author=…>`, `<span data-suggestion-format …>`)
 * are taken only when each is the importer's own (`author`, the identity the app's sessions give
 * them); otherwise the import is refused with 422 and no document is made.
 */
export function suggestionsByImporter(update: Uint8Array, author: string): void {
  const empty = new Y.Doc();
  try {
    const { refusal } = updateAuthorship(empty, update, { id: author, role: 'editor' });
    if (!refusal) return;
    throw new HttpError(
      422,
      `the imported file carries a suggestion this person may not make (rule SG13): ${refusal.message}. Suggestions in an import must be the importer's own (author "${author}"); accept or reject the others before importing`,
    );
  } finally {
    empty.destroy();
  }
}
