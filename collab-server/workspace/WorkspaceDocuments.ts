import type { DocumentMeta } from '../../persistence/DocumentStore';
import type { WorkspaceStore } from '../../persistence/WorkspaceStore';
import type { ListedDocument } from '../../shared/workspaceTypes';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';

/** The most documents one search reads the text of: it reads each one, so it is bounded. */
export const MAX_SEARCHED_DOCUMENTS = 200;

export interface WorkspaceDocumentsOptions {
  store: WorkspaceStore;
  documents: Pick<DocumentService, 'getMeta' | 'state'>;
  /** Reads documents' text off the event loop, for search. */
  conversions: Pick<ConversionPool, 'run'>;
}

/** The signed-in person's lists of documents, built from their access and the document store. */
export class WorkspaceDocuments {
  constructor(private readonly options: WorkspaceDocumentsOptions) {}

  /** True when the document exists. */
  async exists(name: string): Promise<boolean> {
    return (await this.options.documents.getMeta(name)) !== null;
  }

  /** What the document store knows of `name` (its title, times), or null when it does not exist. */
  meta(name: string): Promise<DocumentMeta | null> {
    return this.options.documents.getMeta(name);
  }

  /**
   * "My documents" (owned), "Shared with me" (given a role) and "Recent" (opened, latest first),
   * newest change first; with `query`, only those whose title or text contains it (case-insensitive).
   * Documents deleted since are left out.
   */
  async listsOf(userId: string, query: string): Promise<{ mine: ListedDocument[]; shared: ListedDocument[]; recent: ListedDocument[] }> {
    const { store } = this.options;
    const accesses = await store.documentsOf(userId);
    const listed = new Map<string, ListedDocument>();
    for (const access of accesses) {
      const meta = await this.options.documents.getMeta(access.document);
      if (!meta) continue;
      const owner = (await store.membersOf(access.document)).find((member) => member.role === 'owner');
      const ownerName = owner ? ((await store.getUser(owner.userId))?.name ?? null) : null;
      listed.set(access.document, { name: meta.name, title: meta.title, role: access.role, owner: ownerName, updatedAt: meta.updatedAt });
    }
    const matching = query ? await this.search([...listed.values()], query) : new Set(listed.keys());
    const byChange = (a: ListedDocument, b: ListedDocument) => b.updatedAt - a.updatedAt;
    const kept = [...listed.values()].filter((document) => matching.has(document.name));
    const recent = (await store.recentOf(userId)).flatMap((open): ListedDocument[] => {
      const document = listed.get(open.document);
      return document && matching.has(document.name) ? [{ ...document, openedAt: open.openedAt }] : [];
    });
    return {
      mine: kept.filter((document) => document.role === 'owner').sort(byChange),
      shared: kept.filter((document) => document.role !== 'owner').sort(byChange),
      recent,
    };
  }

  /** The names of the documents whose title or text contains `query`. */
  private async search(documents: ListedDocument[], query: string): Promise<Set<string>> {
    const wanted = query.toLowerCase();
    const found = new Set<string>();
    const newestFirst = [...documents].sort((a, b) => b.updatedAt - a.updatedAt);
    for (const document of newestFirst.slice(0, MAX_SEARCHED_DOCUMENTS)) {
      if (document.title.toLowerCase().includes(wanted)) {
        found.add(document.name);
        continue;
      }
      try {
        const state = await this.options.documents.state(document.name);
        const text = await this.options.conversions.run({ kind: 'export', state, format: 'text' });
        if (String(text.content).toLowerCase().includes(wanted)) found.add(document.name);
      } catch {
        // Deleted meanwhile, or not convertible now: it is simply not found.
      }
    }
    return found;
  }
}
