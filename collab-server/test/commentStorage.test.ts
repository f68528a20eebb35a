import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiRequest } from '../../testing/apiRequest';
import { startTestServer, type TestServer } from '../../testing/testServer';
import { restoreFromFile } from '../backup/restoreFromFile';

/**
 * Comment threads go everywhere the document goes ([CM12]): the JSON export, version history (a
 * version shows the threads as they were; a restore deletes none), backups and restores, and
 * they are deleted with the document.
 */

const DOC = 'comment-storage';
let server: TestServer;
let admin: string;

beforeAll(async () => {
  server = await startTestServer();
  admin = await server.token({ doc: '*', role: 'admin', sub: 'backend' });
  const created = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name: DOC, content: 'First draft of the plan.' } });
  expect(created.status).toBe(201);
});

afterAll(async () => {
  await server.stop({ removeData: true });
});

const call = (method: string, route: string, body?: unknown, on = server) => apiRequest(on.httpUrl, method, `/api/docs/${DOC}${route}`, { token: admin, body });

describe('threads travel with the document', () => {
  it('[CM12] the JSON export holds the threads, positioned in the exported body', async () => {
    expect((await call('POST', '/threads', { text: 'Which plan?', quote: 'plan' })).status).toBe(201);
    const exported = JSON.parse((await call('GET', '/content?format=json')).text as string);
    expect(exported.type).toBe('doc');
    expect(exported.threads).toEqual([
      expect.objectContaining({ quote: 'plan', status: 'open', anchor: { from: 20, to: 24 }, comments: [expect.objectContaining({ text: 'Which plan?' })] }),
    ]);
  });

  it('[CM12] [AN6] a version shows the threads it had; restoring an older version deletes no thread, and text it keeps stays anchored', async () => {
    const older = (await call('POST', '/versions', { label: 'one thread' })).json as { id: number };
    expect((await call('POST', '/threads', { text: 'Second thought', quote: 'First' })).status).toBe(201);
    await call('PUT', '/content', { content: 'First draft of the plan, with more words.' });
    const atVersion = JSON.parse((await call('GET', `/versions/${older.id}/content?format=json`)).text as string);
    expect(atVersion.threads.map((thread: { quote: string }) => thread.quote)).toEqual(['plan']);

    expect((await call('POST', `/versions/${older.id}/restore`)).status).toBe(200);
    const threads = (await call('GET', '/threads')).json.threads as Array<{ quote: string; anchor: { text: string } | null }>;
    expect(threads.map((thread) => thread.quote)).toEqual(['plan', 'First']);
    expect(threads.map((thread) => thread.anchor?.text)).toEqual(['plan', 'First']);
  });

  it('[CM12] a backup holds the threads and a restored server serves them', async () => {
    const response = await fetch(`${server.httpUrl}/admin/backup`, { headers: { authorization: `Bearer ${admin}` } });
    expect(response.status).toBe(200);
    const folder = await mkdtemp(path.join(os.tmpdir(), 'comment-backup-'));
    const file = path.join(folder, 'backup.quire');
    await writeFile(file, Buffer.from(await response.arrayBuffer()));
    const restoredDir = path.join(folder, 'restored');
    await restoreFromFile({ dataDir: restoredDir, input: file });
    const restored = await startTestServer({ dataDir: restoredDir });
    try {
      const threads = (await call('GET', '/threads', undefined, restored)).json.threads as Array<{ quote: string; comments: Array<{ text: string }> }>;
      expect(threads.map((thread) => [thread.quote, thread.comments[0].text])).toEqual([
        ['plan', 'Which plan?'],
        ['First', 'Second thought'],
      ]);
    } finally {
      await restored.stop();
      await rm(folder, { recursive: true, force: true });
    }
  });

  it('[CM12] deleting the document deletes its threads', async () => {
    expect((await call('DELETE', '')).status).toBe(204);
    expect((await call('GET', '/threads')).status).toBe(404);
    const again = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name: DOC } });
    expect(again.status).toBe(201);
    expect((await call('GET', '/threads')).json).toEqual({ threads: [] });
  });
});
