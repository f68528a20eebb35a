import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../persistence/BlobStore';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { imagePath } from '../../shared/imagePaths';
import { apiRequest } from '../../testing/apiRequest';
import { FaultyStore } from '../../testing/faultyStore';
import { gifImage, pngHeaderOnly, pngImage } from '../../testing/images';
import { LibreOffice } from '../../testing/libreOffice';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { pictureDocx } from '../../testing/zipFiles';
import { DOCUMENTS_FOLDER } from '../CollabServer';
import { checkZip, DOCX_ZIP_LIMITS } from '../conversion/docx/zipLimits';
import { MAX_IMPORTED_IMAGES } from '../images/ImageService';
import { capabilityOf, IMAGE_KEY_PROPERTY } from '../images/imageCapability';
import { ImageProbe } from '../images/imageFormat';

/**
 * Pictures and styles in Word and PDF files, checked against a real office suite: a document's
 * stored pictures are embedded in its .docx (read back by LibreOffice and mammoth) and PDF (read
 * back by a PDF parser), its colours, sizes, highlights, alignment and indents reach Word, text in
 * other scripts survives the PDF, a .docx with pictures written by LibreOffice imports with them
 * stored as the new document's images, and files whose pictures break the image limits are
 * refused with a status and a message, creating nothing.
 */

const MAX_IMAGE = 256 * 1024;
const MAX_DOCUMENT_IMAGES = 600 * 1024;
const MAX_PIXELS = 4_000_000;

let server: TestServer;
let office: LibreOffice;
let admin: string;

beforeAll(async () => {
  office = await LibreOffice.start();
  server = await startTestServer({
    config: { conversionMemoryMb: 128, maxImageBytes: MAX_IMAGE, maxDocumentImageBytes: MAX_DOCUMENT_IMAGES, maxImagePixels: MAX_PIXELS },
  });
  admin = await server.token({ doc: '*', role: 'admin' });
}, 60_000);

afterAll(async () => {
  await server?.stop({ removeData: true });
  await office?.stop();
});

const blobs = () => server.server.store as unknown as BlobStore;

/** Creates a document through the content API from a JSON body made by `body(name)` (image addresses need the name); returns its name. */
async function createDocument(name: string, content?: unknown): Promise<string> {
  const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name, ...(content ? { content, format: 'json' } : {}) } });
  expect(answer.status, answer.text).toBe(201);
  return name;
}

async function upload(name: string, bytes: Uint8Array, type: string): Promise<string> {
  const response = await fetch(`${server.httpUrl}/api/docs/${name}/images`, {
    method: 'POST',
    headers: { 'content-type': type, authorization: `Bearer ${admin}` },
    body: new Uint8Array(bytes),
  });
  const json = (await response.json()) as { src: string };
  expect(response.status, JSON.stringify(json)).toBe(201);
  return json.src;
}

async function setContent(name: string, content: unknown): Promise<void> {
  const answer = await apiRequest(server.httpUrl, 'PUT', `/api/docs/${name}/content`, { token: admin, body: { content, format: 'json' } });
  expect(answer.status, answer.text).toBe(200);
}

async function download(name: string, format: 'docx' | 'pdf'): Promise<Buffer> {
  const response = await fetch(`${server.httpUrl}/api/docs/${name}/content?format=${format}`, { headers: { authorization: `Bearer ${admin}` } });
  expect(response.status).toBe(200);
  return Buffer.from(await response.arrayBuffer());
}

const paragraph = (text: string, attrs: Record<string, unknown> = {}, marks: unknown[] = []) => ({
  type: 'paragraph',
  attrs,
  content: [{ type: 'text', text, ...(marks.length > 0 ? { marks } : {}) }],
});

/** The part `part` of the zip archive `zip`, read by the system's unzip. */
function unzipped(zip: Buffer, part: string): string {
  const folder = mkdtempSync(path.join(os.tmpdir(), 'unzip-'));
  try {
    writeFileSync(path.join(folder, 'file.zip'), zip);
    return execFileSync('unzip', ['-p', path.join(folder, 'file.zip'), part]).toString();
  } finally {
    rmSync(folder, { recursive: true, force: true });
  }
}

/** The size in pixels `bytes` (an image file) says it has. */
function pixelsOf(bytes: Uint8Array): string {
  const probe = new ImageProbe();
  probe.push(bytes);
  probe.end();
  return `${probe.facts?.type} ${probe.facts?.width}x${probe.facts?.height}`;
}

describe('export', () => {
  const png = pngImage(64, 48, [200, 40, 40]);
  const gif = gifImage(20, 10);
  /** A PNG with 540 KB of text chunks, which the browser shows and pdfkit's reader does not take (stored before a lower MAX_IMAGE_BYTES). */
  const wordy = pngImage(8, 8, [0, 0, 255], 540_000);
  let name: string;
  beforeAll(async () => {
    name = await createDocument('pictures-out');
    const pngSrc = await upload(name, png, 'image/png');
    const gifSrc = await upload(name, gif, 'image/gif');
    const key = (await server.server.store.getMeta(name))?.properties[IMAGE_KEY_PROPERTY] as string;
    const { hash } = await blobs().putBlob(name, { type: 'image/png' }, [wordy]);
    const wordySrc = imagePath(name, hash, capabilityOf(key, hash));
    await setContent(name, {
      type: 'doc',
      content: [
        paragraph('Before the pictures Ελληνικά Русский 中文字'),
        { type: 'image', attrs: { src: pngSrc, alt: 'a red box', width: 128 } },
        { type: 'image', attrs: { src: gifSrc, alt: 'a small gif' } },
        { type: 'image', attrs: { src: 'https://example.com/elsewhere.png', alt: 'an outside picture' } },
        { type: 'image', attrs: { src: wordySrc, alt: 'a wordy png' } },
        paragraph('After the pictures'),
      ],
    });
  });

  it('[DX7] the .docx export embeds the stored pictures as pictures, at their size with their alt text; an outside image stays a link', async () => {
    const docx = await download(name, 'docx');
    // The archive holds the pictures' own bytes.
    const media = checkZip(docx, DOCX_ZIP_LIMITS).filter((entry) => entry.name.startsWith('word/media/'));
    expect(media.map((entry) => entry.uncompressedBytes).sort()).toEqual([gif.byteLength, png.byteLength, wordy.byteLength].sort());
    // mammoth reads them back in order, with their alt text and exactly their bytes.
    const { value } = await mammoth.convertToHtml({ buffer: docx });
    const images = [...value.matchAll(/<img alt="([^"]*)" src="data:([^;]+);base64,([^"]+)"/g)].map((match) => ({
      alt: match[1],
      type: match[2],
      bytes: Buffer.from(match[3], 'base64'),
    }));
    expect(images.map((image) => image.alt)).toEqual(['a red box', 'a small gif', 'a wordy png']);
    expect(images[0].bytes.equals(png)).toBe(true);
    expect(images[1].bytes.equals(gif)).toBe(true);
    expect(value).toMatch(/<a href="https:\/\/example.com\/elsewhere.png">\[image: an outside picture\]<\/a>/);
    // LibreOffice opens it with the pictures in place (the GIF as a PNG), at their size: the width the document gives the first (128 px, its height kept in proportion), the file's own for the second.
    const html = (await office.convert({ 'pictures.docx': docx }, 'html:HTML (StarWriter):EmbedImages')).pictures.toString().replace(/\s+/g, ' ');
    const shown = [...html.matchAll(/<img src="data:image\/png;base64,([^"]+)" name="([^"]*)"[^>]*?width="(\d+)" height="(\d+)"/g)];
    expect(shown.map((match) => [match[2], match[3], match[4]])).toEqual([
      ['a red box', '128', '96'],
      ['a small gif', '20', '10'],
      ['a wordy png', '8', '8'],
    ]);
    expect(pixelsOf(Buffer.from(shown[0][1], 'base64'))).toBe('image/png 64x48');
    expect(html.indexOf('Before the pictures')).toBeLessThan(html.indexOf('<img'));
    expect(html.lastIndexOf('<img')).toBeLessThan(html.indexOf('After the pictures'));
  }, 120_000);

  it('[DX8] the PDF export draws the PNG picture (one it cannot read is a link) and keeps Greek, Cyrillic and Chinese text in embedded fonts', async () => {
    const pdf = await download(name, 'pdf');
    const parser = new PDFParse({ data: new Uint8Array(pdf) });
    const { text } = await parser.getText();
    const { pages } = await parser.getImage({ imageThreshold: 1 });
    await parser.destroy();
    expect(text).toContain('Before the pictures Ελληνικά Русский 中文字');
    expect(text).toContain('[image: an outside picture]');
    // The PNG is drawn (pdfkit draws PNG and JPEG; the GIF stays a link).
    const drawn = pages.flatMap((page) => page.images);
    expect(drawn.map((image) => `${image.width}x${image.height}`)).toEqual(['64x48']);
    expect(text).toContain('[image: a small gif]');
    // A picture pdfkit cannot read is a link too, and the rest of the file is made.
    expect(text).toContain('[image: a wordy png]');
    expect(text).toContain('After the pictures');
    // The fonts are embedded (no standard, Latin-only font is used for the text).
    expect(pdf.toString('latin1')).toMatch(/\/FontFile2/);
    expect(pdf.toString('latin1')).not.toMatch(/\/BaseFont \/Helvetica/);
  });

  it('[DX9] text colour, font size, highlight colour, alignment and indent reach Word, and come back on import', async () => {
    const styled = await createDocument('styled-out', {
      type: 'doc',
      content: [
        paragraph('red and large', { textAlign: 'center', indent: 2 }, [{ type: 'textStyle', attrs: { color: '#cc0000', fontSize: '18pt' } }]),
        paragraph('green highlight', { textAlign: 'right' }, [{ type: 'highlight', attrs: { color: '#00ff00' } }]),
        paragraph('plain highlight', {}, [{ type: 'highlight', attrs: { color: null } }]),
      ],
    });
    const docx = await download(styled, 'docx');
    const html = (await office.convert({ 'styled.docx': docx }, 'html')).styled.toString().replace(/\s+/g, ' ');
    expect(html).toMatch(
      /<p align="center" style="[^"]*margin-left: 1in[^"]*">\s*<font color="#cc0000">\s*<font size="5" style="font-size: 18pt">red and large/,
    );
    expect(html).toMatch(/<p align="right"[^>]*>\s*<span style="background: #00ff00">green highlight/);
    // A highlight without a colour is Word's yellow highlight (LibreOffice's HTML leaves those out), which the import reads back.
    expect(unzipped(docx, 'word/document.xml')).toMatch(/<w:highlight w:val="yellow"\/><\/w:rPr><w:t xml:space="preserve">plain highlight/);
    const back = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { format: 'docx', content: docx.toString('base64') } });
    expect(back.status, back.text).toBe(201);
    // Imported again: the alignment, indent, colour, size and highlights come back.
    const json = (await apiRequest(server.httpUrl, 'GET', `/api/docs/${back.json.name}/content?format=json`, { token: admin })).json as {
      content: Array<{ attrs: Record<string, unknown>; content: Array<{ text: string; marks?: unknown[] }> }>;
    };
    expect(json.content.map((block) => [block.content[0].text, block.attrs.textAlign, block.attrs.indent])).toEqual([
      ['red and large', 'center', 2],
      ['green highlight', 'right', null],
      ['plain highlight', null, null],
    ]);
    expect(json.content.map((block) => block.content[0].marks)).toEqual([
      [{ type: 'textStyle', attrs: { color: '#cc0000', fontSize: '18pt' } }],
      [{ type: 'highlight', attrs: { color: '#00ff00' } }],
      [{ type: 'highlight', attrs: { color: null } }],
    ]);
  }, 120_000);
});

describe('import', () => {
  it('[DX10] a .docx with a picture written by LibreOffice imports with the picture stored as the new document image', async () => {
    const png = pngImage(40, 30, [10, 120, 200]);
    const page = `<!doctype html><html><body><h1>Field photos</h1><p>Before</p><p><img src="data:image/png;base64,${png.toString('base64')}" width="40" height="30"></p><p>After</p></body></html>`;
    const word = (await office.convert({ 'photos.html': page }, 'docx:MS Word 2007 XML')).photos;
    const answer = await apiRequest(server.httpUrl, 'POST', '/api/app/documents', { body: { format: 'docx', content: word.toString('base64') } });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.json.notes).toEqual([]);
    expect(answer.json.title).toBe('Field photos');
    const name = answer.json.name as string;
    const json = (await apiRequest(server.httpUrl, 'GET', `/api/docs/${name}/content?format=json`, { token: admin })).json as { content: unknown };
    const text = JSON.stringify(json);
    const src = /"src":"(\/images\/[^"]+)"/.exec(text)?.[1] as string;
    expect(src).toMatch(new RegExp(`^/images/${name}/[0-9a-f]{64}\\.[A-Za-z0-9_-]{22}$`));
    expect(text.indexOf('Before')).toBeLessThan(text.indexOf(src));
    expect(text.indexOf(src)).toBeLessThan(text.indexOf('After'));
    // The address serves the picture: a stored image of this document, as an upload would be.
    const served = await fetch(`${server.httpUrl}${src}`);
    expect(served.status).toBe(200);
    expect(served.headers.get('content-type')).toBe('image/png');
    expect(pixelsOf(Buffer.from(await served.arrayBuffer()))).toBe('image/png 40x30');
    expect(await blobs().listBlobs(name)).toHaveLength(1);
  }, 120_000);

  it('[DX11] the same picture shown twice is stored once; one the editor cannot show is left out and named in a note', async () => {
    const png = pngImage(8, 8);
    const file = pictureDocx('Twice', [
      { data: png, alt: 'first' },
      { data: png, alt: 'second', name: 'again.png' },
      { data: Buffer.from('EMF picture bytes'), name: 'image3.emf' },
    ]);
    const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { format: 'docx', content: file.toString('base64') } });
    expect(answer.status, answer.text).toBe(201);
    expect(answer.json.notes).toEqual([
      '1 image was left out: only PNG, JPEG, GIF and WebP pictures are imported from .docx files; add it again in the editor',
    ]);
    const html = (await apiRequest(server.httpUrl, 'GET', `/api/docs/${answer.json.name}/content?format=html`, { token: admin })).text;
    expect([...html.matchAll(/<img src="[^"]+" alt="(\w+)"/g)].map((match) => match[1])).toEqual(['first', 'second']);
    expect(await blobs().listBlobs(answer.json.name as string)).toHaveLength(1);
  });

  it('[DX12] files whose pictures break the limits are refused with 413 or 422 and a message naming the limit, and create nothing', async () => {
    const before = (await server.server.store.list()).length;
    const noisy = (bytes: number) => pngImage(4, 4, [1, 2, 3], bytes);
    const cases: Array<[string, Buffer, number, RegExp]> = [
      [
        'hundreds',
        pictureDocx(
          'many',
          Array.from({ length: MAX_IMPORTED_IMAGES + 1 }, (_, index) => ({ data: pngImage(1, 1, [index % 256, 0, 0]) })),
        ),
        413,
        new RegExp(`holds ${MAX_IMPORTED_IMAGES + 1} images; at most ${MAX_IMPORTED_IMAGES} are imported`),
      ],
      [
        'huge',
        pictureDocx('big', [{ data: noisy(MAX_IMAGE + 1024) }]),
        413,
        /image "image1.png" is 25\d KB; the largest accepted is 256 KB \(MAX_IMAGE_BYTES\)/,
      ],
      [
        'pixels',
        pictureDocx('wide', [{ data: pngHeaderOnly(5000, 5000) }]),
        422,
        /5000 × 5000 pixels; the largest accepted is 4,000,000 pixels \(MAX_IMAGE_PIXELS\)/,
      ],
      [
        'together',
        pictureDocx('three', [{ data: noisy(MAX_IMAGE - 4096) }, { data: noisy(MAX_IMAGE - 8192) }, { data: noisy(MAX_IMAGE - 12288) }]),
        413,
        /its images add up to 7\d\d KB; a document keeps at most 600 KB \(MAX_DOCUMENT_IMAGE_BYTES\)/,
      ],
    ];
    for (const [label, file, status, message] of cases) {
      for (const route of ['/api/app/documents', '/api/docs']) {
        const answer = await apiRequest(server.httpUrl, 'POST', route, {
          ...(route === '/api/docs' ? { token: admin } : {}),
          body: { title: label, format: 'docx', content: file.toString('base64') },
        });
        expect(answer.status, `${label} ${route}: ${answer.text}`).toBe(status);
        expect(answer.json.error, label).toMatch(message);
      }
    }
    expect((await server.server.store.list()).length).toBe(before);
  }, 120_000);
});

describe('a store that fails', () => {
  it('[DX13] when the pictures of an import cannot be stored, the import fails and leaves no document that would show missing pictures', async () => {
    let store: FaultyStore | undefined;
    const faulty = await startTestServer({
      store: (dataDir) => {
        store = new FaultyStore(new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) }));
        return store;
      },
    });
    try {
      const file = pictureDocx('With a picture', [{ data: pngImage(16, 16), alt: 'square' }]);
      const body = { format: 'docx', content: file.toString('base64') };
      (store as FaultyStore).inject(['putBlob']);
      const refused = await apiRequest(faulty.httpUrl, 'POST', '/api/app/documents', { body });
      expect(refused.status, refused.text).toBeGreaterThanOrEqual(500);
      expect(await faulty.server.store.list()).toEqual([]);
      (store as FaultyStore).heal();
      const created = await apiRequest(faulty.httpUrl, 'POST', '/api/app/documents', { body });
      expect(created.status, created.text).toBe(201);
      expect((await faulty.server.store.list()).map((meta) => meta.name)).toEqual([created.json.name]);
      expect(await (store as FaultyStore).listBlobs(created.json.name as string)).toHaveLength(1);
    } finally {
      await faulty.stop({ removeData: true });
    }
  });
});
