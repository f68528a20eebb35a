import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { EventLoopWatchdog } from '../../testing/eventLoopWatchdog';
import { pngImage, pngStream } from '../../testing/images';
import { collectGarbage } from '../../testing/memory';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';

/**
 * [M9] A large upload costs the server a bounded amount of memory (it streams into the store a
 * chunk at a time, hashing and reading the header as it goes) and stalls nobody: an editor of
 * another document keeps getting durable acknowledgements while it arrives.
 */

const MiB = 1024 * 1024;
const UPLOAD_BYTES = 48 * MiB;

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer({ config: { maxImageBytes: 64 * MiB, maxDocumentImageBytes: 128 * MiB } });
  const admin = await server.token({ doc: '*', role: 'admin' });
  const created = await fetch(`${server.httpUrl}/api/docs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: '{"name":"poster"}',
  });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await server?.stop({ removeData: true });
});

/** Bytes held in Buffers and ArrayBuffers by this process (the server's and the test's), once collected and swept. */
async function bufferBytes(): Promise<number> {
  for (let i = 0; i < 2; i++) {
    collectGarbage();
    // Freed buffers are swept off the main thread: give the sweep a moment.
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return process.memoryUsage().arrayBuffers;
}

/**
 * Uploads a `UPLOAD_BYTES` PNG generated as it is sent (`shade` makes each upload other bytes),
 * waiting for the socket as a real client does; `onProgress` runs every 2 MB.
 */
async function uploadLarge(shade: number, onProgress?: () => Promise<void>): Promise<number> {
  const token = await server.token({ doc: 'poster', role: 'editor' });
  // The small image, and the text chunk around the noise: its header, keyword and checksum.
  const length = pngImage(40, 30, [shade, 0, 0]).byteLength + 8 + 8 + UPLOAD_BYTES + 4;
  return new Promise<number>((resolve, reject) => {
    const request = httpRequest(`${server.httpUrl}/api/docs/poster/images`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png', 'content-length': String(length) },
    });
    request.on('response', (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    request.on('error', reject);
    void (async () => {
      let sent = 0;
      for (const piece of pngStream(40, 30, UPLOAD_BYTES, [shade, 0, 0])) {
        sent += piece.byteLength;
        if (onProgress && sent % (2 * MiB) < piece.byteLength) await onProgress();
        if (!request.write(piece)) await new Promise((drained) => request.once('drain', drained));
      }
      request.end();
    })().catch(reject);
  });
}

describe('[M9] a large upload', () => {
  it('streams into the store: the buffers held grow by a few megabytes for a 48 MB image', async () => {
    const before = await bufferBytes();
    let peak = 0;
    const status = await uploadLarge(1, async () => {
      peak = Math.max(peak, (await bufferBytes()) - before);
    });
    console.log(`[M9] ${UPLOAD_BYTES / MiB} MB upload: buffers held grew by at most ${(peak / MiB).toFixed(1)} MB`);
    expect(status).toBe(201);
    expect(peak).toBeLessThan(16 * MiB);
  });

  it('stalls nobody: an editor of another document is acknowledged throughout, and the event loop never stops for a second', async () => {
    const bystander: HocuspocusClient = hocuspocusClient(server.hocuspocusUrl, 'notes', await server.token({ doc: 'notes', role: 'editor', sub: 'bystander' }));
    try {
      await bystander.synced();
      const watchdog = new EventLoopWatchdog(1000);
      const acknowledged: number[] = [];
      const text = bystander.doc.getText('typing');
      let typing = true;
      const typist = (async () => {
        while (typing) {
          text.insert(text.length, 'x');
          const sent = performance.now();
          await bystander.saved();
          acknowledged.push(performance.now() - sent);
        }
      })();
      const status = await uploadLarge(2);
      typing = false;
      await typist;
      const report = watchdog.stop();
      console.log(
        `[M9] during a ${UPLOAD_BYTES / MiB} MB upload: longest event-loop stall ${report.maxStallMs.toFixed(0)} ms; ` +
          `${acknowledged.length} edits of a bystander acknowledged, the slowest in ${Math.max(...acknowledged).toFixed(0)} ms`,
      );
      expect(status).toBe(201);
      expect(report.stalls).toEqual([]);
      expect(acknowledged.length).toBeGreaterThan(10);
      await waitFor(() => server.server.images.uploadsInFlight === 0, { message: 'the upload to end' });
    } finally {
      bystander.destroy();
    }
  });
});
