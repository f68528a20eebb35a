/**
 * Where things live inside a document's Y.Doc. The editor, the server-side converters and the
 * title shown in lists all read these names from here.
 */

/** The Y.XmlFragment holding the rich-text body (Tiptap's Collaboration `field`). */
export const BODY_FIELD = 'default';

/** The Y.Text holding the document title. */
export const TITLE_FIELD = 'title';

/** Title used wherever a document has none yet. */
export const UNTITLED = 'Untitled document';
