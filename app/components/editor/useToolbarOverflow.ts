'use client';

import { type RefObject, useLayoutEffect, useState } from 'react';

/**
 * How many of a toolbar's items fit in one row: the rest go into its "more" menu. The toolbar's
 * children are its items (`.toolbar-item`, dividers marked `data-divider`) and last the more
 * menu (`.toolbar-more`); items that do not fit stay in the toolbar, hidden and out of the flow,
 * so they can still be measured. Measured again whenever the toolbar's width changes.
 */
export function useToolbarOverflow(ref: RefObject<HTMLElement | null>, itemCount: number): number {
  const [visible, setVisible] = useState(itemCount);

  useLayoutEffect(() => {
    const toolbar = ref.current;
    if (!toolbar) return;
    const measure = () => {
      const children = Array.from(toolbar.children) as HTMLElement[];
      const items = children.filter((child) => child.classList.contains('toolbar-item') && !child.classList.contains('toolbar-more'));
      const more = children.find((child) => child.classList.contains('toolbar-more'));
      const style = getComputedStyle(toolbar);
      const available = toolbar.clientWidth - Number.parseFloat(style.paddingLeft) - Number.parseFloat(style.paddingRight);
      const gap = Number.parseFloat(style.columnGap) || 0;
      const widths = items.map((item) => item.offsetWidth);
      const all = widths.reduce((sum, width) => sum + width, 0) + gap * Math.max(0, widths.length - 1);
      if (all <= available) return items.length;
      const budget = available - (more?.offsetWidth ?? 0) - gap;
      let used = 0;
      let count = 0;
      for (const width of widths) {
        const next = used + (count > 0 ? gap : 0) + width;
        if (next > budget) break;
        used = next;
        count += 1;
      }
      // A row never ends on a divider.
      while (count > 0 && items[count - 1].dataset.divider !== undefined) count -= 1;
      return count;
    };
    const update = () => setVisible(measure());
    update();
    const observer = new ResizeObserver(update);
    observer.observe(toolbar);
    return () => observer.disconnect();
  }, [ref]);

  return visible;
}
