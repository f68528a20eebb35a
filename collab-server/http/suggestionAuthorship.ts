import type * as Y from 'yjs';
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
