/**
 * Names are chosen freely, so two people may show the same one; ids are the server's and unique.
 * Presence and history show a short tag derived from the id next to a name that someone else in
 * the same list also has, so people who chose the same name are never mistaken for each other.
 */

/** A short, stable tag for a person id: `#` and four letters or digits. */
export function personTag(id: string): string {
  // FNV-1a: stable, quick, and spread enough for ids that are random to begin with.
  let hash = 0x811c9dc5;
  for (let i = 0; i < id.length; i++) {
    hash ^= id.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `#${(hash % 36 ** 4).toString(36).padStart(4, '0')}`;
}

/** The label of each person in `people` by id: the name, with the tag when another person in the list has the same name. */
export function distinctLabels(people: ReadonlyArray<{ id: string; name: string }>): Map<string, string> {
  const counts = new Map<string, number>();
  for (const { name } of people) counts.set(name, (counts.get(name) ?? 0) + 1);
  return new Map(people.map(({ id, name }) => [id, (counts.get(name) ?? 0) > 1 ? `${name} ${personTag(id)}` : name]));
}
