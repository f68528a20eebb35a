import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { postgresSchemas } from '../../persistence/test/storeFixtures';
import { apiRequest } from '../../testing/apiRequest';
import { pngImage } from '../../testing/images';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { backupToFile } from '../backup/backupToFile';
import { restoreFromFile } from '../backup/restoreFromFile';

/**
 * [M8] Images travel with their documents: a backup of a running server holds them, a restore
 * brings them back under the same addresses, and the content API's HTML and Markdown give them
 * absolute addresses on the server that answers.
 */

// Before the servers' clean-up, so that it runs after it (after hooks run in reverse order).
const schemas = postgresSchemas();
const servers: TestServer[] = [];
const folders: string[] = [];

/** The stores a backed-up server may run on: LevelDB, and PostgreSQL as a cluster node. */
const sources = [
  { store: 'LevelDB', config: async () => ({}) },
  { store: 'PostgreSQL', config: async () => ({ databaseUrl: await schemas.create(), nodeId: 'node-1', logLevel: 'silent' as const }) },
];

afterAll(async () => {
  for (const server of servers) await server.stop({ removeData: true });
  for (const folder of folders) await rm(folder, { recursive: true, force: true });
});

describe.each(sources)('[M8] images in backups and exports, from $store', ({ config }) => {
  it('a backup holds every image; the restored server serves them at the same addresses', async () => {
    const source = await startTestServer({ config: await config() });
    servers.push(source);
    const admin = await source.token({ doc: '*', role: 'admin', sub: 'backend' });
    expect((await apiRequest(source.httpUrl, 'POST', '/api/docs', { token: admin, body: { name: 'trip' } })).status).toBe(201);
    // A large one (several chunks of the store, several records of the backup) and a small one.
    const images = [pngImage(300, 200, [0, 90, 160], 900 * 1024), pngImage(2, 2)];
    const srcs: string[] = [];
    for (const bytes of images) {
      const response = await fetch(`${source.httpUrl}/api/docs/trip/images`, {
        method: 'POST',
        headers: { authorization: `Bearer ${admin}`, 'content-type': 'image/png' },
        body: new Uint8Array(bytes),
      });
      expect(response.status).toBe(201);
      srcs.push(((await response.json()) as { src: string }).src);
    }
    const content = { type: 'doc', content: srcs.map((src, index) => ({ type: 'image', attrs: { src, alt: `Picture ${index + 1}`, width: 320 } })) };
    expect((await apiRequest(source.httpUrl, 'PUT', '/api/docs/trip/content', { token: admin, body: { format: 'json', content } })).status).toBe(200);

    // Exports: JSON keeps the document's paths; HTML and Markdown point at this server.
    const read = async (format: string) => (await apiRequest(source.httpUrl, 'GET', `/api/docs/trip/content?format=${format}`, { token: admin })).text;
    expect(JSON.parse(await read('json')).content[0].attrs).toMatchObject({ src: srcs[0], alt: 'Picture 1', width: 320 });
    expect(await read('html')).toContain(`src="${source.httpUrl}${srcs[0]}"`);
    expect(await read('markdown')).toContain(`![Picture 2](${source.httpUrl}${srcs[1]})`);

    const folder = await mkdtemp(path.join(os.tmpdir(), 'image-backup-'));
    folders.push(folder);
    const file = path.join(folder, 'quire.backup');
    const backup = await backupToFile({ url: source.httpUrl, token: admin, out: file });
    expect(backup).toMatchObject({ documents: 1, blobs: 2 });
    expect(backup.bytes).toBeGreaterThan(images[0].byteLength);

    const dataDir = path.join(folder, 'restored');
    expect(await restoreFromFile({ dataDir, input: file })).toMatchObject({ documents: 1, blobs: 2 });
    const restored = await startTestServer({ dataDir });
    servers.push(restored);
    for (const [index, src] of srcs.entries()) {
      const response = await fetch(`${restored.httpUrl}${src}`);
      expect(response.status).toBe(200);
      expect(Buffer.from(await response.arrayBuffer()).equals(images[index])).toBe(true);
    }
    const listed = await apiRequest(restored.httpUrl, 'GET', '/api/docs/trip/images', { token: await restored.token({ doc: 'trip', role: 'viewer' }) });
    expect((listed.json.images as Array<{ src: string }>).map((image) => image.src).sort()).toEqual([...srcs].sort());
  });
});
