/**
 * `store` with the methods in `overrides` in place of its own; every other method is the store's
 * own, bound to it. For wrappers that add behaviour to a few operations of a store.
 */
export function overriding<T extends object>(store: T, overrides: Partial<T>): T {
  return new Proxy(store, {
    get(target, property) {
      if (Object.hasOwn(overrides, property)) return overrides[property as keyof T];
      const value = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}
