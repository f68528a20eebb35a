import type { Role } from '../../shared/token';

/**
 * Documents this browser created or opened, with the link secret it used, kept in localStorage
 * (the app has no accounts: a link is the access). Titles and times here are what this browser
 * last saw; the home page asks the server for current ones.
 */
export interface RecentDocument {
  name: string;
  key: string;
  title: string;
  /** The role the secret grants; known once the document was opened. */
  role?: Role;
  openedAt: number;
  /** The last change this browser knows of (ms since the epoch). */
  updatedAt?: number;
}

const KEY = 'quire.recent';
const MAX_ENTRIES = 200;

/** Every remembered document, most recently opened first. */
export function loadRecentDocuments(): RecentDocument[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? '[]') as RecentDocument[];
    return Array.isArray(list) ? list.filter((entry) => typeof entry?.name === 'string' && typeof entry.key === 'string') : [];
  } catch {
    return [];
  }
}

/** The remembered entry for a document, if any. */
export function findRecentDocument(name: string): RecentDocument | undefined {
  return loadRecentDocuments().find((entry) => entry.name === name);
}

/** Adds or refreshes a document (merged with what was known), newest first. */
export function rememberDocument(entry: Partial<RecentDocument> & Pick<RecentDocument, 'name' | 'key'>): void {
  const list = loadRecentDocuments();
  const previous = list.find((existing) => existing.name === entry.name);
  // A new link for a known document replaces the old one only when it grants at least as much.
  const keepOldKey = previous && previous.key !== entry.key && previous.role === 'editor' && entry.role === 'viewer';
  const merged: RecentDocument = {
    title: '',
    openedAt: Date.now(),
    ...previous,
    ...entry,
    ...(keepOldKey ? { key: previous.key, role: previous.role } : {}),
  };
  save([merged, ...list.filter((existing) => existing.name !== entry.name)]);
}

/** Updates fields of a remembered document without moving it. */
export function updateRecentDocument(name: string, patch: Partial<Omit<RecentDocument, 'name'>>): void {
  save(loadRecentDocuments().map((entry) => (entry.name === name ? { ...entry, ...patch } : entry)));
}

/** Removes a document from this browser's list. */
export function forgetDocument(name: string): void {
  save(loadRecentDocuments().filter((entry) => entry.name !== name));
}

/** Calls `listener` when another tab changes the list. Returns the unsubscribe function. */
export function onRecentDocumentsChange(listener: () => void): () => void {
  const onStorage = (event: StorageEvent) => {
    if (event.key === KEY) listener();
  };
  window.addEventListener('storage', onStorage);
  return () => window.removeEventListener('storage', onStorage);
}

function save(list: RecentDocument[]): void {
  try {
    localStorage.setItem(KEY, JSON.stringify(list.slice(0, MAX_ENTRIES)));
  } catch {
    // Storage full or blocked: the list is a convenience, the link still works.
  }
}
