/**
 * Where things live inside a document's Y.Doc. The editor, the server-side converters and the
 * title shown in lists all read these names from here.
 */

/** The Y.XmlFragment holding the rich-text body (Tiptap's Collaboration `field`). */
export const BODY_FIELD = 'default';

/** The Y.Text holding the document title. */
export const TITLE_FIELD = 'title';

/**
 * The Y.Map holding the document's identity, which only the server writes (`INCARNATION_KEY`).
 * A client whose copy holds another identity under this name is refused (`document-replaced`).
 */
export const IDENTITY_FIELD = 'identity';

/**
 * The Y.Map of the document's comment threads: thread id → thread (a Y.Map). Its shape and who
 * may write what in it are `shared/comments/COMMENTS.md`; the server checks every write.
 */
export const COMMENTS_FIELD = 'comments';

/** The random id the server gives a document when it creates it, under `IDENTITY_FIELD`. */
export const INCARNATION_KEY = 'incarnation';

/**
 * The Y.Map in which the server counts the restores of earlier versions (`RESTORE_COUNT_KEY`),
 * written in the same transaction as each restore and by nobody else. Editors clear their undo
 * history when it changes: undoing across a restore would bring back what the restore re-created.
 */
export const RESTORES_FIELD = 'restores';

/**
 * The Y.Map in which the server records who made each suggestion: suggestion id → its author,
 * author's name and time, as first taken. Only the server writes it; a suggestion mark a client
 * writes must match it ([SG11] in `shared/suggestions/SUGGESTIONS.md`).
 */
export const SUGGESTION_AUTHORS_FIELD = 'suggestionAuthors';

/** How many times a version was restored, under `RESTORES_FIELD`. */
export const RESTORE_COUNT_KEY = 'count';

/** Title used wherever a document has none yet. */
export const UNTITLED = 'Untitled document';
