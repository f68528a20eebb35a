import { describe, expect, it } from 'vitest';
import { hasName, type NameSet, withName, withoutName } from '../transport/nameSet';

const contents = (names: NameSet): string[] => (names === null ? [] : typeof names === 'string' ? [names] : [...names].sort());

describe('NameSet', () => {
  it('holds nothing as null and one name as the name itself', () => {
    expect(hasName(null, 'a')).toBe(false);
    const one = withName(null, 'a');
    expect(one).toBe('a');
    expect(hasName(one, 'a')).toBe(true);
    expect(hasName(one, 'b')).toBe(false);
    expect(withName(one, 'a')).toBe('a');
    expect(withoutName(one, 'b')).toBe('a');
    expect(withoutName(one, 'a')).toBeNull();
  });

  it('grows into a set for a second name and shrinks back to the name, then to null', () => {
    let names = withName(withName(null, 'a'), 'b');
    expect(names).toBeInstanceOf(Set);
    names = withName(names, 'c');
    expect(contents(names)).toEqual(['a', 'b', 'c']);
    expect(['a', 'b', 'c', 'd'].map((name) => hasName(names, name))).toEqual([true, true, true, false]);
    names = withoutName(names, 'd');
    expect(contents(names)).toEqual(['a', 'b', 'c']);
    names = withoutName(names, 'b');
    expect(contents(names)).toEqual(['a', 'c']);
    names = withoutName(names, 'a');
    expect(names).toBe('c');
    expect(withoutName(names, 'c')).toBeNull();
  });

  it('agrees with a Set over a seeded random sequence of adds and removes', () => {
    const seed = 20261127;
    console.log(`NameSet sequence seed ${seed}`);
    let state = seed;
    const random = () => {
      state = (state * 1103515245 + 12345) % 2 ** 31;
      return state / 2 ** 31;
    };
    let names: NameSet = null;
    const reference = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const name = `doc-${Math.floor(random() * 4)}`;
      if (random() < 0.5) {
        names = withName(names, name);
        reference.add(name);
      } else {
        names = withoutName(names, name);
        reference.delete(name);
      }
      expect(contents(names)).toEqual([...reference].sort());
      if (reference.size === 0) expect(names).toBeNull();
      if (reference.size === 1) expect(typeof names).toBe('string');
    }
  });
});
