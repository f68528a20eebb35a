'use client';

import type { HocuspocusProvider } from '@hocuspocus/provider';
import { useEffect, useState } from 'react';

export type SaveState = 'connecting' | 'saving' | 'saved' | 'offline' | 'refused';

/**
 * What the save indicator shows, from the provider's own signals. "Saved" means the server
 * acknowledged every local change, and the server acknowledges only after a synced disk write.
 */
export function useSaveStatus(provider: HocuspocusProvider): { state: SaveState; reason?: string } {
  const [status, setStatus] = useState<{ state: SaveState; reason?: string }>({ state: 'connecting' });

  useEffect(() => {
    let everSynced = false;
    let refused: string | null = null;
    const update = () => {
      if (refused) return setStatus({ state: 'refused', reason: refused });
      const connected = provider.configuration.websocketProvider.status === 'connected';
      if (!connected) return setStatus({ state: everSynced ? 'offline' : 'connecting' });
      if (!provider.synced && !everSynced) return setStatus({ state: 'connecting' });
      everSynced ||= provider.synced;
      setStatus({ state: provider.hasUnsyncedChanges ? 'saving' : 'saved' });
    };
    const onRefused = ({ reason }: { reason: string }) => {
      refused = reason;
      update();
    };
    const events = ['status', 'synced', 'unsyncedChanges', 'disconnect', 'close'] as const;
    for (const event of events) provider.on(event, update);
    provider.on('authenticationFailed', onRefused);
    update();
    return () => {
      for (const event of events) provider.off(event, update);
      provider.off('authenticationFailed', onRefused);
    };
  }, [provider]);

  return status;
}
