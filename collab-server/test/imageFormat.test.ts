import { describe, expect, it } from 'vitest';
import { gifImage, jpegHeader, pngHeaderOnly, pngImage, webpHeader } from '../../testing/images';
import { ImageProbe } from '../images/imageFormat';

/** What the probe makes of `bytes` delivered in pieces of `size`. */
function probe(bytes: Buffer, size = bytes.length) {
  const reader = new ImageProbe();
  for (let offset = 0; offset < bytes.length; offset += size) reader.push(bytes.subarray(offset, offset + size));
  reader.end();
  return { facts: reader.facts, problem: reader.problem };
}

const SIZES = [1, 3, 17, 4096, Number.MAX_SAFE_INTEGER];

describe('image format: read from the bytes, never from a name', () => {
  it('PNG, GIF, JPEG and WebP: the format and the pixel size, however the bytes arrive', () => {
    const cases: Array<[string, Buffer, object]> = [
      ['png', pngImage(320, 200), { type: 'image/png', width: 320, height: 200 }],
      ['gif', gifImage(40, 30), { type: 'image/gif', width: 40, height: 30 }],
      ['jpeg', jpegHeader(1024, 768), { type: 'image/jpeg', width: 1024, height: 768 }],
      // The frame header behind 200 KB of metadata (EXIF, thumbnails, colour profiles) is found by skipping it.
      ['jpeg, metadata first', jpegHeader(4032, 3024, 200_000), { type: 'image/jpeg', width: 4032, height: 3024 }],
      ['webp lossy', webpHeader('VP8 ', 800, 600), { type: 'image/webp', width: 800, height: 600 }],
      ['webp lossless', webpHeader('VP8L', 16, 9), { type: 'image/webp', width: 16, height: 9 }],
      ['webp extended', webpHeader('VP8X', 5000, 3000), { type: 'image/webp', width: 5000, height: 3000 }],
    ];
    for (const [what, bytes, facts] of cases) {
      for (const size of SIZES) expect(probe(bytes, size), `${what} in pieces of ${size}`).toEqual({ facts, problem: null });
    }
  });

  it('reads a header that declares far more pixels than the file holds as it is (the caller refuses it)', () => {
    expect(probe(pngHeaderOnly(100_000, 100_000)).facts).toEqual({ type: 'image/png', width: 100_000, height: 100_000 });
    expect(pngHeaderOnly(100_000, 100_000).byteLength).toBeLessThan(200);
  });

  it('refuses SVG by name, and says what other files are', () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>');
    expect(probe(svg).problem).toMatch(/SVG images are not accepted: an SVG is a document that can run scripts/);
    expect(probe(Buffer.from('\uFEFF  <?xml version="1.0"?><svg/>')).problem).toMatch(/SVG images are not accepted/);
    expect(probe(Buffer.from('<!doctype html><html><script>alert(1)</script>')).problem).toMatch(/markup \(HTML or XML\), not an image/);
    expect(probe(Buffer.from('%PDF-1.7 and more bytes')).problem).toMatch(/a PDF, not an image/);
    expect(probe(Buffer.from('MZ\u0090\u0000 an executable, long enough')).problem).toMatch(/not a PNG, JPEG, GIF or WebP image/);
    expect(probe(Buffer.alloc(0)).problem).toBe('the file is empty');
    expect(probe(Buffer.from('GIF8')).problem).toBe('the file is too short to be an image');
  });

  it('refuses damaged headers and files that end before their size is known', () => {
    const png = pngImage(10, 10);
    expect(probe(png.subarray(0, 20)).problem).toMatch(/PNG file ends before its header gives the image's size/);
    const noIhdr = Buffer.from(png);
    noIhdr.write('IDAT', 12, 'latin1');
    expect(probe(noIhdr).problem).toMatch(/PNG header is damaged/);
    const jpeg = jpegHeader(100, 100);
    // Image data before any frame header: no size to read.
    const noFrame = Buffer.concat([jpeg.subarray(0, 20), Buffer.from([0xff, 0xda, 0, 4, 0, 0])]);
    expect(probe(noFrame).problem).toMatch(/no frame header before its image data/);
    expect(probe(Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0])])).problem).toMatch(/impossible length/);
    expect(probe(jpeg.subarray(0, 30)).problem).toMatch(/JPEG file ends before its header gives the image's size/);
    const webp = webpHeader('VP8 ', 10, 10);
    webp[23] = 0;
    expect(probe(webp).problem).toMatch(/WebP header is damaged/);
  });
});
