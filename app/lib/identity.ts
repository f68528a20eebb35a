/**
 * The person using this browser. The server issues their id (kept in an HttpOnly cookie this page
 * cannot read or change) and derives their color from it; the display name is their own choice,
 * kept in localStorage and sent along when a token is fetched. Presence shows what the token says.
 */
export interface LocalIdentity {
  /** The display name, chosen freely (two people may choose the same one), or a default one. */
  name: string;
  /** True once the person chose the name; false while it is a default (`Anonymous Otter`). */
  named: boolean;
  /** True once the person was asked for a name (on their first edit) and answered or declined. */
  asked?: boolean;
  /** The id and color the server last said this browser has (for showing "you" while offline). */
  id?: string;
  color?: string;
}

const KEY = 'quire.identity';

/** The longest display name the server keeps. */
export const MAX_NAME_LENGTH = 60;

/** The color shown for someone whose identity is not known yet. */
export const UNKNOWN_COLOR = '#60646c';

// Defaults say they are defaults ("Anonymous …"); enough animals that people present rarely
// draw the same one, and `defaultNameAvoiding` picks another when they do.
const ANIMALS = (
  'Otter Heron Lynx Badger Falcon Marten Ibis Panda Puffin Koala Wombat Gecko Beaver Bison Crane Dingo Dolphin Ferret Finch Fox Gazelle Hare Hedgehog Jackal ' +
  'Kestrel Kiwi Lemur Llama Magpie Meerkat Moose Narwhal Ocelot Owl Pelican Quokka Raven Robin Seal Sparrow Squirrel Stoat Swan Tapir Toucan Walrus Wren Yak'
).split(' ');
const DEFAULT_PREFIX = 'Anonymous ';
const DEFAULT_NAME = new RegExp(`^${DEFAULT_PREFIX}(${ANIMALS.join('|')})( [0-9]+)?$`);

/** True for a name of the form the app gives by default (`Anonymous Otter`, `Anonymous Otter 2`), or the bare `Anonymous`. */
export function isDefaultName(name: string): boolean {
  return name === 'Anonymous' || DEFAULT_NAME.test(name);
}

/**
 * A random default name that is none of `taken` (the names of the people present): an unused
 * animal, or once all are used, an animal with the first free number.
 */
export function defaultNameAvoiding(taken: ReadonlySet<string>): string {
  const free = ANIMALS.map((animal) => DEFAULT_PREFIX + animal).filter((name) => !taken.has(name));
  const [random] = crypto.getRandomValues(new Uint32Array(1));
  if (free.length > 0) return free[random % free.length];
  const base = DEFAULT_PREFIX + ANIMALS[random % ANIMALS.length];
  let number = 2;
  while (taken.has(`${base} ${number}`)) number += 1;
  return `${base} ${number}`;
}

/** The stored identity, created on first use with a random default name. */
export function loadIdentity(): LocalIdentity {
  try {
    const stored = JSON.parse(localStorage.getItem(KEY) ?? 'null') as Partial<LocalIdentity> | null;
    if (stored && typeof stored.name === 'string' && stored.name.trim()) {
      // Earlier builds kept no `named`: a name of the default form was theirs too.
      const flags = { named: typeof stored.named === 'boolean' ? stored.named : !isDefaultName(stored.name), asked: stored.asked === true };
      // Earlier builds kept an id of their own here; the server's is the only one that counts.
      const known = typeof stored.id === 'string' && stored.id.startsWith('browser:') && typeof stored.color === 'string';
      return known ? { name: stored.name, ...flags, id: stored.id, color: stored.color } : { name: stored.name, ...flags };
    }
  } catch {
    // Unreadable storage: start over below.
  }
  return saveIdentity({ name: defaultNameAvoiding(new Set()), named: false });
}

/** The identity with a name the person chose, stored. */
export function chooseName(identity: LocalIdentity, name: string): LocalIdentity {
  return saveIdentity({ ...identity, name, named: true, asked: true });
}

/** Stores the identity; the name is trimmed and shortened to what the server keeps. */
export function saveIdentity(identity: LocalIdentity): LocalIdentity {
  const name = identity.name.trim().slice(0, MAX_NAME_LENGTH);
  const cleaned = { ...identity, name: name || 'Anonymous', named: identity.named && name !== '' };
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
