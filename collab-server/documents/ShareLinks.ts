import { randomBytes } from 'node:crypto';
import { StoreError } from '../../persistence/DocumentStore';
import type { DocumentService } from './DocumentService';

/** The document properties holding the two link secrets of the web app's share links. */
export const EDIT_KEY = 'editKey';
export const VIEW_KEY = 'viewKey';

/** Which share link: `edit` opens the document as an editor, `view` as a viewer. */
export type LinkKind = 'edit' | 'view';

/** A new link secret: 128 random bits, base64url (fits a URL fragment as it is). */
export function newLinkSecret(): string {
  return randomBytes(16).toString('base64url');
}

const PROPERTY: Record<LinkKind, string> = { edit: EDIT_KEY, view: VIEW_KEY };

/**
 * The share-link secrets of documents (the capability links the web app opens as
 * `/d/<name>#<secret>`), for documents made without them, for example through the content API.
 * A secret is created the first time it is asked for and kept in the document's properties.
 */
export class ShareLinks {
  /** The tail of each document's chain of lookups (see `secrets`). */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(private readonly documents: Pick<DocumentService, 'getMeta' | 'updateMeta'>) {}

  /**
   * The secrets of `kinds` for document `name`, creating those it does not have yet. Calls for
   * one document run one at a time, so two concurrent calls never create two different secrets
   * (the second would replace the first, and a link already handed out would stop working).
   * Throws StoreError `NOT_FOUND` when the document does not exist.
   */
  secrets(name: string, kinds: readonly LinkKind[]): Promise<Partial<Record<LinkKind, string>>> {
    const previous = this.chains.get(name) ?? Promise.resolve();
    const current = previous.then(
      () => this.lookUp(name, kinds),
      () => this.lookUp(name, kinds),
    );
    const tail = current.catch(() => undefined);
    this.chains.set(name, tail);
    void tail.then(() => {
      if (this.chains.get(name) === tail) this.chains.delete(name);
    });
    return current;
  }

  private async lookUp(name: string, kinds: readonly LinkKind[]): Promise<Partial<Record<LinkKind, string>>> {
    const meta = await this.documents.getMeta(name);
    if (!meta) throw new StoreError('NOT_FOUND', `document ${JSON.stringify(name)} does not exist`);
    const secrets: Partial<Record<LinkKind, string>> = {};
    const missing: Record<string, string> = {};
    for (const kind of kinds) {
      const property = PROPERTY[kind];
      secrets[kind] = meta.properties[property] ?? newLinkSecret();
      if (meta.properties[property] === undefined) missing[property] = secrets[kind];
    }
    if (Object.keys(missing).length > 0) await this.documents.updateMeta(name, { properties: missing });
    return secrets;
  }
}

/** The path of the web app's page for a document and a link secret (the secret in the fragment, never sent to a server). */
export function sharePath(name: string, secret: string): string {
  return `/d/${encodeURIComponent(name)}#${secret}`;
}
