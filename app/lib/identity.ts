import { colorFor } from '../../shared/token';

/**
 * The person using this browser: a random id and a display name, kept in localStorage. The
 * server puts both into the collab token, and presence shows what the token says.
 */
export interface LocalIdentity {
  id: string;
  name: string;
}

const KEY = 'quire.identity';

/** The longest display name the server keeps. */
export const MAX_NAME_LENGTH = 60;

const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Falcon', 'Marten', 'Ibis', 'Panda', 'Puffin', 'Koala', 'Wombat', 'Gecko'];

/** The stored identity, created on first use with a random friendly name. */
export function loadIdentity(): LocalIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as LocalIdentity | null;
    if (stored && /^[A-Za-z0-9_-]{8,64}$/.test(stored.id) && typeof stored.name === 'string' && stored.name.trim()) return stored;
  } catch {
    // Unreadable storage: start over below.
  }
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const id = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const identity = { id, name: `Anonymous ${ANIMALS[bytes[0] % ANIMALS.length]}` };
  saveIdentity(identity);
  return identity;
}

/** Stores the identity; the name is trimmed and shortened to what the server keeps. */
export function saveIdentity(identity: LocalIdentity): LocalIdentity {
  const cleaned = { id: identity.id, name: identity.name.trim().slice(0, MAX_NAME_LENGTH) || 'Anonymous' };
  try {
    localStorage.setItem(KEY, JSON.stringify(cleaned));
  } catch {
    // Blocked storage: the name holds for this page only.
  }
  return cleaned;
}

/** The presence color others see for this identity (the server derives it from the token's `sub`). */
export function identityColor(identity: LocalIdentity): string {
  return colorFor(userIdOf(identity));
}

/** The user id the server puts in tokens for this identity. */
export function userIdOf(identity: LocalIdentity): string {
  return `link:${identity.id}`;
}
