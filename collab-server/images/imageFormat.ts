/**
 * What an uploaded file is, read from its own bytes as they stream in: the image format from its
 * signature (never from a name or a declared type), and the pixel size from its header, so an
 * image that would decode to far more pixels than its bytes suggest (a "decompression bomb") is
 * refused before it is stored. No pixel is decoded. Formats: PNG, JPEG, GIF and WebP. SVG is
 * recognised only to refuse it by name: it is a document that can carry scripts and load other
 * addresses, not a picture.
 */

/** The image types Quire stores, as media types. */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'] as const;
export type ImageType = (typeof IMAGE_TYPES)[number];

/** The name a person knows each type by, for messages. */
export const IMAGE_TYPE_NAMES: Record<ImageType, string> = { 'image/png': 'PNG', 'image/jpeg': 'JPEG', 'image/gif': 'GIF', 'image/webp': 'WebP' };

/** The file extension of each type (for `Content-Disposition`). */
export const IMAGE_EXTENSIONS: Record<ImageType, string> = { 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif', 'image/webp': 'webp' };

/** What the header of an image says. */
export interface ImageFacts {
  type: ImageType;
  width: number;
  height: number;
}

/** True for a type Quire stores. */
export function isImageType(type: unknown): type is ImageType {
  return typeof type === 'string' && (IMAGE_TYPES as readonly string[]).includes(type);
}

/** Bytes of the start of a file that tell its format, and that PNG, GIF and WebP need for their size. */
const HEAD_BYTES = 32;

/**
 * Reads the format and pixel size of an image from its bytes as they arrive (`push` each chunk),
 * holding at most a few dozen of them. `facts` is set once both are known; `problem` once the
 * bytes cannot be an accepted image, saying what they are instead.
 */
export class ImageProbe {
  facts: ImageFacts | null = null;
  problem: string | null = null;
  /** The format, once the first bytes told it. */
  type: ImageType | null = null;
  private head: Buffer = Buffer.alloc(0);
  private jpeg: JpegScanner | null = null;

  /** Reads the next bytes of the file. */
  push(chunk: Uint8Array): void {
    if (this.facts || this.problem) return;
    if (this.jpeg) {
      this.scanJpeg(chunk);
      return;
    }
    const taken = chunk.subarray(0, HEAD_BYTES - this.head.byteLength);
    this.head = Buffer.concat([this.head, taken]);
    if (this.type === null) {
      const { type, problem } = formatOf(this.head);
      if (problem) this.problem = problem;
      if (type === null) return;
      this.type = type;
      if (type === 'image/jpeg') {
        // A JPEG's size can be far into the file: from here on its segments are walked instead.
        this.jpeg = new JpegScanner();
        this.scanJpeg(this.head);
        this.scanJpeg(chunk.subarray(taken.byteLength));
        return;
      }
    }
    const size = headerSize(this.type, this.head);
    if (size === 'unknown') this.problem = `the ${IMAGE_TYPE_NAMES[this.type]} header is damaged: it does not give the image's size`;
    else if (size) this.facts = { type: this.type, ...size };
  }

  /** Call after the last byte: a file that ended before its size was known is a problem then. */
  end(): void {
    if (this.facts || this.problem) return;
    this.problem =
      this.type === null
        ? this.head.byteLength === 0
          ? 'the file is empty'
          : 'the file is too short to be an image'
        : `the ${IMAGE_TYPE_NAMES[this.type]} file ends before its header gives the image's size`;
  }

  private scanJpeg(chunk: Uint8Array): void {
    if (this.facts || this.problem) return;
    const scanner = this.jpeg as JpegScanner;
    const size = scanner.push(chunk);
    if (size) this.facts = { type: 'image/jpeg', ...size };
    else if (scanner.problem) this.problem = scanner.problem;
  }
}

/** The format the first bytes of a file show, or why they show none Quire accepts (null `type` and no problem: too few bytes yet). */
function formatOf(head: Buffer): { type: ImageType | null; problem: string | null } {
  const startsWith = (bytes: number[] | string, at = 0) => {
    const wanted = typeof bytes === 'string' ? Buffer.from(bytes, 'latin1') : Buffer.from(bytes);
    return head.byteLength >= at + wanted.byteLength && head.subarray(at, at + wanted.byteLength).equals(wanted);
  };
  if (startsWith([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])) return { type: 'image/png', problem: null };
  if (startsWith([0xff, 0xd8, 0xff])) return { type: 'image/jpeg', problem: null };
  if (startsWith('GIF87a') || startsWith('GIF89a')) return { type: 'image/gif', problem: null };
  if (startsWith('RIFF') && startsWith('WEBP', 8)) return { type: 'image/webp', problem: null };
  if (head.byteLength < 12) return { type: null, problem: null };
  const text = head
    .toString('latin1')
    .replace(/^\uFEFF|^\u00EF\u00BB\u00BF/, '')
    .trimStart()
    .toLowerCase();
  if (text.startsWith('<svg') || text.startsWith('<?xml') || text.startsWith('<!doctype svg')) {
    return { type: null, problem: 'SVG images are not accepted: an SVG is a document that can run scripts and load other addresses; convert it to PNG' };
  }
  if (text.startsWith('<')) return { type: null, problem: 'the file is markup (HTML or XML), not an image' };
  if (startsWith('%PDF')) return { type: null, problem: 'the file is a PDF, not an image' };
  return { type: null, problem: 'the file is not a PNG, JPEG, GIF or WebP image' };
}

/** The pixel size in the header of a PNG, GIF or WebP; null while more bytes are needed, 'unknown' when the header is damaged. */
function headerSize(type: ImageType, head: Buffer): { width: number; height: number } | null | 'unknown' {
  switch (type) {
    case 'image/png':
      // The first chunk must be IHDR: length 13, then width and height, big-endian.
      if (head.byteLength < 24) return null;
      if (head.readUInt32BE(8) !== 13 || head.toString('latin1', 12, 16) !== 'IHDR') return 'unknown';
      return { width: head.readUInt32BE(16), height: head.readUInt32BE(20) };
    case 'image/gif':
      if (head.byteLength < 10) return null;
      return { width: head.readUInt16LE(6), height: head.readUInt16LE(8) };
    case 'image/webp': {
      if (head.byteLength < 30) return null;
      const chunk = head.toString('latin1', 12, 16);
      if (chunk === 'VP8 ') {
        // Lossy: a key frame's start code, then 14-bit width and height.
        if (head[23] !== 0x9d || head[24] !== 0x01 || head[25] !== 0x2a) return 'unknown';
        return { width: head.readUInt16LE(26) & 0x3fff, height: head.readUInt16LE(28) & 0x3fff };
      }
      if (chunk === 'VP8L') {
        // Lossless: a signature byte, then width − 1 and height − 1 in 14 bits each.
        if (head[20] !== 0x2f) return 'unknown';
        const bits = head.readUInt32LE(21);
        return { width: (bits & 0x3fff) + 1, height: ((bits >> 14) & 0x3fff) + 1 };
      }
      if (chunk === 'VP8X') {
        // Extended (animation, alpha): the canvas' width − 1 and height − 1 in 24 bits each.
        return { width: head.readUIntLE(24, 3) + 1, height: head.readUIntLE(27, 3) + 1 };
      }
      return 'unknown';
    }
    default:
      return null;
  }
}

/**
 * Walks the segments of a JPEG as its bytes arrive, skipping each by its length, until a
 * start-of-frame segment gives the size. Holds at most the few bytes of one segment header.
 */
class JpegScanner {
  problem: string | null = null;
  /** Bytes of the current segment still to skip. */
  private skip = 0;
  /** The bytes of a marker and segment header being read (at most 9). */
  private header: number[] = [];
  /** Past the first two bytes (the start-of-image marker). */
  private started = false;

  push(chunk: Uint8Array): { width: number; height: number } | null {
    let offset = 0;
    if (!this.started) {
      this.header.push(...chunk.subarray(0, 2 - this.header.length));
      offset = Math.min(chunk.byteLength, 2);
      if (this.header.length < 2) return null;
      this.started = true;
      this.header = [];
    }
    while (offset < chunk.byteLength) {
      if (this.skip > 0) {
        const step = Math.min(this.skip, chunk.byteLength - offset);
        this.skip -= step;
        offset += step;
        continue;
      }
      const byte = chunk[offset++];
      const header = this.header;
      if (header.length === 0) {
        if (byte !== 0xff) return this.fail('a JPEG segment does not start with a marker');
        header.push(byte);
        continue;
      }
      if (header.length === 1) {
        // Fill bytes (0xff) may stand between segments.
        if (byte === 0xff) continue;
        header.push(byte);
        // Markers that stand alone: restart markers, TEM, a second start-of-image.
        if ((byte >= 0xd0 && byte <= 0xd8) || byte === 0x01) this.header = [];
        else if (byte === 0xd9 || byte === 0xda) return this.fail('the JPEG has no frame header before its image data, so its size is unknown');
        continue;
      }
      header.push(byte);
      if (header.length < 4) continue;
      const marker = header[1];
      const length = (header[2] << 8) | header[3];
      if (length < 2) return this.fail('a JPEG segment has an impossible length');
      if (!isStartOfFrame(marker)) {
        this.skip = length - 2;
        this.header = [];
        continue;
      }
      // Start of frame: precision, then height and width, big-endian.
      if (header.length < 9) continue;
      return { height: (header[5] << 8) | header[6], width: (header[7] << 8) | header[8] };
    }
    return null;
  }

  private fail(problem: string): null {
    this.problem = problem;
    return null;
  }
}

/** SOF0–SOF15 but DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}
