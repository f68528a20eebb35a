import type { Node } from '@tiptap/pm/model';
import { storedImageOf } from '../../../shared/imagePaths';
import { ImageProbe } from '../../images/imageFormat';

/** A stored image of the document being exported, its bytes read from the store for the file to embed. */
export interface ExportImage {
  hash: string;
  /** Its media type as stored (`image/png`…). */
  type: string;
  bytes: Uint8Array;
}

/** The stored images an export may embed, and which document they belong to (an image of another document is only linked). */
export interface ExportImages {
  document: string;
  images: ExportImage[];
}

/** An image node's picture, ready to draw: its bytes, type and size in pixels as shown. */
export interface Picture {
  bytes: Uint8Array;
  type: 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
  /** Size as shown. */
  width: number;
  height: number;
  /** The file's own pixels (width × height). */
  pixels: number;
}

/**
 * Finds the pictures image nodes show: an image node whose address is a stored image of the
 * exported document gets its bytes, and the size it is shown at (the node's width and height
 * when set, else the file's own), scaled down to fit `maxWidth` pixels.
 */
export class PictureLookup {
  private readonly byHash = new Map<string, ExportImage>();
  private readonly document: string | undefined;

  constructor(images: ExportImages | undefined) {
    this.document = images?.document;
    for (const image of images?.images ?? []) this.byHash.set(image.hash, image);
  }

  /** The picture of image node `node`, or null when its bytes are not at hand (an outside address, another document's, or a format the file cannot hold). */
  of(node: Node, maxWidth: number): Picture | null {
    const src = typeof node.attrs.src === 'string' ? storedImageOf(node.attrs.src) : null;
    if (!src || src.document !== this.document) return null;
    const image = this.byHash.get(src.hash);
    if (!image) return null;
    const probe = new ImageProbe();
    probe.push(image.bytes);
    probe.end();
    if (!probe.facts) return null;
    const width = Number(node.attrs.width) || probe.facts.width;
    const height = Number(node.attrs.height) || (node.attrs.width ? Math.round((probe.facts.height * width) / probe.facts.width) : probe.facts.height);
    const scale = Math.min(1, maxWidth / width);
    return {
      bytes: image.bytes,
      type: probe.facts.type,
      width: Math.max(1, Math.round(width * scale)),
      height: Math.max(1, Math.round(height * scale)),
      pixels: probe.facts.width * probe.facts.height,
    };
  }
}

/** The stored images of `document` that `body` shows, by hash (what an export reads from the store). */
export function shownImages(body: Node, document: string): string[] {
  const hashes = new Set<string>();
  body.descendants((node) => {
    if (node.type.name !== 'image' || typeof node.attrs.src !== 'string') return true;
    const image = storedImageOf(node.attrs.src);
    if (image?.document === document) hashes.add(image.hash);
    return false;
  });
  return [...hashes];
}
