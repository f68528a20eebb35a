import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import mammoth from 'mammoth';
import { INDENT_STEP_PT, MAX_INDENT } from '../../../shared/formatPalette';

const require = createRequire(import.meta.url);
/** mammoth's document model: its run and text makers (`mammoth/lib/documents`, which its public API does not export). */
const documents = require('mammoth/lib/documents') as { Run(children: unknown[]): unknown; Text(value: string): unknown };
/** mammoth's document transforms (exported as `mammoth.transforms`, missing from its types). */
const transforms = (mammoth as unknown as { transforms: { paragraph<T>(transform: (paragraph: T) => T): (document: unknown) => unknown } }).transforms;

/** Word's paragraph alignments (`w:jc`) as the editor's. */
const ALIGNMENTS: Record<string, string> = { center: 'center', right: 'right', end: 'right', both: 'justify', distribute: 'justify' };

interface MammothParagraph {
  type: 'paragraph';
  children: unknown[];
  alignment?: string;
  numbering?: unknown;
  indent?: { start?: string | null };
}

/**
 * Paragraph alignment and indent through mammoth, which reads them from a .docx but writes no
 * style into its HTML: each aligned or indented paragraph gets a first run of text holding them
 * between invisible separators and a code made for this file (so no text of the file can pass for
 * one), and `apply` turns those runs into the paragraph's `text-align` and `data-indent`, as the
 * HTML import reads them. Only values from the lists here are ever written.
 */
export class ParagraphStyles {
  private readonly code = randomBytes(8).toString('hex');

  /** mammoth's `transformDocument`: marks each aligned or indented paragraph. */
  readonly transform = transforms.paragraph((paragraph: MammothParagraph) => {
    const align = ALIGNMENTS[paragraph.alignment ?? ''] ?? '';
    // One step is INDENT_STEP_PT points, 20 twips each; a list's own indent is its nesting.
    const twips = paragraph.numbering ? 0 : Number(paragraph.indent?.start ?? 0) || 0;
    const indent = Math.min(MAX_INDENT, Math.max(0, Math.round(twips / (INDENT_STEP_PT * 20))));
    if ((!align && indent === 0) || paragraph.children.length === 0) return paragraph;
    const marker = documents.Run([documents.Text(`\u2063${this.code}|${align}|${indent || ''}\u2063`)]);
    return { ...paragraph, children: [marker, ...paragraph.children] };
  });

  /** mammoth's HTML with each marker made into its paragraph's style (or dropped where no paragraph or heading holds it). */
  apply(html: string): string {
    const marker = `\u2063${this.code}\\|(\\w*)\\|(\\d*)\u2063`;
    return html
      .replace(new RegExp(`<(p|h[1-6])>${marker}`, 'g'), (_whole, tag: string, align: string, indent: string) => {
        const style = align ? ` style="text-align: ${align}"` : '';
        return `<${tag}${style}${indent ? ` data-indent="${indent}"` : ''}>`;
      })
      .replace(new RegExp(marker, 'g'), '');
  }
}
