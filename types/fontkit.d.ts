declare module 'fontkit' {
  /** A font file opened by fontkit (the part of its API Quire uses; fontkit ships no types). */
  export interface Font {
    /** Whether the font has a glyph for the Unicode code point. */
    hasGlyphForCodePoint(codePoint: number): boolean;
  }
  /** Opens the font file at `path`; `postscriptName` picks one font of a collection (.ttc). */
  export function openSync(path: string, postscriptName?: string): Font;
}
