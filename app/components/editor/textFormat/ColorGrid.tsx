'use client';

import { Check } from 'lucide-react';
import type { KeyboardEvent } from 'react';
import { PALETTE, PALETTE_COLUMNS } from '../../../../shared/formatPalette';

interface ColorGridProps {
  /** What the grid picks ("Text colour", "Highlight colour"): its accessible name. */
  label: string;
  /** The colour at the cursor, `#rrggbb`, or null. */
  current: string | null;
  /** What "no colour" is called ("Default", "None"). */
  noneLabel: string;
  onPick: (color: string | null) => void;
}

/**
 * The palette as a grid of named swatches (menu items, so it works inside a `Menu`): arrows move
 * in two dimensions, each swatch is announced by its colour's name and whether it is the current
 * one. A thin border keeps white and black visible on either scheme.
 */
export function ColorGrid({ label, current, noneLabel, onPick }: ColorGridProps) {
  const onKeyDown = (event: KeyboardEvent<HTMLDivElement>) => {
    const step = { ArrowLeft: -1, ArrowRight: 1, ArrowUp: -PALETTE_COLUMNS, ArrowDown: PALETTE_COLUMNS }[event.key];
    if (step === undefined) return;
    const swatches = Array.from(event.currentTarget.querySelectorAll<HTMLElement>('.swatch'));
    const index = swatches.indexOf(document.activeElement as HTMLElement);
    if (index < 0) return;
    const next = index + step;
    // Off the grid's top or bottom: the menu's own keys move on to the items around it.
    if (next < 0 || next >= swatches.length) return;
    event.preventDefault();
    event.stopPropagation();
    swatches[next].focus({ preventScroll: true });
  };
  const normalized = current?.toLowerCase() ?? null;
  return (
    <div className="color-picker">
      <button type="button" role="menuitemradio" aria-checked={normalized === null} tabIndex={-1} className="menu-item" onClick={() => onPick(null)}>
        <span className="menu-item-icon" aria-hidden>
          {normalized === null && <Check size={16} />}
        </span>
        <span className="menu-item-label">{noneLabel}</span>
      </button>
      {/* biome-ignore lint/a11y/useSemanticElements: a group of menu items; a fieldset is not allowed in a menu. */}
      <div role="group" aria-label={label} className="color-grid" style={{ gridTemplateColumns: `repeat(${PALETTE_COLUMNS}, auto)` }} onKeyDown={onKeyDown}>
        {PALETTE.map((color) => (
          <button
            key={color.value}
            type="button"
            role="menuitemradio"
            aria-checked={normalized === color.value}
            aria-label={color.name}
            title={color.name}
            tabIndex={-1}
            className="swatch"
            data-color={color.value}
            style={{ backgroundColor: color.value }}
            onClick={() => onPick(color.value)}
          >
            {normalized === color.value && <Check size={12} aria-hidden />}
          </button>
        ))}
      </div>
    </div>
  );
}
