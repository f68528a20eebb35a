/**
 * The colours, font sizes and indent steps the editor offers (as Google Docs does: a grid of named
 * swatches, a list of sizes). The attribute rules (`shared/attributeRules.ts`) accept these and,
 * for colours, any other strict `#rrggbb`, so content pasted from elsewhere keeps its colour.
 */

/** A named colour of the palette. */
export interface PaletteColor {
  /** What a screen reader says for the swatch. */
  readonly name: string;
  /** `#rrggbb`, lower case. */
  readonly value: string;
}

/** Swatches per row of the palette grid. */
export const PALETTE_COLUMNS = 10;

/** The colour palette for text and highlight, row by row: greys, bright colours, light and dark shades. */
export const PALETTE: readonly PaletteColor[] = [
  { name: 'Black', value: '#000000' },
  { name: 'Dark gray 4', value: '#434343' },
  { name: 'Dark gray 3', value: '#666666' },
  { name: 'Dark gray 2', value: '#999999' },
  { name: 'Dark gray 1', value: '#b7b7b7' },
  { name: 'Gray', value: '#cccccc' },
  { name: 'Light gray 1', value: '#d9d9d9' },
  { name: 'Light gray 2', value: '#efefef' },
  { name: 'Light gray 3', value: '#f3f3f3' },
  { name: 'White', value: '#ffffff' },
  { name: 'Red berry', value: '#980000' },
  { name: 'Red', value: '#ff0000' },
  { name: 'Orange', value: '#ff9900' },
  { name: 'Yellow', value: '#ffff00' },
  { name: 'Green', value: '#00ff00' },
  { name: 'Cyan', value: '#00ffff' },
  { name: 'Cornflower blue', value: '#4a86e8' },
  { name: 'Blue', value: '#0000ff' },
  { name: 'Purple', value: '#9900ff' },
  { name: 'Magenta', value: '#ff00ff' },
  { name: 'Light red berry', value: '#e6b8af' },
  { name: 'Light red', value: '#f4cccc' },
  { name: 'Light orange', value: '#fce5cd' },
  { name: 'Light yellow', value: '#fff2cc' },
  { name: 'Light green', value: '#d9ead3' },
  { name: 'Light cyan', value: '#d0e0e3' },
  { name: 'Light cornflower blue', value: '#c9daf8' },
  { name: 'Light blue', value: '#cfe2f3' },
  { name: 'Light purple', value: '#d9d2e9' },
  { name: 'Light magenta', value: '#ead1dc' },
  { name: 'Dark red berry', value: '#85200c' },
  { name: 'Dark red', value: '#990000' },
  { name: 'Dark orange', value: '#b45f06' },
  { name: 'Dark yellow', value: '#bf9000' },
  { name: 'Dark green', value: '#38761d' },
  { name: 'Dark cyan', value: '#134f5c' },
  { name: 'Dark cornflower blue', value: '#1155cc' },
  { name: 'Dark blue', value: '#0b5394' },
  { name: 'Dark purple', value: '#351c75' },
  { name: 'Dark magenta', value: '#741b47' },
];

/** Font sizes the size menu lists, in points. */
export const FONT_SIZES = [8, 9, 10, 11, 12, 14, 18, 24, 30, 36, 48, 60, 72, 96] as const;

/** Smallest and largest font size, in points (as Google Docs allows). */
export const MIN_FONT_SIZE = 1;
export const MAX_FONT_SIZE = 400;

/** Deepest paragraph indent, in steps. */
export const MAX_INDENT = 8;

/** Width of one indent step, in points (half an inch, as Google Docs). */
export const INDENT_STEP_PT = 36;
