import type { Node } from '@tiptap/pm/model';
import mammoth from 'mammoth';
import { ContentError } from '../../../shared/conversion';
import { ConversionError } from '../ConversionError';
import type { ContentLimits } from '../contentLimits';
import { parseWithLimits } from '../parseWithLimits';
import { checkZip, DOCX_ZIP_LIMITS, type ZipLimits } from './zipLimits';

/** A .docx converted: the document, and what was left out of it. */
export interface ImportedDocx {
  node: Node;
  /** Images in the file, left out (their bytes are never read). */
  droppedImages: number;
}

/**
 * Converts a .docx file (untrusted bytes) to a document of the editor's schema: the archive's
 * directory is checked against `zipLimits` before mammoth unpacks anything, mammoth turns the
 * Word structure (headings, lists, bold…, tables, links) into HTML, and that HTML goes through the
 * HTML import with its limits. Images are left out and counted, so the import can say so.
 */
export async function importDocx(bytes: Uint8Array, limits: ContentLimits, zipLimits: ZipLimits = DOCX_ZIP_LIMITS): Promise<ImportedDocx> {
  checkZip(bytes, zipLimits);
  let droppedImages = 0;
  let html: string;
  try {
    const result = await mammoth.convertToHtml(
      { buffer: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) },
      {
        // An image becomes nothing: its bytes stay packed in the archive.
        convertImage: (() => {
          droppedImages++;
          return Promise.resolve([]);
        }) as unknown as NonNullable<Parameters<typeof mammoth.convertToHtml>[1]>['convertImage'],
      },
    );
    html = result.value;
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    // jszip checks each part's size as it unpacks it: a part larger than its directory says is a crafted or damaged file.
    if (/size mismatch/.test(why))
      throw new ConversionError(
        'invalid',
        'the .docx file is refused: a part unpacks to another size than its zip directory declares (a damaged or crafted file)',
        422,
      );
    throw new ConversionError(
      'invalid',
      `the file is not a .docx document that can be read (${why.slice(0, 200)}); a Word document saved as .docx is expected`,
      422,
    );
  }
  try {
    return { node: parseWithLimits(html, 'html', limits), droppedImages };
  } catch (error) {
    if (error instanceof ContentError) throw new ConversionError('invalid', `the .docx document could not be imported: ${error.message}`, 422);
    throw error;
  }
}

/** The note an import gives when it left images out, or null. */
export function droppedImagesNote(count: number): string | null {
  return count === 0 ? null : `${count} image${count === 1 ? ' was' : 's were'} left out: images in .docx files are not imported; add them again in the editor`;
}
