/**
 * The person using this browser: a random id and a display name, kept in localStorage. The
 * server puts both into the collab token, and presence shows what the token says.
 */
export interface LocalIdentity {
  id: string;
  name: string;
}

const KEY = 'quire.identity';

const ANIMALS = ['Otter', 'Heron', 'Lynx', 'Badger', 'Falcon', 'Marten', 'Ibis', 'Panda', 'Puffin', 'Koala'];

/** The stored identity, created on first use with a random friendly name. */
export function loadIdentity(): LocalIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as LocalIdentity | null;
    if (stored && /^[A-Za-z0-9_-]{8,64}$/.test(stored.id) && typeof stored.name === 'string') return stored;
  } catch {
    // Unreadable storage: start over below.
  }
  const bytes = crypto.getRandomValues(new Uint8Array(12));
  const id = Array.from(bytes, (byte) => byte.toString(16).padStart(2, '0')).join('');
  const identity = { id, name: `Anonymous ${ANIMALS[bytes[0] % ANIMALS.length]}` };
  saveIdentity(identity);
  return identity;
}

export function saveIdentity(identity: LocalIdentity): void {
  localStorage.setItem(KEY, JSON.stringify(identity));
}
