'use client';

import { useEffect, useRef, useState } from 'react';
import { CollabSession, type CollabSessionOptions } from './CollabSession';

/**
 * Opens a `CollabSession` for `name` while the component is mounted (null during the first
 * render, which also runs on the server). The token callback is read through a ref, so a new
 * callback from the parent does not tear the connection down.
 */
export function useCollabSession(options: Omit<CollabSessionOptions, 'url'> & { url: () => string }): CollabSession | null {
  const [session, setSession] = useState<CollabSession | null>(null);
  const latest = useRef(options);
  latest.current = options;
  const { name } = options;

  useEffect(() => {
    const { url, keepOnDevice } = latest.current;
    const created = new CollabSession({
      url: url(),
      name,
      keepOnDevice,
      token: () => latest.current.token(),
      isAccessGone: (error) => latest.current.isAccessGone?.(error) ?? false,
      revokedBecause: (error) => latest.current.revokedBecause?.(error) ?? null,
      revokedMessage: latest.current.revokedMessage,
    });
    setSession(created);
    return () => {
      created.destroy();
      setSession(null);
    };
  }, [name]);

  return session;
}
