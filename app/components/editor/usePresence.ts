'use client';

import type { HocuspocusProvider } from '@hocuspocus/provider';
import { useEffect, useState } from 'react';
import { canWrite, ROLES, type Role } from '../../../shared/roles';

/** Someone in the document, as the server's token says (it rewrites each awareness `user`). */
export interface Participant {
  id: string;
  name: string;
  color: string;
  /** What their token lets them do (the server sets it; null when a server too old to say). */
  role: Role | null;
  /** This browser tab's own entry. */
  self: boolean;
}

/**
 * Everyone in the document now, from the provider's awareness: one entry per user id (a person
 * with two tabs open counts once), this user first, then by name.
 */
export function usePresence(provider: HocuspocusProvider, self: { id: string; name: string; color: string; role: Role | null }): Participant[] {
  const [others, setOthers] = useState<Participant[]>([]);

  useEffect(() => {
    const awareness = provider.awareness;
    if (!awareness) return;
    const read = () => {
      const byId = new Map<string, Participant>();
      for (const [clientId, state] of awareness.getStates()) {
        if (clientId === awareness.clientID) continue;
        const user = (state as { user?: Partial<Participant> }).user;
        if (!user || typeof user.name !== 'string') continue;
        const id = typeof user.id === 'string' ? user.id : `client:${clientId}`;
        const role = ROLES.find((known) => known === user.role) ?? null;
        const known = byId.get(id);
        if (!known) byId.set(id, { id, name: user.name, color: typeof user.color === 'string' ? user.color : '#60646c', role, self: false });
        // The same person in two tabs, through the view link in one and the edit link in the other: they can edit.
        else if (role && canWrite(role) && (!known.role || !canWrite(known.role))) known.role = role;
      }
      const next = [...byId.values()].sort((a, b) => a.name.localeCompare(b.name) || a.id.localeCompare(b.id));
      setOthers((previous) => (sameParticipants(previous, next) ? previous : next));
    };
    read();
    awareness.on('change', read);
    return () => awareness.off('change', read);
  }, [provider]);

  const withoutSelf = others.filter((participant) => participant.id !== self.id);
  return [{ ...self, self: true }, ...withoutSelf];
}

function sameParticipants(a: Participant[], b: Participant[]): boolean {
  return a.length === b.length && a.every((p, i) => p.id === b[i].id && p.name === b[i].name && p.color === b[i].color && p.role === b[i].role);
}
