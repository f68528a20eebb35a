import { access, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as Y from 'yjs';
import type { ExportItem } from '../../persistence/DocumentStore';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { mintToken, verifyToken } from '../../shared/token';
import type { VersionDescription } from '../../shared/versionDescription';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { npmRun } from '../../testing/npmRun';
import { ServerProcess } from '../../testing/serverProcess';
import { SECRET_FILE } from '../authSecret';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Backup and restore end to end, with the real commands as child processes: a running server
 * with several documents (compacted ones, ones with only a log, one made by the app with link
 * secrets, one with named, automatic and restoring versions, a deleted one) → `npm run backup`
 * while an editor keeps typing → `npm run restore` into a new DATA_DIR → a server on it serves
 * every document with the same content and the same version history, and both stores hold the
 * same metadata and bytes.
 */

const folders: string[] = [];
const servers: ServerProcess[] = [];

const tempFolder = async (label: string) => {
  const folder = await mkdtemp(path.join(os.tmpdir(), `backup-${label}-`));
  folders.push(folder);
  return folder;
};

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** Everything a store holds, as comparable JSON values. */
async function exported(dataDir: string): Promise<ExportItem[]> {
  const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
  await store.open();
  try {
    const items: ExportItem[] = [];
    for await (const item of store.exportAll()) items.push(item);
    return JSON.parse(JSON.stringify(items, (_key, value) => (value?.type === 'Buffer' ? value.data : value)));
  } finally {
    await store.close();
  }
}

const bodyOf = (doc: Y.Doc) => doc.getText('body').toString();

/** A version as the content API describes it. */
type Version = VersionDescription;

/** The document whose history the backup must carry. */
const VERSIONED = 'versioned';

/** A content API request to `server` as the editor `sub` of `VERSIONED` (or with the token given). */
async function api(server: ServerProcess, method: string, path: string, options: { as?: string; token?: string; body?: unknown } = {}) {
  const as = options.as ?? 'ada';
  const token = options.token ?? (await mintToken(secret, { sub: as, name: as.charAt(0).toUpperCase() + as.slice(1), doc: VERSIONED, role: 'editor' }));
  const response = await fetch(`${server.httpUrl}/api/docs/${VERSIONED}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (!response.ok) throw new Error(`${method} ${path}: ${response.status} ${await response.text()}`);
  return response;
}

/** Every version of `VERSIONED`, newest first. */
async function versionsOn(server: ServerProcess): Promise<Version[]> {
  return ((await (await api(server, 'GET', '/versions')).json()) as { versions: Version[] }).versions;
}

/** Each version's content, as Markdown, by id. */
async function contentsOn(server: ServerProcess, versions: Version[]): Promise<Record<number, string>> {
  const contents: Record<number, string> = {};
  for (const { id } of versions) contents[id] = await (await api(server, 'GET', `/versions/${id}/content?format=markdown`)).text();
  return contents;
}

/**
 * Gives `VERSIONED` a history by several people: automatic versions (captured once edits pause),
 * a named one, and one that restores the first.
 */
async function makeHistory(server: ServerProcess): Promise<void> {
  const { waitFor } = await import('../../testing/waitFor');
  const count = async (n: number) => waitFor(async () => (await versionsOn(server)).length === n, { message: `${n} versions of ${VERSIONED}` });
  const admin = await mintToken(secret, { sub: 'admin', name: 'Admin', doc: '*', role: 'admin' });
  const created = await fetch(`${server.httpUrl}/api/docs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: JSON.stringify({ name: VERSIONED, title: 'Versioned' }),
  });
  expect(created.status).toBe(201);
  await api(server, 'PUT', '/content', { as: 'ada', body: { content: 'Draft one.' } });
  await count(1);
  await api(server, 'POST', '/content', { as: 'bob', body: { content: 'Reviewed by Bob.' } });
  await api(server, 'POST', '/versions', { as: 'bob', body: { label: 'Milestone' } });
  await count(2);
  await api(server, 'PUT', '/content', { as: 'ada', body: { content: 'Draft two, rewritten.' } });
  await count(3);
  await api(server, 'POST', '/versions/1/restore', { as: 'bob' });
  await count(4);
}

let sourceDir: string;
let secret: string;
let source: ServerProcess;
/** Document name → body text, as the editors left it. */
const expected = new Map<string, string>();
let appDocument: { name: string; editKey: string; viewKey: string };

/** The name and link secrets of a document the app created. */
function keysOf(created: { name: string; links: Array<{ kind: string; secret: string }> }) {
  const secretOf = (kind: string) => created.links.find((link) => link.kind === kind)?.secret as string;
  return { name: created.name, editKey: secretOf('edit'), viewKey: secretOf('view') };
}

async function edit(server: ServerProcess, name: string, texts: string[], protocol: 'hocuspocus' | 'y-websocket' = 'hocuspocus') {
  const token = await mintToken(secret, { sub: 'writer', name: 'Writer', doc: name, role: 'editor' });
  const wsUrl = `ws://127.0.0.1:${server.port}`;
  if (protocol === 'hocuspocus') {
    const client = hocuspocusClient(`${wsUrl}/collab`, name, token);
    await client.synced();
    for (const text of texts) {
      client.doc.getText('body').insert(bodyOf(client.doc).length, text);
      await client.saved();
    }
    expected.set(name, bodyOf(client.doc));
    client.destroy();
  } else {
    // y-websocket has no acknowledgements: read the edits back through a Hocuspocus client.
    const client = yWebsocketClient(`${wsUrl}/y`, name, token);
    await client.synced();
    for (const text of texts) client.doc.getText('body').insert(bodyOf(client.doc).length, text);
    const check = hocuspocusClient(`${wsUrl}/collab`, name, token);
    await check.synced();
    const { waitFor } = await import('../../testing/waitFor');
    await waitFor(() => bodyOf(check.doc) === texts.join(''), { message: `${name} to reach the server` });
    await waitFor(() => check.provider.unsyncedChanges === 0, { message: 'the check client to settle' });
    expected.set(name, bodyOf(check.doc));
    check.destroy();
    client.destroy();
  }
}

beforeAll(async () => {
  sourceDir = await tempFolder('source');
  // No AUTH_SECRET: the server generates one in DATA_DIR, and the token command reads it there.
  // Versions are captured 200 ms after edits pause, so the documents get automatic versions quickly.
  source = await ServerProcess.start('collab-server/main.ts', {
    PORT: '0',
    DATA_DIR: sourceDir,
    AUTH_SECRET: '',
    COMPACT_LOG_ENTRIES: '10',
    HISTORY_IDLE_MS: '200',
  });
  servers.push(source);
  secret = (await readFile(path.join(sourceDir, SECRET_FILE), 'utf8')).trim();

  await edit(
    source,
    'compacted',
    Array.from({ length: 25 }, (_, i) => `edit ${i}; `),
  );
  await edit(source, 'log only', ['one ', 'two ', 'three']);
  await edit(source, 'Grüße ✓ 日本', ['über ', 'y-websocket'], 'y-websocket');
  const created = await fetch(`${source.httpUrl}/api/app/documents`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'Shared plan' }),
  });
  appDocument = keysOf(await created.json());
  const doomed = keysOf(
    await (await fetch(`${source.httpUrl}/api/app/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).json(),
  );
  const deleted = await fetch(`${source.httpUrl}/api/app/documents/${doomed.name}`, {
    method: 'DELETE',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ key: doomed.editKey }),
  });
  expect(deleted.status).toBe(200);
  await makeHistory(source);
}, 60_000);

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop('SIGKILL')));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

describe('backup and restore', () => {
  it('backs up a running server with the CLI and restores it into a new DATA_DIR that serves the same documents', async () => {
    const minted = await npmRun('token', ['--role', 'admin', '--doc', '*', '--sub', 'backup-job', '--data-dir', sourceDir], { AUTH_SECRET: '' });
    expect(minted.code, minted.stderr).toBe(0);
    const adminToken = minted.stdout.trim();
    expect(await verifyToken(secret, adminToken)).toMatchObject({ role: 'admin', doc: '*', sub: 'backup-job' });

    const versionsBefore = await versionsOn(source);
    const contentsBefore = await contentsOn(source, versionsBefore);
    const file = path.join(await tempFolder('file'), 'quire.backup');
    // An editor keeps typing while the backup runs; its edits keep being acknowledged.
    const busyToken = await mintToken(secret, { sub: 'busy', name: 'Busy', doc: 'busy', role: 'editor' });
    const busy = hocuspocusClient(`ws://127.0.0.1:${source.port}/collab`, 'busy', busyToken);
    await busy.synced();
    let typing = true;
    let acknowledged = 0;
    const typist = (async () => {
      while (typing) {
        busy.doc.getText('body').insert(bodyOf(busy.doc).length, `${acknowledged}.`);
        await busy.saved();
        acknowledged += 1;
      }
    })();
    const backup = await npmRun('backup', ['--url', source.httpUrl, '--out', file], { ADMIN_TOKEN: adminToken });
    const duringBackup = acknowledged;
    typing = false;
    await typist;
    busy.destroy();
    expect(backup.code, backup.stderr).toBe(0);
    expect(backup.stderr).toMatch(/^backup: \d+\/\d+ documents, /m);
    expect(backup.stderr).toMatch(/backup: 6 documents, 1 tombstones, \d+ updates, \d+ versions, .* checksum verified; saved to /);
    expect(duringBackup).toBeGreaterThan(0);
    expect(await exists(`${file}.partial`)).toBe(false);
    expect(source.output).toContain('"event":"backup-finished"');
    expect(source.output).not.toContain(adminToken);

    expect(await source.stop('SIGTERM')).toBe(0);
    const restoredDir = await tempFolder('restored');
    const restored = await npmRun('restore', ['--data-dir', restoredDir, '--in', file]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(restored.stderr).toMatch(/restore: 6 documents, 1 tombstones, \d+ updates, \d+ versions, .* checksum verified; restored into /);

    // Metadata and bytes, version history included, are identical, except the document edited
    // during the backup, which holds a consistent earlier state of itself.
    const [before, after] = await Promise.all([exported(sourceDir), exported(restoredDir)]);
    const stored = (name: string) => before.flatMap((item) => (item.kind === 'document' && item.document.meta.name === name ? [item.document] : []))[0];
    // The backup covered both kinds of document: compacted (its log folded into the snapshot) and
    // not yet compacted (the snapshot it was created with, holding its identity, and every edit in the log).
    expect(stored('compacted').snapshot).not.toBeNull();
    expect(stored('compacted').log.length).toBeGreaterThan(0);
    expect(stored('log only').snapshot?.length).toBeLessThan(100);
    expect(stored('log only').log).toHaveLength(3);
    const busyOf = (items: ExportItem[]) => items.find((item) => item.kind === 'document' && item.document.meta.name === 'busy');
    const withoutBusy = (items: ExportItem[]) => items.filter((item) => item !== busyOf(items) && item.kind !== 'summary');
    expect(withoutBusy(after)).toEqual(withoutBusy(before));
    expect(after.filter((item) => item.kind === 'tombstone')).toHaveLength(1);
    expect(stored(VERSIONED).history.versions).toHaveLength(4);

    const restoredServer = await ServerProcess.start('collab-server/main.ts', { PORT: '0', DATA_DIR: restoredDir, AUTH_SECRET: secret });
    servers.push(restoredServer);
    for (const [name, body] of expected) {
      const token = await mintToken(secret, { sub: 'reader', name: 'Reader', doc: name, role: 'viewer' });
      const reader = hocuspocusClient(`ws://127.0.0.1:${restoredServer.port}/collab`, name, token);
      await reader.synced();
      expect(bodyOf(reader.doc), name).toBe(body);
      reader.destroy();
    }
    const busyReader = hocuspocusClient(`ws://127.0.0.1:${restoredServer.port}/collab`, 'busy', busyToken);
    await busyReader.synced();
    const restoredBusy = bodyOf(busyReader.doc);
    busyReader.destroy();
    expect(restoredBusy.length).toBeGreaterThan(0);
    expect(Array.from({ length: acknowledged }, (_, i) => `${i}.`).join('')).toContain(restoredBusy);
    expect(restoredBusy.startsWith('0.')).toBe(true);

    // The history came along: the same versions (ids, names, authors, times, what each restored),
    // each rebuilding the same content, and new versions continue after them.
    const versionsAfter = await versionsOn(restoredServer);
    expect(versionsAfter).toEqual(versionsBefore);
    expect(versionsAfter.map(({ id, label, authors, restoredFrom }) => [id, label, authors.map((author) => author.name), restoredFrom?.id ?? null])).toEqual([
      [4, null, ['Bob'], 1],
      [3, null, ['Ada'], null],
      [2, 'Milestone', ['Bob'], null],
      [1, null, ['Ada'], null],
    ]);
    expect(await contentsOn(restoredServer, versionsAfter)).toEqual(contentsBefore);
    expect(contentsBefore[1]).toContain('Draft one.');
    expect(contentsBefore[2]).toContain('Reviewed by Bob.');
    expect(contentsBefore[3]).toContain('Draft two, rewritten.');
    expect(contentsBefore[4]).toBe(contentsBefore[1]);
    await api(restoredServer, 'POST', '/content', { body: { content: 'Written after the restore.' } });
    const next = (await (await api(restoredServer, 'POST', '/versions', { body: { label: 'After the restore' } })).json()) as Version;
    expect(next.id).toBe(5);

    // The app's link secrets came along: the edit link still opens the document.
    const session = await fetch(`${restoredServer.httpUrl}/api/app/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: appDocument.name, key: appDocument.editKey }),
    });
    expect(session.status).toBe(200);
    expect(await session.json()).toMatchObject({ role: 'editor', title: 'Shared plan' });

    // A restore never writes into a DATA_DIR that has documents.
    const again = await npmRun('restore', ['--data-dir', restoredDir, '--in', file]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/restore failed: .*documents is not empty/);

    // A damaged or cut-short file changes nothing.
    const bytes = await readFile(file);
    const altered = Buffer.from(bytes);
    altered[altered.length - 1] ^= 0xff;
    for (const [label, content, problem] of [
      ['altered', altered, /checksum does not match/],
      ['cut', bytes.subarray(0, Math.floor((bytes.length * 2) / 3)), /the file is incomplete/],
    ] as const) {
      const damaged = path.join(path.dirname(file), `${label}.backup`);
      await writeFile(damaged, content);
      const untouched = await tempFolder('untouched');
      const refused = await npmRun('restore', ['--data-dir', untouched, '--in', damaged]);
      expect(refused.code, label).toBe(1);
      expect(refused.stderr, label).toMatch(problem);
      expect(await exists(path.join(untouched, DOCUMENTS_FOLDER)), label).toBe(false);
    }
  });

  it('the backup command explains a refused token and writes no file', async () => {
    const server = await ServerProcess.start('collab-server/main.ts', { PORT: '0', DATA_DIR: await tempFolder('refused'), AUTH_SECRET: secret });
    servers.push(server);
    const file = path.join(await tempFolder('nofile'), 'x.backup');
    const editor = await mintToken(secret, { sub: 'someone', name: 'Someone', doc: '*', role: 'editor' });
    const refused = await npmRun('backup', ['--url', server.httpUrl, '--out', file, '--token', editor]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/backup failed: the server refused the backup: 403 .*role "admin" and doc "\*"/);
    expect(await exists(file)).toBe(false);
    expect(await exists(`${file}.partial`)).toBe(false);
  });
});
