import { crc32, deflateSync } from 'node:zlib';

/**
 * Image files for tests, built byte by byte: real, decodable PNGs and GIFs of any size and color,
 * and the headers of JPEGs and WebPs (what the server reads of them), so hostile variants (a tiny
 * file declaring 100,000 × 100,000 pixels, a frame header behind large metadata) are easy to make.
 */

function pngChunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.byteLength);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/**
 * A valid RGB PNG of `width` × `height` pixels filled with `rgb`. `noise` adds that many bytes of
 * random-looking rows (an incompressible text chunk), to make a file of a given size.
 */
export function pngImage(width: number, height: number, rgb: [number, number, number] = [200, 40, 40], noise = 0): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bits per channel
  header[9] = 2; // RGB
  const row = Buffer.alloc(1 + width * 3);
  for (let x = 0; x < width; x++) row.set(rgb, 1 + x * 3);
  const pixels = deflateSync(Buffer.concat(Array.from({ length: height }, () => row)));
  const chunks = [pngChunk('IHDR', header)];
  if (noise > 0) {
    const filler = Buffer.alloc(noise);
    let state = 12345;
    for (let i = 0; i < noise; i++) {
      state = (state * 1103515245 + 12345) & 0x7fffffff;
      filler[i] = 32 + (state % 90);
    }
    chunks.push(pngChunk('tEXt', Buffer.concat([Buffer.from('Comment\u0000', 'latin1'), filler])));
  }
  chunks.push(pngChunk('IDAT', pixels), pngChunk('IEND', Buffer.alloc(0)));
  return Buffer.concat([PNG_SIGNATURE, ...chunks]);
}

/** A PNG whose header declares `width` × `height` pixels, with almost no pixel data (a decompression bomb's shape). */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8;
  header[9] = 2;
  return Buffer.concat([PNG_SIGNATURE, pngChunk('IHDR', header), pngChunk('IDAT', deflateSync(Buffer.alloc(1024))), pngChunk('IEND', Buffer.alloc(0))]);
}

/** A valid one-pixel GIF declaring `width` × `height` in its screen descriptor. */
export function gifImage(width = 1, height = 1): Buffer {
  const screen = Buffer.alloc(7);
  screen.writeUInt16LE(width, 0);
  screen.writeUInt16LE(height, 2);
  screen[4] = 0x80; // a global color table of two entries
  return Buffer.concat([
    Buffer.from('GIF89a', 'latin1'),
    screen,
    Buffer.from([0xff, 0xff, 0xff, 0x00, 0x00, 0x00]),
    Buffer.from([0x2c, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0x02, 0x02, 0x44, 0x01, 0x00, 0x3b]),
  ]);
}

/** The start of a JPEG: start of image, a JFIF segment, `metadataBytes` of EXIF-like metadata, then a frame header of `width` × `height`. */
export function jpegHeader(width: number, height: number, metadataBytes = 0): Buffer {
  const segment = (marker: number, data: Buffer) => {
    const head = Buffer.from([0xff, marker, 0, 0]);
    head.writeUInt16BE(data.byteLength + 2, 2);
    return Buffer.concat([head, data]);
  };
  const app1 = [];
  for (let left = metadataBytes; left > 0; left -= 65_000) app1.push(segment(0xe1, Buffer.alloc(Math.min(left, 65_000), 0x45)));
  const frame = Buffer.from([8, 0, 0, 0, 0, 3, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1]);
  frame.writeUInt16BE(height, 1);
  frame.writeUInt16BE(width, 3);
  return Buffer.concat([
    Buffer.from([0xff, 0xd8]),
    segment(0xe0, Buffer.from('JFIF\u0000\u0001\u0001\u0000\u0000\u0001\u0000\u0001\u0000\u0000', 'latin1')),
    ...app1,
    Buffer.from([0xff, 0xff]), // a fill byte, as encoders may put between segments
    segment(0xc0, frame),
    segment(0xda, Buffer.from([1, 1, 0, 0, 0x3f, 0])),
    Buffer.alloc(64, 0x55),
    Buffer.from([0xff, 0xd9]),
  ]);
}

/** The start of a WebP of `width` × `height`, lossy (`VP8 `), lossless (`VP8L`) or extended (`VP8X`). */
export function webpHeader(kind: 'VP8 ' | 'VP8L' | 'VP8X', width: number, height: number): Buffer {
  const body = Buffer.alloc(22);
  if (kind === 'VP8 ') {
    body.set([0x9d, 0x01, 0x2a], 3);
    body.writeUInt16LE(width, 6);
    body.writeUInt16LE(height, 8);
  } else if (kind === 'VP8L') {
    body[0] = 0x2f;
    body.writeUInt32LE(((width - 1) & 0x3fff) | (((height - 1) & 0x3fff) << 14), 1);
  } else {
    body.writeUIntLE(width - 1, 4, 3);
    body.writeUIntLE(height - 1, 7, 3);
  }
  const chunk = Buffer.concat([Buffer.from(kind, 'latin1'), Buffer.from([body.byteLength, 0, 0, 0]), body]);
  const size = Buffer.alloc(4);
  size.writeUInt32LE(4 + chunk.byteLength);
  return Buffer.concat([Buffer.from('RIFF', 'latin1'), size, Buffer.from('WEBP', 'latin1'), chunk]);
}

/**
 * A valid PNG of `width` × `height` with `noiseBytes` of text metadata, generated piece by piece
 * as it is read (never whole in memory), for uploads far larger than a test should hold.
 */
export function* pngStream(
  width: number,
  height: number,
  noiseBytes: number,
  rgb: [number, number, number] = [200, 40, 40],
  pieceBytes = 64 * 1024,
): Generator<Buffer> {
  const whole = pngImage(width, height, rgb);
  // Signature and IHDR, then the text chunk streamed, then the rest of the small image.
  const ihdrEnd = PNG_SIGNATURE.byteLength + 25;
  yield whole.subarray(0, ihdrEnd);
  const keyword = Buffer.from('Comment\u0000', 'latin1');
  const head = Buffer.alloc(8);
  head.writeUInt32BE(keyword.byteLength + noiseBytes, 0);
  head.write('tEXt', 4, 'latin1');
  yield head;
  let crc = crc32(Buffer.concat([head.subarray(4), keyword]));
  yield keyword;
  // One block of text, sent again and again: generating the bytes must not cost the test's own event loop.
  const block = Buffer.alloc(pieceBytes);
  let state = 987654321;
  for (let i = 0; i < block.byteLength; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    block[i] = 32 + (state % 90);
  }
  for (let left = noiseBytes; left > 0; left -= pieceBytes) {
    const piece = left >= pieceBytes ? Buffer.from(block) : block.subarray(0, left);
    crc = crc32(piece, crc);
    yield piece;
  }
  const tail = Buffer.alloc(4);
  tail.writeUInt32BE(crc);
  yield tail;
  yield whole.subarray(ihdrEnd);
}
