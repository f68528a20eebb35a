import { request as httpRequest } from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../persistence/BlobStore';
import { layoutRange } from '../../persistence/keys';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { gifImage, jpegHeader, pngHeaderOnly, pngImage, webpHeader } from '../../testing/images';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Images uploaded to the server ([M1]–[M6] in SECURITY.md): who may upload, what is accepted
 * (type read from the bytes, sizes and pixels bounded), how images are served (their address is
 * the permission to load them; safe headers), and the budgets of each address and user.
 */

const MAX_IMAGE = 256 * 1024;
const MAX_DOCUMENT_IMAGES = 600 * 1024;
const MAX_PIXELS = 4_000_000;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({
    config: { maxImageBytes: MAX_IMAGE, maxDocumentImageBytes: MAX_DOCUMENT_IMAGES, maxImagePixels: MAX_PIXELS, maxImageUploadsPerMinute: 1000 },
  });
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const admin = () => server.token({ doc: '*', role: 'admin', sub: 'backend' });

/** Creates a document through the content API. */
async function createDocument(name: string): Promise<void> {
  const answer = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: await admin(), body: { name } });
  expect(answer.status).toBe(201);
}

/** Uploads `bytes` to document `name` as `type`, with `token` (an editor's of `name` by default). */
async function upload(name: string, bytes: Uint8Array, type = 'image/png', token?: string | null) {
  const headers: Record<string, string> = { 'content-type': type };
  const bearer = token === undefined ? await server.token({ doc: name, role: 'editor' }) : token;
  if (bearer) headers.authorization = `Bearer ${bearer}`;
  const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/images`, { method: 'POST', headers, body: new Uint8Array(bytes) });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
}

const blobsOf = async (name: string) => ((await (server.server.store as unknown as BlobStore).listBlobs(name)) ?? []).length;

describe('uploading images', () => {
  it('[M1] an editor uploads an image; its address serves exactly its bytes', async () => {
    await createDocument('pictures');
    const png = pngImage(64, 48);
    const answer = await upload('pictures', png);
    expect(answer.status).toBe(201);
    expect(answer.json).toMatchObject({ type: 'image/png', size: png.byteLength, width: 64, height: 48 });
    const src = answer.json.src as string;
    expect(src).toMatch(/^\/images\/pictures\/[0-9a-f]{64}\.[A-Za-z0-9_-]{22}$/);
    expect(answer.json.url).toBe(`${server.httpUrl}${src}`);
    expect(answer.headers.get('location')).toBe(src);
    const served = await fetch(`${server.httpUrl}${src}`);
    expect(served.status).toBe(200);
    expect(Buffer.from(await served.arrayBuffer()).equals(png)).toBe(true);

    // The same bytes again: the same address, stored once.
    const again = await upload('pictures', png);
    expect(again.json.src).toBe(src);
    expect(await blobsOf('pictures')).toBe(1);
    const listed = await apiRequest(server.httpUrl, 'GET', '/api/docs/pictures/images', { token: await server.token({ doc: 'pictures', role: 'viewer' }) });
    expect(listed.json.images).toEqual([expect.objectContaining({ src, url: `${server.httpUrl}${src}`, type: 'image/png', size: png.byteLength })]);
  });

  it('[M1] needs an editor token for that document, or the app edit link as it is now', async () => {
    await createDocument('guarded');
    const png = pngImage(8, 8);
    expect((await upload('guarded', png, 'image/png', null)).status).toBe(401);
    expect((await upload('guarded', png, 'image/png', 'not.a.token')).status).toBe(401);
    const viewer = await upload('guarded', png, 'image/png', await server.token({ doc: 'guarded', role: 'viewer' }));
    expect(viewer.status).toBe(403);
    expect(viewer.json.error).toMatch(/"editor" role/);
    expect((await upload('guarded', png, 'image/png', await server.token({ doc: 'other', role: 'editor' }))).status).toBe(403);
    expect((await upload('nowhere', png)).status).toBe(404);
    expect(await blobsOf('guarded')).toBe(0);

    // The app's tokens: the edit link uploads, the view link does not, a reset edit link no longer does.
    const browser = new AppBrowser(server.httpUrl);
    const { name, secrets } = await browser.create({ title: 'App document' });
    const session = async (key: string) => (await browser.session(name, key)).data.token as string;
    const editToken = await session(secrets.edit);
    expect((await upload(name, png, 'image/png', editToken)).status).toBe(201);
    const view = await upload(name, pngImage(9, 9), 'image/png', await session(secrets.view));
    expect(view.status).toBe(403);
    expect((await browser.call('POST', `/api/app/documents/${name}/links/edit/reset`, { key: secrets.edit })).status).toBe(200);
    const stale = await upload(name, pngImage(10, 10), 'image/png', editToken);
    expect(stale.status).toBe(403);
    expect(stale.json.error).toMatch(/link was reset/);
    expect(await blobsOf(name)).toBe(1);
  });

  it('[M2] the type is read from the bytes: PNG, JPEG, GIF and WebP; a declared type that disagrees is refused', async () => {
    await createDocument('types');
    for (const [bytes, type] of [
      [pngImage(3, 3), 'image/png'],
      [jpegHeader(30, 20, 70_000), 'image/jpeg'],
      [gifImage(5, 4), 'image/gif'],
      [webpHeader('VP8L', 7, 7), 'image/webp'],
    ] as const) {
      const answer = await upload('types', bytes, type);
      expect(answer.status, type).toBe(201);
      const served = await fetch(`${server.httpUrl}${answer.json.src}`);
      expect(served.headers.get('content-type')).toBe(type);
    }
    // JPEG bytes sent as PNG (a renamed file, or a lie).
    const lie = await upload('types', jpegHeader(30, 20), 'image/png');
    expect(lie.status).toBe(415);
    expect(lie.json.error).toMatch(/the file is a JPEG image but was sent as image\/png/);
    // Markup in an image's clothes.
    const html = await upload('types', Buffer.from('<html><script>alert(document.cookie)</script></html>'), 'image/gif');
    expect([html.status, html.json.error]).toEqual([415, expect.stringMatching(/markup \(HTML or XML\), not an image/)]);
    expect((await upload('types', Buffer.from('hello there, not an image'), 'text/plain')).json.error).toMatch(/Content-Type: one of image\/png/);
    expect((await upload('types', pngImage(3, 3), 'image/jpg; charset=x')).status).toBe(415);
    expect(await blobsOf('types')).toBe(4);
  });

  it('[M2] SVG is refused, declared or not: it can carry scripts', async () => {
    await createDocument('svg');
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    for (const type of ['image/svg+xml', 'image/png']) {
      const answer = await upload('svg', svg, type);
      expect(answer.status).toBe(415);
      expect(answer.json.error).toMatch(/SVG images are not accepted/);
    }
    expect(await blobsOf('svg')).toBe(0);
  });

  it('[M3] sizes: one image at most MAX_IMAGE_BYTES, refused before its body is read; a document at most MAX_DOCUMENT_IMAGE_BYTES', async () => {
    await createDocument('sizes');
    const big = await upload('sizes', pngImage(10, 10, [1, 2, 3], MAX_IMAGE + 1));
    expect(big.status).toBe(413);
    expect(big.json.error).toMatch(/the largest accepted is 256 KB \(MAX_IMAGE_BYTES\)/);

    // Refused on its headers alone: the answer comes while the client still holds the body back.
    const early = await new Promise<number>((resolve, reject) => {
      const request = httpRequest(`${server.httpUrl}/api/docs/sizes/images`, {
        method: 'POST',
        headers: { 'content-type': 'image/png', 'content-length': String(500 * 1024 * 1024) },
      });
      void server.token({ doc: 'sizes', role: 'editor' }).then((token) => {
        request.setHeader('authorization', `Bearer ${token}`);
        request.flushHeaders();
      });
      request.on('response', (response) => resolve(response.statusCode ?? 0));
      request.on('error', reject);
    });
    expect(early).toBe(413);

    // A document's images together: 3 × 200 KB fit under 600 KB only twice.
    const results = [];
    for (const color of [10, 20, 30] as const) results.push((await upload('sizes', pngImage(10, 10, [color, 0, 0], 200 * 1024))).status);
    expect(results).toEqual([201, 201, 413]);
    const full = await upload('sizes', pngImage(10, 10, [40, 0, 0], 200 * 1024));
    expect(full.json.error).toMatch(/would pass its limit of 600 KB \(MAX_DOCUMENT_IMAGE_BYTES\)/);
    expect(await blobsOf('sizes')).toBe(2);
  });

  it('[M3] a body cut short, or sent without a Content-Length, stores nothing', async () => {
    const own = await startTestServer({ config: { maxImageBytes: MAX_IMAGE } });
    try {
      await apiRequest(own.httpUrl, 'POST', '/api/docs', { token: await own.token({ doc: '*', role: 'admin' }), body: { name: 'lengths' } });
      const token = await own.token({ doc: 'lengths', role: 'editor' });
      const png = pngImage(20, 20, [5, 5, 5], 200 * 1024);
      const send = (headers: Record<string, string>, body: Buffer, cut: boolean) =>
        new Promise<{ status: number; text: string } | 'cut'>((resolve, reject) => {
          const request = httpRequest(`${own.httpUrl}/api/docs/lengths/images`, {
            method: 'POST',
            headers: { 'content-type': 'image/png', authorization: `Bearer ${token}`, ...headers },
          });
          request.on('response', (response) => {
            let text = '';
            response.on('data', (chunk) => (text += chunk));
            response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
          });
          request.on('error', (error) => (cut ? resolve('cut') : reject(error)));
          if (!cut) return void request.end(body);
          // Half the announced bytes, and while the server is storing them, the connection drops.
          request.write(body.subarray(0, body.byteLength / 2));
          void waitFor(() => own.server.images.uploadsInFlight === 1, { message: 'the upload to be under way' }).then(() => request.destroy(), reject);
        });
      const chunked = await send({ 'transfer-encoding': 'chunked' }, png, false);
      expect(chunked).toEqual({ status: 411, text: expect.stringMatching(/Content-Length/) });
      expect(await send({ 'content-length': String(png.byteLength) }, png, true)).toBe('cut');
      await waitFor(() => own.server.images.uploadsInFlight === 0, { message: 'the cut upload to end' });
      expect(await (own.server.store as unknown as BlobStore).listBlobs('lengths')).toEqual([]);
      await own.stop();
      // Nothing of it is on disk either: no chunk, no mark of an unfinished write.
      const db = new LevelDatabase(path.join(own.dataDir, DOCUMENTS_FOLDER));
      await db.open();
      const left: string[] = [];
      for await (const [key] of db.entries({ ...layoutRange, values: false }))
        if (['b', 'k', 'u'].some((space) => key.startsWith(`v1\u0000${space}\u0000`))) left.push(key);
      await db.close();
      expect(left).toEqual([]);
    } finally {
      await own.stop({ removeData: true }).catch(() => undefined);
    }
  });

  it('[M4] a header declaring more pixels than MAX_IMAGE_PIXELS is refused (a decompression bomb), however small the file', async () => {
    await createDocument('bombs');
    const bomb = pngHeaderOnly(100_000, 100_000);
    expect(bomb.byteLength).toBeLessThan(200);
    const answer = await upload('bombs', bomb);
    expect(answer.status).toBe(422);
    expect(answer.json.error).toMatch(/100000 × 100000 pixels \(10,000 megapixels\); the largest accepted is 4 megapixels \(MAX_IMAGE_PIXELS\)/);
    expect((await upload('bombs', jpegHeader(65_000, 65_000), 'image/jpeg')).status).toBe(422);
    expect((await upload('bombs', webpHeader('VP8X', 16_000_000, 16_000_000), 'image/webp')).status).toBe(422);
    expect((await upload('bombs', pngHeaderOnly(0, 10))).json.error).toMatch(/it has no pixels/);
    expect((await upload('bombs', pngImage(2000, 2000))).status).toBe(201);
    expect(await blobsOf('bombs')).toBe(1);
  });
});

describe('serving images', () => {
  let src: string;
  let png: Buffer;

  beforeAll(async () => {
    await createDocument('served');
    png = pngImage(12, 12, [0, 120, 200]);
    src = (await upload('served', png)).json.src as string;
  });

  it('[M5] as data of the type its bytes are, that runs nothing, cached only because the address never changes', async () => {
    const answer = await fetch(`${server.httpUrl}${src}`);
    expect(answer.status).toBe(200);
    const headers = Object.fromEntries(answer.headers);
    expect(headers).toMatchObject({
      'content-type': 'image/png',
      'content-length': String(png.byteLength),
      'x-content-type-options': 'nosniff',
      'content-disposition': 'inline; filename="image.png"',
      'cache-control': 'private, max-age=31536000, immutable',
      'cross-origin-resource-policy': 'cross-origin',
      'referrer-policy': 'no-referrer',
    });
    expect(headers['content-security-policy']).toMatch(/^sandbox; default-src 'none';/);
    expect(headers.etag).toMatch(/^"[0-9a-f]{64}"$/);
    const cached = await fetch(`${server.httpUrl}${src}`, { headers: { 'if-none-match': headers.etag } });
    expect([cached.status, (await cached.arrayBuffer()).byteLength]).toEqual([304, 0]);
    const head = await fetch(`${server.httpUrl}${src}`, { method: 'HEAD' });
    expect([head.status, head.headers.get('content-length')]).toEqual([200, String(png.byteLength)]);
    // The refusals of an address are no-store answers like every API error.
    const missing = await fetch(`${server.httpUrl}${src.slice(0, -3)}abc`);
    expect([missing.status, missing.headers.get('cache-control')]).toEqual([404, 'no-store']);
  });

  it('[M5] the address is the permission: a wrong capability, another document, or a guessed hash open nothing', async () => {
    const [, , , file] = src.split('/');
    const [hash, capability] = file.split('.');
    const flipped = `${capability.slice(0, -1)}${capability.endsWith('A') ? 'B' : 'A'}`;
    await createDocument('elsewhere');
    await upload('elsewhere', pngImage(1, 1));
    for (const path of [
      `/images/served/${hash}.${flipped}`,
      `/images/elsewhere/${file}`,
      `/images/served/${hash}`,
      `/images/served/${'0'.repeat(64)}.${capability}`,
      `/images/served/..%2F${file}`,
      `/images/nowhere/${file}`,
    ]) {
      const answer = await fetch(`${server.httpUrl}${path}`);
      expect(answer.status, path).toBe(404);
    }
  });

  it('[M5] an image goes with its document', async () => {
    await createDocument('short-lived');
    const answer = await upload('short-lived', pngImage(5, 5));
    expect((await fetch(`${server.httpUrl}${answer.json.src}`)).status).toBe(200);
    expect((await apiRequest(server.httpUrl, 'DELETE', '/api/docs/short-lived', { token: await admin() })).status).toBe(204);
    expect((await fetch(`${server.httpUrl}${answer.json.src}`)).status).toBe(404);
    await createDocument('short-lived');
    expect((await fetch(`${server.httpUrl}${answer.json.src}`)).status).toBe(404);
    expect(await blobsOf('short-lived')).toBe(0);
  });
});

describe('budgets', () => {
  it('[M6] image uploads per address and per user per minute: 429 with the wait; others keep uploading', async () => {
    // Behind a trusted proxy, so each request can come from an address of its own.
    const limited = await startTestServer({ config: { maxImageUploadsPerMinute: 3, trustProxy: ['loopback'] } });
    try {
      const token = (sub: string) => limited.token({ doc: 'budget', role: 'editor', sub });
      await apiRequest(limited.httpUrl, 'POST', '/api/docs', { token: await limited.token({ doc: '*', role: 'admin' }), body: { name: 'budget' } });
      const send = async (sub: string, forwardedFor?: string) => {
        const headers: Record<string, string> = { authorization: `Bearer ${await token(sub)}`, 'content-type': 'image/gif' };
        if (forwardedFor) headers['x-forwarded-for'] = forwardedFor;
        const response = await fetch(`${limited.httpUrl}/api/docs/budget/images`, { method: 'POST', headers, body: new Uint8Array(gifImage()) });
        return { status: response.status, retry: response.headers.get('retry-after'), body: (await response.json()) as { error?: string } };
      };
      const statuses = [];
      for (let i = 0; i < 3; i++) statuses.push((await send('ada', '10.0.0.1')).status);
      const refused = await send('ada', '10.0.0.1');
      expect([...statuses, refused.status]).toEqual([201, 201, 201, 429]);
      expect(Number(refused.retry)).toBeGreaterThan(0);
      expect(refused.body.error).toMatch(/too many image uploads/);
      // The address's budget is spent for everyone on it; the user's on every address.
      expect((await send('grace', '10.0.0.1')).status).toBe(429);
      expect((await send('ada', '10.0.0.3')).status).toBe(429);
      expect((await send('grace', '10.0.0.2')).status).toBe(201);
    } finally {
      await limited.stop({ removeData: true });
    }
  });

  it('[M6] at most 4 uploads at a time from one address: a fifth gets 429 while they last, another address uploads meanwhile', async () => {
    const busy = await startTestServer({ config: { maxImageBytes: MAX_IMAGE, trustProxy: ['loopback'] } });
    const held: Array<ReturnType<typeof httpRequest>> = [];
    try {
      await apiRequest(busy.httpUrl, 'POST', '/api/docs', { token: await busy.token({ doc: '*', role: 'admin' }), body: { name: 'busy' } });
      const token = await busy.token({ doc: 'busy', role: 'editor' });
      const headers = (forwardedFor: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'image/gif', 'x-forwarded-for': forwardedFor });
      // Four uploads whose bodies stop halfway: the server is storing them, waiting for the rest.
      const png = pngImage(20, 20, [9, 9, 9], 100 * 1024);
      for (let i = 0; i < 4; i++) {
        const request = httpRequest(`${busy.httpUrl}/api/docs/busy/images`, {
          method: 'POST',
          headers: { ...headers('10.0.0.9'), 'content-type': 'image/png', 'content-length': String(png.byteLength) },
        });
        request.on('error', () => undefined);
        request.write(png.subarray(0, png.byteLength / 2));
        held.push(request);
      }
      await waitFor(() => busy.server.images.uploadsInFlight === 4, { message: 'four uploads under way' });
      const send = async (forwardedFor: string) => {
        const response = await fetch(`${busy.httpUrl}/api/docs/busy/images`, {
          method: 'POST',
          headers: headers(forwardedFor),
          body: new Uint8Array(gifImage()),
        });
        return { status: response.status, retry: response.headers.get('retry-after'), error: ((await response.json()) as { error?: string }).error };
      };
      const refused = await send('10.0.0.9');
      expect(refused).toEqual({ status: 429, retry: '2', error: expect.stringMatching(/at most 4 uploads at a time from one address/) });
      expect((await send('10.0.0.10')).status).toBe(201);
      // Once they end, the address uploads again.
      for (const request of held.splice(0)) request.destroy();
      await waitFor(() => busy.server.images.uploadsInFlight === 0, { message: 'the held uploads to end' });
      expect((await send('10.0.0.9')).status).toBe(201);
    } finally {
      for (const request of held) request.destroy();
      await busy.stop({ removeData: true });
    }
  });
});
