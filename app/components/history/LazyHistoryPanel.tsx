'use client';

import dynamic from 'next/dynamic';

/** The history panel, loaded only when someone opens it (it is not part of the editor's first load). */
export const LazyHistoryPanel = dynamic(() => import('./HistoryPanel').then((module) => module.HistoryPanel), { ssr: false });
