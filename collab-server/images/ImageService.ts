import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { BlobInfo, BlobStore, StoredBlob } from '../../persistence/BlobStore';
import type { DocumentStore } from '../../persistence/DocumentStore';
import { imagePath, parseImageFile } from '../../shared/imagePaths';
import type { ImageImportRules } from '../conversion/docx/importedImages';
import { HttpError } from '../http/Router';
import { RateLimit } from '../net/RateLimit';
import { capabilityOf, IMAGE_KEY_PROPERTY, sizeText } from './imageCapability';
import { IMAGE_TYPE_NAMES, IMAGE_TYPES, type ImageFacts, ImageProbe, type ImageType, isImageType } from './imageFormat';

/** A refusal that passes: retry after `seconds` (sent as Retry-After). */
export class RetryLater extends HttpError {
  constructor(
    status: 429 | 503,
    message: string,
    readonly seconds: number,
  ) {
    super(status, message);
  }
}

/** Most distinct pictures one imported file may bring. */
export const MAX_IMPORTED_IMAGES = 200;

/** The properties a new document made by an import with `rules` is created with: its image key, when the import kept pictures. */
export function importedProperties(rules: ImageImportRules, images: readonly unknown[]): Record<string, string> {
  return images.length > 0 ? { [IMAGE_KEY_PROPERTY]: rules.key } : {};
}

/** Uploads in flight at once, for the whole server and per client address (each holds about a megabyte). */
const MAX_UPLOADS_IN_FLIGHT = 16;
const MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS = 4;

export interface ImageServiceOptions {
  store: DocumentStore & BlobStore;
  /** MAX_IMAGE_BYTES. */
  maxImageBytes: number;
  /** MAX_DOCUMENT_IMAGE_BYTES: all image files of one document together. */
  maxDocumentImageBytes: number;
  /** MAX_IMAGE_PIXELS. */
  maxImagePixels: number;
  /** MAX_IMAGE_UPLOADS_PER_MINUTE, per client address and per user. */
  uploadsPerMinute: number;
}

/** An upload as the HTTP route hands it over. */
export interface ImageUpload {
  /** The document. */
  name: string;
  /** The request's Content-Type. */
  declaredType: string | undefined;
  /** The request's Content-Length (undefined when it has none). */
  length: number | undefined;
  body: AsyncIterable<Uint8Array>;
  /** Who uploads: the client address and the token's subject, each with its own budget. */
  address: string;
  user: string;
}

/** A stored image, as the API describes it. */
export interface StoredImage {
  /** The image's address, a path on this server (what a document's image `src` holds). */
  src: string;
  hash: string;
  type: string;
  size: number;
  createdAt: number;
}

/**
 * Images kept by the server: uploads checked and stored in the document store as blobs of their
 * document, and reads of them by address. Every upload is untrusted: its size is bounded before
 * and while it is read (`MAX_IMAGE_BYTES`, `MAX_DOCUMENT_IMAGE_BYTES`), its type is read from its
 * bytes and must agree with the declared one, its pixel size is read from its header and bounded
 * (`MAX_IMAGE_PIXELS`), it streams into the store a chunk at a time, and each address and user has a
 * budget of uploads. Refusals are `HttpError`s saying what was wrong and what is accepted.
 *
 * An image's address carries a capability: an HMAC of the file's hash under a random key kept with
 * the document, so only someone who was given the address (by reading the document) can load it,
 * and nobody can tell whether a document holds a picture they have a copy of.
 */
export class ImageService {
  private readonly store: DocumentStore & BlobStore;
  private readonly addressBudget: RateLimit;
  private readonly userBudget: RateLimit;
  /** Bytes of uploads under way per document, counted against its total before they are stored. */
  private readonly reserved = new Map<string, number>();
  private readonly inFlight = new Map<string, number>();
  private uploads = 0;
  /** Keys being created, so two first uploads to a document agree on one. */
  private readonly keys = new Map<string, Promise<string>>();

  /** Uploads being read and stored now. */
  get uploadsInFlight(): number {
    return this.uploads;
  }

  /** The store the images are kept in (exports read them from it). */
  get blobs(): BlobStore {
    return this.store;
  }

  /** The image limits, for imports that check a file's images in a conversion worker. */
  get limits(): Pick<ImageServiceOptions, 'maxImageBytes' | 'maxDocumentImageBytes' | 'maxImagePixels'> {
    return this.options;
  }

  /** The rules a .docx import into new document `document` keeps its pictures by, with a new image key for it. */
  importRules(document: string): ImageImportRules {
    const { maxImageBytes, maxDocumentImageBytes, maxImagePixels } = this.options;
    return { document, key: randomBytes(32).toString('base64url'), maxImageBytes, maxDocumentImageBytes, maxImagePixels, maxImages: MAX_IMPORTED_IMAGES };
  }

  /**
   * Stores the images an import took from a file, already checked in a conversion worker as an
   * upload is (format from the bytes, size, pixels, the document's total): as blobs of the new
   * document `name`, created with the image key of `rules` (`importedProperties`).
   */
  async storeImported(name: string, images: ReadonlyArray<{ type: string; bytes: Uint8Array }>): Promise<void> {
    const stored = ((await this.store.listBlobs(name)) ?? []).reduce((sum, blob) => sum + blob.size, 0);
    const adding = images.reduce((sum, image) => sum + image.bytes.byteLength, 0);
    if (stored + adding > this.options.maxDocumentImageBytes)
      throw new HttpError(
        413,
        `the images add up to ${sizeText(stored + adding)}; a document keeps at most ${sizeText(this.options.maxDocumentImageBytes)} (MAX_DOCUMENT_IMAGE_BYTES)`,
      );
    for (const image of images) await this.store.putBlob(name, { type: image.type }, [image.bytes]);
  }

  constructor(private readonly options: ImageServiceOptions) {
    this.store = options.store;
    this.addressBudget = new RateLimit(options.uploadsPerMinute);
    this.userBudget = new RateLimit(options.uploadsPerMinute);
  }

  /** Checks and stores an upload; resolves with the stored image, its address included. */
  async upload(upload: ImageUpload): Promise<StoredImage & ImageFacts> {
    const { name, length, address } = upload;
    const declared = declaredImageType(upload.declaredType);
    if (length === undefined) throw new HttpError(411, 'send the image with a Content-Length header (its size in bytes)');
    if (length > this.options.maxImageBytes) {
      throw new HttpError(413, `the image is ${sizeText(length)}; the largest accepted is ${sizeText(this.options.maxImageBytes)} (MAX_IMAGE_BYTES)`);
    }
    for (const [budget, key] of [
      [this.addressBudget, address],
      [this.userBudget, upload.user],
    ] as const) {
      const wait = budget.take(key);
      if (wait > 0) throw new RetryLater(429, `too many image uploads; retry in ${wait} s`, wait);
    }
    if (this.uploads >= MAX_UPLOADS_IN_FLIGHT) throw new RetryLater(503, 'the server is storing many images right now; retry in a moment', 2);
    if ((this.inFlight.get(address) ?? 0) >= MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS) {
      throw new RetryLater(429, `at most ${MAX_UPLOADS_IN_FLIGHT_PER_ADDRESS} uploads at a time from one address; wait for one to finish`, 2);
    }
    this.uploads += 1;
    this.inFlight.set(address, (this.inFlight.get(address) ?? 0) + 1);
    try {
      if (!(await this.store.getMeta(name))) throw new HttpError(404, `document ${JSON.stringify(name)} does not exist`);
      return await this.storeChecked(upload, declared, length);
    } finally {
      this.uploads -= 1;
      const left = (this.inFlight.get(address) ?? 1) - 1;
      if (left > 0) this.inFlight.set(address, left);
      else this.inFlight.delete(address);
    }
  }

  /** The image at `file` (`<hash>.<capability>`) of document `name`, or null when the address opens nothing. */
  async open(name: string, file: string): Promise<StoredBlob | null> {
    const parsed = parseImageFile(file);
    if (!parsed) return null;
    const key = (await this.store.getMeta(name))?.properties[IMAGE_KEY_PROPERTY];
    if (!key || !sameText(parsed.capability, capabilityOf(key, parsed.hash))) return null;
    return this.store.getBlob(name, parsed.hash);
  }

  /** Every stored image of document `name`, with its address; null when it does not exist. */
  async list(name: string): Promise<StoredImage[] | null> {
    const blobs = await this.store.listBlobs(name);
    if (!blobs) return null;
    if (blobs.length === 0) return [];
    const key = await this.keyOf(name);
    return blobs.map((blob) => storedImage(name, key, blob));
  }

  private async storeChecked(upload: ImageUpload, declared: ImageType, length: number): Promise<StoredImage & ImageFacts> {
    const { name } = upload;
    const stored = ((await this.store.listBlobs(name)) ?? []).reduce((sum, blob) => sum + blob.size, 0);
    const reserved = this.reserved.get(name) ?? 0;
    if (stored + reserved + length > this.options.maxDocumentImageBytes) {
      throw new HttpError(
        413,
        `this document holds ${sizeText(stored + reserved)} of images; adding ${sizeText(length)} would pass its limit of ` +
          `${sizeText(this.options.maxDocumentImageBytes)} (MAX_DOCUMENT_IMAGE_BYTES)`,
      );
    }
    this.reserved.set(name, reserved + length);
    try {
      const probe = new ImageProbe();
      const blob = await this.store.putBlob(name, { type: declared }, this.checked(upload.body, probe, declared, length));
      const facts = probe.facts as ImageFacts;
      return { ...storedImage(name, await this.keyOf(name), blob), ...facts };
    } finally {
      const left = (this.reserved.get(name) ?? length) - length;
      if (left > 0) this.reserved.set(name, left);
      else this.reserved.delete(name);
    }
  }

  /**
   * The upload's bytes as they arrive, each chunk checked before it goes on to the store: no more
   * than announced, an accepted format that agrees with the declared type, a pixel size within the
   * limit. Throwing stops the store, which keeps nothing of it.
   */
  private async *checked(body: AsyncIterable<Uint8Array>, probe: ImageProbe, declared: ImageType, length: number): AsyncGenerator<Uint8Array> {
    let received = 0;
    for await (const chunk of body) {
      received += chunk.byteLength;
      if (received > length) throw new HttpError(400, `the body holds more than the ${length} bytes its Content-Length announced`);
      probe.push(chunk);
      this.assertAcceptable(probe, declared);
      yield chunk;
    }
    if (received < length) throw new HttpError(400, `the body ended after ${received} of the ${length} bytes its Content-Length announced`);
    probe.end();
    this.assertAcceptable(probe, declared);
  }

  private assertAcceptable(probe: ImageProbe, declared: ImageType): void {
    if (probe.problem) throw new HttpError(415, `not an image Quire accepts: ${probe.problem}`);
    if (probe.type && probe.type !== declared) {
      throw new HttpError(
        415,
        `the file is a ${IMAGE_TYPE_NAMES[probe.type]} image but was sent as ${declared}; send it as ${probe.type} (its type is read from its bytes, not from its name)`,
      );
    }
    const facts = probe.facts;
    if (!facts) return;
    if (facts.width < 1 || facts.height < 1)
      throw new HttpError(422, `the image's header says it is ${facts.width} × ${facts.height} pixels: it has no pixels`);
    if (facts.width * facts.height > this.options.maxImagePixels) {
      throw new HttpError(
        422,
        `the image is ${facts.width} × ${facts.height} pixels (${megapixels(facts.width * facts.height)}); ` +
          `the largest accepted is ${megapixels(this.options.maxImagePixels)} (MAX_IMAGE_PIXELS)`,
      );
    }
  }

  /** The document's image key, created on first use (in its properties, so backups and restores keep every address working). */
  private async keyOf(name: string): Promise<string> {
    const existing = (await this.store.getMeta(name))?.properties[IMAGE_KEY_PROPERTY];
    if (existing) return existing;
    let creating = this.keys.get(name);
    if (!creating) {
      creating = this.store
        .updateMeta(name, { properties: { [IMAGE_KEY_PROPERTY]: randomBytes(32).toString('base64url') } })
        .then((meta) => meta.properties[IMAGE_KEY_PROPERTY])
        .finally(() => this.keys.delete(name));
      this.keys.set(name, creating);
    }
    return creating;
  }
}

function storedImage(name: string, key: string, { hash, type, size, createdAt }: BlobInfo): StoredImage {
  return { src: imagePath(name, hash, capabilityOf(key, hash)), hash, type, size, createdAt };
}

/** The declared type of an upload as one of the accepted types, or the refusal saying what to send. */
function declaredImageType(header: string | undefined): ImageType {
  const type = (header ?? '').split(';', 1)[0].trim().toLowerCase();
  // Names some systems give JPEG files.
  const canonical = type === 'image/jpg' || type === 'image/pjpeg' ? 'image/jpeg' : type;
  if (isImageType(canonical)) return canonical;
  if (canonical === 'image/svg+xml') {
    throw new HttpError(415, 'SVG images are not accepted: an SVG is a document that can run scripts and load other addresses; convert it to PNG');
  }
  throw new HttpError(415, `send the image with its type as Content-Type: one of ${IMAGE_TYPES.join(', ')} (got ${JSON.stringify(type || 'none')})`);
}

function sameText(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.byteLength === right.byteLength && timingSafeEqual(left, right);
}

function megapixels(pixels: number): string {
  return `${(pixels / 1_000_000).toLocaleString('en', { maximumFractionDigits: 1 })} megapixels`;
}
