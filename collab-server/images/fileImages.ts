import type { BlobStore } from '../../persistence/BlobStore';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { ExportImage } from '../conversion/docx/embeddedImages';
import type { DocumentState, ExportFormat, ExportResult } from '../conversion/jobs';
import type { DocumentService } from '../documents/DocumentService';
import type { ImageService } from './ImageService';

/**
 * A document exported in the conversion pool; a .docx or PDF file gets the pictures it shows
 * embedded. A worker first names the stored images of this document the body shows, then their
 * bytes are read from the store (chunk by chunk, into one buffer each, moved to the worker, not
 * copied) and handed to the export. What an export holds is bounded by what the document may keep
 * (`MAX_DOCUMENT_IMAGE_BYTES`, enforced on every upload and import); `maxBytes` caps it again, so
 * a store holding more (from before a lower limit) links the rest instead.
 */
export async function exportWithImages(
  conversions: Pick<ConversionPool, 'run'>,
  blobs: Pick<BlobStore, 'getBlob'>,
  job: { name: string; state: DocumentState; format: ExportFormat; imageBase?: string; maxBytes: number },
): Promise<ExportResult> {
  const { name, state, format, imageBase } = job;
  if (format !== 'docx' && format !== 'pdf') return conversions.run({ kind: 'export', state, format, imageBase });
  // A job's buffers move to the worker: the first job gets a copy, so the export still has the state.
  const { hashes } = await conversions.run({ kind: 'images', state: state.map((update) => update.slice()), document: name });
  const images: ExportImage[] = [];
  let total = 0;
  for (const hash of hashes) {
    const blob = await blobs.getBlob(name, hash);
    if (!blob || total + blob.info.size > job.maxBytes) continue;
    const bytes = new Uint8Array(blob.info.size);
    let at = 0;
    for await (const chunk of blob.chunks) {
      // A blob longer than its description says is damaged: it is linked, not embedded.
      if (at + chunk.byteLength > bytes.byteLength) {
        at = -1;
        break;
      }
      bytes.set(chunk, at);
      at += chunk.byteLength;
    }
    if (at !== bytes.byteLength) continue;
    total += bytes.byteLength;
    images.push({ hash, type: blob.info.type, bytes });
  }
  return conversions.run({ kind: 'export', state, format, imageBase, images: { document: name, images } });
}

/**
 * Stores the pictures an import took from a file as the images of the document it just created;
 * when that fails, the document goes too, so no document shows images it does not have.
 */
export async function storeImportedImages(
  documents: Pick<DocumentService, 'delete'>,
  images: Pick<ImageService, 'storeImported'>,
  name: string,
  pictures: ReadonlyArray<{ type: string; bytes: Uint8Array }>,
): Promise<void> {
  if (pictures.length === 0) return;
  try {
    await images.storeImported(name, pictures);
  } catch (error) {
    await documents.delete(name).catch(() => false);
    throw error;
  }
}
