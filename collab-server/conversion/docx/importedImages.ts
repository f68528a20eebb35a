import { createHash } from 'node:crypto';
import { imagePath } from '../../../shared/imagePaths';
import { capabilityOf, sizeText } from '../../images/imageCapability';
import { IMAGE_TYPE_NAMES, ImageProbe, type ImageType } from '../../images/imageFormat';
import { ConversionError } from '../ConversionError';
import type { ZipEntry } from './zipLimits';

/**
 * Where the images of an imported .docx go, and the limits they are held to, as an upload is:
 * the document they will belong to (`document`, unless the request names another), the image key
 * made for it (so their addresses can be written into the document before it exists), and the
 * server's image limits.
 */
export interface ImageImportRules {
  document: string;
  key: string;
  /** MAX_IMAGE_BYTES. */
  maxImageBytes: number;
  /** MAX_DOCUMENT_IMAGE_BYTES: all of the file's images together. */
  maxDocumentImageBytes: number;
  /** MAX_IMAGE_PIXELS. */
  maxImagePixels: number;
  /** Most distinct images one file may bring. */
  maxImages: number;
}

/** An image taken from an imported file, to store as a blob of the new document. */
export interface ImportedImage {
  hash: string;
  type: ImageType;
  bytes: Uint8Array;
}

/** Where a .docx keeps its pictures. */
const MEDIA_FOLDER = 'word/media/';

/**
 * Refuses (413), before anything is unpacked, a file whose picture parts break the image limits
 * by their directory sizes: more than `maxImages`, one larger than `maxImageBytes`, or more than
 * `maxDocumentImageBytes` together.
 */
export function checkMediaEntries(entries: ZipEntry[], rules: ImageImportRules): void {
  const media = entries.filter((entry) => entry.name.startsWith(MEDIA_FOLDER) && !entry.name.endsWith('/'));
  const refuse = (why: string) => new ConversionError('invalid', `the .docx file is refused: ${why}`, 413);
  if (media.length > rules.maxImages) throw refuse(`it holds ${media.length} images; at most ${rules.maxImages} are imported from one file`);
  let total = 0;
  for (const entry of media) {
    if (entry.uncompressedBytes > rules.maxImageBytes)
      throw refuse(
        `its image ${JSON.stringify(entry.name.slice(MEDIA_FOLDER.length))} is ${sizeText(entry.uncompressedBytes)}; ` +
          `the largest accepted is ${sizeText(rules.maxImageBytes)} (MAX_IMAGE_BYTES)`,
      );
    total += entry.uncompressedBytes;
  }
  if (total > rules.maxDocumentImageBytes)
    throw refuse(`its images add up to ${sizeText(total)}; a document keeps at most ${sizeText(rules.maxDocumentImageBytes)} (MAX_DOCUMENT_IMAGE_BYTES)`);
}

/**
 * Collects a file's pictures as mammoth reads them: each is checked as an upload is (its format
 * read from its bytes, its size and pixel count bounded), stored once however often it is shown,
 * and gets its address in the new document. A picture in a format the editor does not show (EMF,
 * TIFF, SVG…) is left out and counted.
 */
export class ImageImport {
  readonly images = new Map<string, ImportedImage>();
  private bytes = 0;
  dropped = 0;

  constructor(private readonly rules: ImageImportRules) {}

  /** The address of the picture `data`, or null when it is left out; throws ConversionError when it breaks a limit. */
  add(data: Uint8Array): string | null {
    const { rules } = this;
    const probe = new ImageProbe();
    probe.push(data);
    probe.end();
    const facts = probe.facts;
    if (!facts) {
      this.dropped += 1;
      return null;
    }
    if (data.byteLength > rules.maxImageBytes)
      throw new ConversionError(
        'invalid',
        `the .docx file is refused: one of its images is ${sizeText(data.byteLength)}; the largest accepted is ${sizeText(rules.maxImageBytes)} (MAX_IMAGE_BYTES)`,
        413,
      );
    if (facts.width * facts.height > rules.maxImagePixels)
      throw new ConversionError(
        'invalid',
        `the .docx file is refused: one of its images (${IMAGE_TYPE_NAMES[facts.type]}) is ${facts.width} × ${facts.height} pixels; ` +
          `the largest accepted is ${rules.maxImagePixels.toLocaleString('en')} pixels (MAX_IMAGE_PIXELS)`,
        422,
      );
    const hash = createHash('sha256').update(data).digest('hex');
    if (!this.images.has(hash)) {
      if (this.images.size >= rules.maxImages)
        throw new ConversionError('invalid', `the .docx file is refused: it holds more than ${rules.maxImages} images`, 413);
      if (this.bytes + data.byteLength > rules.maxDocumentImageBytes)
        throw new ConversionError(
          'invalid',
          `the .docx file is refused: its images add up to more than ${sizeText(rules.maxDocumentImageBytes)} (MAX_DOCUMENT_IMAGE_BYTES)`,
          413,
        );
      this.bytes += data.byteLength;
      // A copy that owns its buffer, so it moves to the main thread without copying again.
      this.images.set(hash, { hash, type: facts.type, bytes: new Uint8Array(data) });
    }
    return imagePath(this.rules.document, hash, capabilityOf(this.rules.key, hash));
  }
}
