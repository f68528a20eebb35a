'use client';

import { useCallback, useEffect, useState } from 'react';
import type { Role } from '../../../shared/token';
import { lookupDocuments } from '../../lib/api';
import { loadRecentDocuments, onRecentDocumentsChange, type RecentDocument, updateRecentDocument } from '../../lib/recentDocuments';

/** A row of the home page's list. */
export interface ListedDocument {
  name: string;
  key: string;
  title: string;
  role?: Role;
  /** Last change: from the server when it answered, else what this browser knows. */
  updatedAt: number;
  /** The server said this link no longer opens anything (deleted, or a wrong secret). */
  unavailable: boolean;
}

/** Where the list's facts came from. */
export type ListSource = 'local' | 'server' | 'offline';

/**
 * The documents this browser knows, newest change first, refreshed from the server: titles,
 * roles and times come from the lookup, which answers only for links that still work.
 */
export function useDocumentList(): { documents: ListedDocument[] | null; source: ListSource; refresh: () => Promise<void> } {
  const [documents, setDocuments] = useState<ListedDocument[] | null>(null);
  const [source, setSource] = useState<ListSource>('local');

  const refresh = useCallback(async () => {
    const recent = loadRecentDocuments();
    setDocuments((current) => current ?? sorted(recent.map((entry) => fromLocal(entry))));
    try {
      const found = new Map((await lookupDocuments(recent.map(({ name, key }) => ({ name, key })))).map((summary) => [summary.name, summary]));
      const merged = recent.map((entry) => {
        const summary = found.get(entry.name);
        if (!summary) return { ...fromLocal(entry), unavailable: true };
        updateRecentDocument(entry.name, { title: summary.title, role: summary.role, updatedAt: summary.updatedAt });
        return { name: entry.name, key: entry.key, title: summary.title, role: summary.role, updatedAt: summary.updatedAt, unavailable: false };
      });
      setDocuments(sorted(merged));
      setSource('server');
    } catch {
      setDocuments(sorted(loadRecentDocuments().map((entry) => fromLocal(entry))));
      setSource('offline');
    }
  }, []);

  useEffect(() => {
    void refresh();
    return onRecentDocumentsChange(() => void refresh());
  }, [refresh]);

  return { documents, source, refresh };
}

function fromLocal(entry: RecentDocument): ListedDocument {
  return { name: entry.name, key: entry.key, title: entry.title, role: entry.role, updatedAt: entry.updatedAt ?? entry.openedAt, unavailable: false };
}

function sorted(list: ListedDocument[]): ListedDocument[] {
  return [...list].sort((a, b) => Number(a.unavailable) - Number(b.unavailable) || b.updatedAt - a.updatedAt);
}
