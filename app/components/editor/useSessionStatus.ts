'use client';

import { useSyncExternalStore } from 'react';
import type { CollabSession, SessionStatus } from './CollabSession';

const SERVER_STATUS: SessionStatus = { state: 'connecting', unsaved: false, keptOnDevice: false };

/** The session's save status, re-rendering on every change. */
export function useSessionStatus(session: CollabSession): SessionStatus {
  return useSyncExternalStore(session.subscribe, session.getStatus, () => SERVER_STATUS);
}
