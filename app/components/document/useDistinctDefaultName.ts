'use client';

import { useEffect } from 'react';
import { defaultNameAvoiding, type LocalIdentity } from '../../lib/identity';
import type { Participant } from '../editor/usePresence';

/**
 * Keeps a default name (`Anonymous Otter`) from being the same as someone else's in the
 * document: when another person present has it too, one of the two takes a default name nobody
 * present has. Which one is decided by their ids (the larger gives way), so two browsers never
 * both change. A name someone chose is never changed; they are told apart by their id tags.
 */
export function useDistinctDefaultName(identity: LocalIdentity, participants: Participant[], rename: (name: string) => void): void {
  const ownId = identity.id;
  const clash =
    !identity.named &&
    ownId !== undefined &&
    participants.some((other) => !other.self && other.id !== ownId && other.name === identity.name && other.id < ownId);
  const taken = participants.filter((other) => !other.self).map((other) => other.name);
  const takenKey = JSON.stringify(taken);

  useEffect(() => {
    if (clash) rename(defaultNameAvoiding(new Set(JSON.parse(takenKey) as string[])));
  }, [clash, takenKey, rename]);
}
