/**
 * A set of document names stored as small as its usual content allows: null when empty, the name
 * itself when it holds one, a `Set` only for more. A socket nearly always has one document open,
 * and even an empty `Set` keeps a hash table of its own (about 150 bytes per socket).
 */
export type NameSet = null | string | Set<string>;

/** True when `names` holds `name`. */
export function hasName(names: NameSet, name: string): boolean {
  if (names === null) return false;
  return typeof names === 'string' ? names === name : names.has(name);
}

/** `names` with `name` added (the `Set` it holds may be changed in place). */
export function withName(names: NameSet, name: string): NameSet {
  if (names === null || names === name) return name;
  if (typeof names === 'string') return new Set([names, name]);
  names.add(name);
  return names;
}

/** `names` without `name` (the `Set` it holds may be changed in place). */
export function withoutName(names: NameSet, name: string): NameSet {
  if (names === null || typeof names === 'string') return names === name ? null : names;
  names.delete(name);
  if (names.size > 1) return names;
  const [only] = names;
  return only ?? null;
}
