import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { type Font, openSync } from 'fontkit';

/** The styles of text a PDF is drawn in. */
export type FontStyle = 'regular' | 'bold' | 'italic' | 'boldItalic' | 'code';

const require = createRequire(import.meta.url);

/** Noto Sans (npm `@expo-google-fonts/noto-sans`): Latin, Greek and Cyrillic scripts, and many symbols. */
const noto = (weight: string) => require.resolve(`@expo-google-fonts/noto-sans/${weight}/NotoSans_${weight}.ttf`);

/**
 * Fonts for the scripts Noto Sans lacks (Chinese, Japanese, Korean…), used when the system has
 * one: Debian's `fonts-droid-fallback`, `fonts-noto-cjk` or `fonts-wqy-zenhei`. Best effort: with
 * none of them, those characters are drawn in Noto Sans, which shows them as empty boxes.
 */
const FALLBACK_FONTS: ReadonlyArray<{ path: string; family?: string }> = [
  { path: '/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf' },
  { path: '/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc', family: 'NotoSansCJKsc-Regular' },
  { path: '/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc', family: 'WenQuanYiZenHei' },
];

/** A piece of text and the font that draws it. */
export interface FontPiece {
  text: string;
  font: string;
}

/**
 * The fonts of one PDF, embedded (pdfkit keeps only the glyphs used): Noto Sans in four styles,
 * Courier (a standard PDF font) for code that it covers, and a system font for characters Noto
 * Sans has no glyph for. `pieces` splits text between them.
 */
export class PdfFonts {
  private readonly main: Font;
  private readonly fallback: { font: Font; name: string } | null = null;

  constructor(pdf: PDFKit.PDFDocument) {
    const files: Record<Exclude<FontStyle, 'code'>, string> = {
      regular: noto('400Regular'),
      bold: noto('700Bold'),
      italic: noto('400Regular_Italic'),
      boldItalic: noto('700Bold_Italic'),
    };
    for (const [style, path] of Object.entries(files)) pdf.registerFont(style, path);
    this.main = openSync(files.regular);
    const found = FALLBACK_FONTS.find((candidate) => existsSync(candidate.path));
    if (found) {
      try {
        this.fallback = { font: openSync(found.path, found.family), name: 'fallback' };
        pdf.registerFont('fallback', found.path, found.family as string);
      } catch {
        // An unreadable system font: its characters are drawn in Noto Sans.
      }
    }
  }

  /** `text` in style `style`, cut where the font that has its characters changes. */
  pieces(text: string, style: FontStyle): FontPiece[] {
    // Courier (WinAnsi) covers the Latin-1 characters; code with others is drawn in Noto Sans.
    if (style === 'code') return /^[\n\t\u0020-\u007e\u00a0-\u00ff]*$/.test(text) ? [{ text, font: 'Courier' }] : this.pieces(text, 'regular');
    // Latin-1 text is all Noto Sans: most text needs no look-up per character.
    if (!this.fallback || /^[\n\t\u0020-\u00ff]*$/.test(text)) return [{ text, font: style }];
    const out: FontPiece[] = [];
    for (const character of text) {
      const code = character.codePointAt(0) as number;
      const font = this.main.hasGlyphForCodePoint(code) || !this.fallback.font.hasGlyphForCodePoint(code) ? style : this.fallback.name;
      const last = out.at(-1);
      if (last && last.font === font) last.text += character;
      else out.push({ text: character, font });
    }
    return out;
  }
}
