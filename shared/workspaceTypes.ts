/** What a person may do with a document: the owner (one per document) or a role given to them. */
export type AccessRole = 'owner' | 'editor' | 'commenter' | 'viewer';

/** A document as the signed-in home page lists it (the server's answer, the app's rows). */
export interface ListedDocument {
  name: string;
  title: string;
  role: AccessRole;
  /** The owner's name, or null when the document has none. */
  owner: string | null;
  updatedAt: number;
  /** For the Recent list: when this person last opened it. */
  openedAt?: number;
}
