/**
 * Documents this browser created or opened, with the link secret it used, kept in localStorage
 * (the app has no accounts: a link is the access).
 */
export interface RecentDocument {
  name: string;
  key: string;
  title: string;
  openedAt: number;
}

const KEY = 'quire.recent';

export function loadRecentDocuments(): RecentDocument[] {
  try {
    const list = JSON.parse(localStorage.getItem(KEY) ?? '[]') as RecentDocument[];
    return Array.isArray(list) ? list.filter((entry) => typeof entry?.name === 'string' && typeof entry.key === 'string') : [];
  } catch {
    return [];
  }
}

/** Adds or refreshes a document, newest first. */
export function rememberDocument(entry: RecentDocument): void {
  const others = loadRecentDocuments().filter((existing) => existing.name !== entry.name);
  localStorage.setItem(KEY, JSON.stringify([entry, ...others].slice(0, 200)));
}

export function forgetDocument(name: string): void {
  localStorage.setItem(KEY, JSON.stringify(loadRecentDocuments().filter((entry) => entry.name !== name)));
}
