'use client';

import { type ComponentType, useEffect, useState } from 'react';

/**
 * A component that is not part of the page's first load: its code is fetched as soon as the
 * component using this hook is on screen (after the editor, not before it), and from then on it
 * renders at once when asked. For panels that take typing the moment a shortcut opens them (find,
 * the shortcut list): one loaded only on demand would let the first keys typed after the shortcut
 * fall into the text while it arrives. Null until loaded.
 */
export function usePreloadedComponent<P extends object>(load: () => Promise<ComponentType<P>>): ComponentType<P> | null {
  const [component, setComponent] = useState<ComponentType<P> | null>(null);
  useEffect(() => {
    let cancelled = false;
    load().then(
      (loaded) => {
        if (!cancelled) setComponent(() => loaded);
      },
      // Offline before it arrived: the next page load tries again.
      () => undefined,
    );
    return () => {
      cancelled = true;
    };
  }, [load]);
  return component;
}
