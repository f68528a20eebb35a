import type { Node } from '@tiptap/pm/model';
import mammoth from 'mammoth';
import { ContentError } from '../../../shared/conversion';
import { ConversionError } from '../ConversionError';
import type { ContentLimits } from '../contentLimits';
import { parseWithLimits } from '../parseWithLimits';
import { checkMediaEntries, ImageImport, type ImageImportRules, type ImportedImage } from './importedImages';
import { ParagraphStyles } from './paragraphStyles';
import { openDocx, RunStyles } from './runStyles';
import { checkZip, DOCX_ZIP_LIMITS, type ZipLimits } from './zipLimits';

/** A .docx converted: the document, its pictures, and what was left out of it. */
export interface ImportedDocx {
  node: Node;
  /** The pictures the document shows, to store as its images (none without `ImageImportRules`). */
  images: ImportedImage[];
  /** Images in the file left out: all of them without `ImageImportRules`, else those in formats the editor does not show. */
  droppedImages: number;
}

type ConvertImage = NonNullable<Parameters<typeof mammoth.convertToHtml>[1]>['convertImage'];

/**
 * Converts a .docx file (untrusted bytes) to a document of the editor's schema: the archive's
 * directory is checked against `zipLimits` (and its pictures against the image limits) before
 * mammoth unpacks anything, mammoth turns the Word structure (headings, lists, bold, italic,
 * underline, strike, tables, links, pictures; paragraph alignment and indents by
 * `paragraphStyles.ts`; text colour, font size and highlight colours by `runStyles.ts`) into HTML, and
 * that HTML goes through the HTML import with its limits.
 * With `imageRules`, each picture is checked as an upload is and gets its address in the new
 * document (`importedImages.ts`); without, images are left out unread and counted.
 */
export async function importDocx(
  bytes: Uint8Array,
  limits: ContentLimits,
  zipLimits: ZipLimits = DOCX_ZIP_LIMITS,
  imageRules?: ImageImportRules,
): Promise<ImportedDocx> {
  const entries = checkZip(bytes, zipLimits);
  if (imageRules) checkMediaEntries(entries, imageRules);
  const pictures = imageRules ? new ImageImport(imageRules) : null;
  let droppedImages = 0;
  // mammoth turns an error in convertImage into a warning: the first one is kept here and thrown after.
  let refusal: unknown = null;
  const convertImage = ((element: { read(): Promise<Buffer> }, messages: unknown) => {
    if (!pictures || refusal) {
      droppedImages++;
      return Promise.resolve([]);
    }
    return element.read().then(
      (data) => {
        let src: string | null = null;
        try {
          src = pictures.add(data);
        } catch (error) {
          refusal ??= error;
        }
        if (src === null) return [];
        // Its address, in place of the bytes mammoth would otherwise write into the HTML; the alt text comes with it.
        const image = mammoth.images.imgElement(() => Promise.resolve({ src: src as string })) as unknown as (
          element: unknown,
          messages: unknown,
        ) => Promise<unknown[]>;
        return image(element, messages);
      },
      // A picture that cannot be read (one linked from outside the file, say) is left out too.
      () => {
        droppedImages++;
        return [];
      },
    );
  }) as unknown as ConvertImage;
  const paragraphs = new ParagraphStyles();
  const runs = new RunStyles();
  let html: string;
  try {
    // Unpacked once, for mammoth and for what `RunStyles` reads that mammoth does not.
    const file = await openDocx(bytes);
    await runs.read(file);
    const result = await mammoth.convertToHtml({ file } as unknown as { buffer: Buffer }, {
      convertImage,
      // mammoth leaves underlines out unless asked.
      styleMap: ['u => u'],
      transformDocument: (document: unknown) => paragraphs.transform(runs.transform(document)),
    });
    if (refusal) throw refusal;
    html = runs.apply(paragraphs.apply(result.value));
  } catch (error) {
    if (error instanceof ConversionError) throw error;
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
    return {
      node: parseWithLimits(html, 'html', limits),
      images: pictures ? [...pictures.images.values()] : [],
      droppedImages: droppedImages + (pictures?.dropped ?? 0),
    };
  } catch (error) {
    if (error instanceof ContentError) throw new ConversionError('invalid', `the .docx document could not be imported: ${error.message}`, 422);
    throw error;
  }
}

/** The note an import gives when it left images out (`imported`: whether it took the others), or null. */
export function droppedImagesNote(count: number, imported: boolean): string | null {
  if (count === 0) return null;
  const why = imported
    ? 'only PNG, JPEG, GIF and WebP pictures are imported from .docx files'
    : 'images are imported only when a .docx file creates a document';
  return `${count} image${count === 1 ? ' was' : 's were'} left out: ${why}; add ${count === 1 ? 'it' : 'them'} again in the editor`;
}
