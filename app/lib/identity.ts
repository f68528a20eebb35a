/**
 * The person using this browser. The server issues their id (kept in an HttpOnly cookie this page
 * cannot read or change) and derives their color from it; the display name is their own choice,
 * kept in localStorage and sent along when a token is fetched. Presence shows what the token says.
 */
export interface LocalIdentity {
  /** The display name, chosen freely (two people may choose the same one). */
  name: string;
  /** The id and color the server last said this browser has (for showing "you" while offline). */
  id?: string;
  color?: string;
}

const KEY = 'quire.identity';

/** The longest display name the server keeps. */
export const MAX_NAME_LENGTH = 60;

/** The color shown for someone whose identity is not known yet. */
export const UNKNOWN_COLOR = '#60646c';

const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Falcon', 'Marten', 'Ibis', 'Panda', 'Puffin', 'Koala', 'Wombat', 'Gecko'];

/** The stored identity, created on first use with a random friendly name. */
export function loadIdentity(): LocalIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<LocalIdentity> | null;
    if (stored && typeof stored.name === 'string' && stored.name.trim()) {
      // Earlier builds kept an id of their own here; the server's is the only one that counts.
      const known = typeof stored.id === 'string' && stored.id.startsWith('browser:') && typeof stored.color === 'string';
      return known ? { name: stored.name, id: stored.id, color: stored.color } : { name: stored.name };
    }
  } catch {
    // Unreadable storage: start over below.
  }
  const [byte] = crypto.getRandomValues(new Uint8Array(1));
  return saveIdentity({ name: `Anonymous ${ANIMALS[byte % ANIMALS.length]}` });
}

/** Stores the identity; the name is trimmed and shortened to what the server keeps. */
export function saveIdentity(identity: LocalIdentity): LocalIdentity {
  const cleaned = { ...identity, name: identity.name.trim().slice(0, MAX_NAME_LENGTH) || 'Anonymous' };
  try {
    localStorage.setItem(KEY, JSON.stringify(cleaned));
  } catch {
    // Blocked storage: the name holds for this page only.
  }
  return cleaned;
}

/** The identity with the id and color the server issued (remembered for offline use). */
export function withServerIdentity(identity: LocalIdentity, server: { id: string; color: string }): LocalIdentity {
  if (identity.id === server.id && identity.color === server.color) return identity;
  return saveIdentity({ ...identity, id: server.id, color: server.color });
}
