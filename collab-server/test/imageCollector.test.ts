import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BlobStore } from '../../persistence/BlobStore';
import type { DocumentStore } from '../../persistence/DocumentStore';
import type { VersionStore } from '../../persistence/VersionStore';
import { apiRequest } from '../../testing/apiRequest';
import { pngImage } from '../../testing/images';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { DEFAULT_GRACE_MS, ImageCollector } from '../images/ImageCollector';
import { createLogger } from '../logger';

/**
 * [M7] Images nothing refers to any more are removed: an image stays while the document's current
 * state or any version its history keeps refers to it, and for a day after its upload whatever
 * refers to it. Against a real server and LevelDB; the collector's clock is moved instead of waiting.
 */

let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const DAY = 24 * 60 * 60 * 1000;

describe('[M7] collecting unused images', () => {
  it('keeps images the document or a kept version shows, and young ones; removes the rest', async () => {
    const admin = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
    const api = (method: string, path: string, body?: unknown) => apiRequest(server.httpUrl, method, path, { token: admin, body });
    expect((await api('POST', '/api/docs', { name: 'album' })).status).toBe(201);
    const upload = async (color: number) => {
      const response = await fetch(`${server.httpUrl}/api/docs/album/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'image/png' },
        body: new Uint8Array(pngImage(4, 4, [color, 0, 0])),
      });
      return ((await response.json()) as { src: string }).src;
    };
    const [current, inVersion, neverShown] = await Promise.all([10, 20, 30].map(upload));
    const body = (...srcs: string[]) => ({
      format: 'json',
      content: {
        type: 'doc',
        content: [{ type: 'paragraph', content: [{ type: 'text', text: 'Pictures' }] }, ...srcs.map((src) => ({ type: 'image', attrs: { src } }))],
      },
    });
    // A version shows `inVersion`; then the document no longer does. `neverShown` is never in it.
    expect((await api('PUT', '/api/docs/album/content', body(current, inVersion))).status).toBe(200);
    expect((await api('POST', '/api/docs/album/versions', { label: 'With both' })).status).toBe(201);
    expect((await api('PUT', '/api/docs/album/content', body(current))).status).toBe(200);
    expect((await api('POST', '/api/docs/album/versions', { label: 'Without' })).status).toBe(201);

    const store = server.server.store as DocumentStore & VersionStore & BlobStore;
    const collector = (now: number) =>
      new ImageCollector({
        store,
        read: (name, read) => server.server.documents.read(name, read),
        logger: createLogger('silent'),
        intervalMs: 0,
        now: () => now,
      });
    const served = async (src: string) => (await fetch(`${server.httpUrl}${src}`)).status;
    const hashOf = (src: string) => src.split('/')[3].split('.')[0];

    // Young images all stay, shown or not.
    expect(await collector(Date.now()).collect('album')).toEqual([]);
    expect(await collector(Date.now() + DEFAULT_GRACE_MS - 60_000).collect('album')).toEqual([]);

    expect(await collector(Date.now() + 2 * DAY).collect('album')).toEqual([hashOf(neverShown)]);
    expect(await Promise.all([current, inVersion, neverShown].map(served))).toEqual([200, 200, 404]);

    // Restoring the version shows its image, still there.
    const versions = (await api('GET', '/api/docs/album/versions')).json.versions as Array<{ id: number; label: string | null }>;
    const withBoth = versions.find((version) => version.label === 'With both');
    const restored = await api('GET', `/api/docs/album/versions/${withBoth?.id}/content?format=html`);
    expect(restored.text).toContain(hashOf(inVersion));

    // Once no kept version shows it (retention removed them), it goes too; the current one stays.
    const latest = Math.max(...versions.map((version) => version.id));
    const older = versions.map((version) => version.id).filter((id) => id !== latest);
    await store.removeVersions('album', older);
    expect(await collector(Date.now() + 3 * DAY).collect('album')).toEqual([hashOf(inVersion)]);
    expect(await Promise.all([current, inVersion].map(served))).toEqual([200, 404]);
    expect((await store.listBlobs('album'))?.map((blob) => blob.hash)).toEqual([hashOf(current)]);
  });
});
