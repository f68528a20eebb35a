import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { mintToken } from '../../shared/token';
import { apiRequest } from '../../testing/apiRequest';
import { AppBrowser } from '../../testing/appBrowser';
import { npmRun } from '../../testing/npmRun';
import { ServerProcess } from '../../testing/serverProcess';
import { waitFor } from '../../testing/waitFor';
import { SECRET_FILE } from '../authSecret';
import { DOCUMENTS_FOLDER } from '../CollabServer';
import { hashSecret } from '../links/linkCrypto';

/**
 * What the server leaves on disk, read back after it stopped: the data folder and everything in
 * it readable by the server's user only (a real server process, its real umask), link secrets
 * stored only as hashes (LevelDB read directly, and its raw files), the same in a backup file
 * made by the real backup command; and a data folder from an earlier build (secrets in clear,
 * files readable by others) is tightened and migrated, its links still working.
 */

const folders: string[] = [];
const servers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop('SIGKILL')));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

/** A path for a DATA_DIR that does not exist yet, in a temporary folder removed afterwards. */
async function newDataDir(label: string): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), `at-rest-${label}-`));
  folders.push(folder);
  return path.join(folder, 'data');
}

async function start(dataDir: string): Promise<ServerProcess> {
  const server = await ServerProcess.start('collab-server/main.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET: '' });
  servers.push(server);
  return server;
}

const modeOf = async (file: string) => (await stat(file)).mode & 0o777;

/** Every key and value LevelDB holds, as the database returns them (decompressed), plus its files' raw bytes. */
async function storedBytes(dataDir: string): Promise<{ entries: Buffer; files: Buffer }> {
  const location = path.join(dataDir, DOCUMENTS_FOLDER);
  const database = new LevelDatabase(location);
  await database.open();
  const parts: Buffer[] = [];
  try {
    for await (const [key, value] of database.entries({})) parts.push(Buffer.from(key), value);
  } finally {
    await database.close();
  }
  const files = await Promise.all((await readdir(location)).map((file) => readFile(path.join(location, file))));
  return { entries: Buffer.concat(parts), files: Buffer.concat(files) };
}

/** The secret in a share link's fragment. */
const secretOf = (link: unknown) => new URL(link as string).hash.slice(1);

describe('secrets at rest', () => {
  it('[R1] the data folder is 0700 and its files 0600, link secrets are stored as hashes only, and a backup (0600) and a restore (0700/0600) hold no secret either', async () => {
    const dataDir = await newDataDir('fresh');
    const server = await start(dataDir);
    const browser = new AppBrowser(server.httpUrl);
    const made = await browser.create({ title: 'Secret plans' });
    const reset = await browser.call('POST', `/api/app/documents/${made.name}/links/view/reset`, { key: made.secrets.edit });
    expect(reset.status).toBe(200);
    const admin = await mintToken((await readFile(path.join(dataDir, SECRET_FILE), 'utf8')).trim(), { sub: 'ops', name: 'Ops', doc: '*', role: 'admin' });
    const viaApi = await apiRequest(server.httpUrl, 'POST', '/api/docs', { token: admin, body: { name: 'made-by-api', links: true } });
    expect(viaApi.status).toBe(201);
    const links = viaApi.json.links as Record<string, unknown>;
    const current = [made.secrets.edit, reset.data.secret as string, secretOf(links.edit), secretOf(links.view)];
    const all = [...current, made.secrets.view];
    // Every secret works (or worked) and the document still opens with the current ones.
    expect((await browser.session(made.name, made.secrets.edit)).status).toBe(200);

    const backup = path.join(path.dirname(dataDir), 'quire.backup');
    const backedUp = await npmRun('backup', ['--url', server.httpUrl, '--out', backup], { ADMIN_TOKEN: admin });
    expect(backedUp.code, backedUp.stderr).toBe(0);
    expect(await server.stop()).toBe(0);

    expect(await modeOf(dataDir)).toBe(0o700);
    expect(await modeOf(path.join(dataDir, DOCUMENTS_FOLDER))).toBe(0o700);
    expect(await modeOf(path.join(dataDir, SECRET_FILE))).toBe(0o600);
    const files = await readdir(path.join(dataDir, DOCUMENTS_FOLDER));
    expect(files).toEqual(expect.arrayContaining(['CURRENT', 'LOCK']));
    for (const file of files) expect(await modeOf(path.join(dataDir, DOCUMENTS_FOLDER, file)), file).toBe(0o600);
    expect(await modeOf(backup)).toBe(0o600);
    // What a restore writes is as private as the data folder.
    const restoredDir = await newDataDir('restored');
    const restored = await npmRun('restore', ['--data-dir', restoredDir, '--in', backup]);
    expect(restored.code, restored.stderr).toBe(0);
    expect(await modeOf(restoredDir)).toBe(0o700);
    expect(await modeOf(path.join(restoredDir, DOCUMENTS_FOLDER))).toBe(0o700);
    for (const file of await readdir(path.join(restoredDir, DOCUMENTS_FOLDER))) {
      expect(await modeOf(path.join(restoredDir, DOCUMENTS_FOLDER, file)), `restored ${file}`).toBe(0o600);
    }

    const stored = await storedBytes(dataDir);
    const backupBytes = await readFile(backup);
    const restoredBytes = await storedBytes(restoredDir);
    for (const secret of all) {
      expect(stored.entries.includes(secret), `LevelDB holds the secret ${secret}`).toBe(false);
      expect(restoredBytes.entries.includes(secret), `the restored LevelDB holds the secret ${secret}`).toBe(false);
      expect(stored.files.includes(secret), `a LevelDB file holds the secret ${secret}`).toBe(false);
      expect(backupBytes.includes(secret), `the backup holds the secret ${secret}`).toBe(false);
    }
    // What is stored instead: the hashes (so the search above looked in the right place).
    for (const secret of current) {
      expect(stored.entries.includes(hashSecret(secret)), `LevelDB holds the hash of ${secret}`).toBe(true);
      expect(backupBytes.includes(hashSecret(secret)), `the backup holds the hash of ${secret}`).toBe(true);
    }
    // A server process, the backup and the restore command each start in turn.
  }, 60_000);

  it('[R2] a data folder from an earlier build, with secrets in clear and files others may read, is tightened and migrated; its links keep working', async () => {
    const dataDir = await newDataDir('legacy');
    await mkdir(dataDir, { mode: 0o755 });
    await chmod(dataDir, 0o755);
    const legacy = {
      'legacy-used': { editKey: 'LegacyEditSecret0000001', viewKey: 'LegacyViewSecret0000001' },
      'legacy-idle': { editKey: 'LegacyEditSecret0000002', viewKey: 'LegacyViewSecret0000002' },
    };
    // As an earlier build stored them, with this process's umask (files 0644).
    const old = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
    await old.open();
    for (const [name, properties] of Object.entries(legacy)) await old.create(name, { title: name, properties });
    await old.close();
    expect(await modeOf(path.join(dataDir, DOCUMENTS_FOLDER, 'CURRENT'))).not.toBe(0o600);

    const server = await start(dataDir);
    await waitFor(() => server.output.includes('"event":"data-folder-tightened"'), { message: 'the warning about the data folder' });
    const browser = new AppBrowser(server.httpUrl);
    const used = legacy['legacy-used'];
    const asEditor = await browser.session('legacy-used', used.editKey);
    expect(asEditor.data).toMatchObject({ role: 'editor', title: 'legacy-used' });
    expect(await browser.links('legacy-used', used.editKey)).toEqual([
      { kind: 'edit', secret: used.editKey, expiresAt: null, expired: false },
      { kind: 'view', secret: used.viewKey, expiresAt: null, expired: false },
    ]);
    expect((await browser.session('legacy-used', used.viewKey)).data).toMatchObject({ role: 'viewer' });
    // The sweep at start migrated the document nobody opened too.
    await waitFor(() => server.output.includes('"event":"links-migrated"'), { message: 'the migration sweep' });
    expect((await browser.session('legacy-idle', legacy['legacy-idle'].viewKey)).data).toMatchObject({ role: 'viewer' });
    expect(await server.stop()).toBe(0);

    expect(await modeOf(dataDir)).toBe(0o700);
    for (const file of await readdir(path.join(dataDir, DOCUMENTS_FOLDER))) {
      expect(await modeOf(path.join(dataDir, DOCUMENTS_FOLDER, file)), file).toBe(0o600);
    }
    const stored = await storedBytes(dataDir);
    for (const secret of Object.values(legacy).flatMap((keys) => Object.values(keys))) {
      expect(stored.entries.includes(secret), `LevelDB still holds ${secret}`).toBe(false);
      expect(stored.entries.includes(hashSecret(secret)), `LevelDB holds the hash of ${secret}`).toBe(true);
    }
    const store = new LevelDocumentStore({ location: path.join(dataDir, DOCUMENTS_FOLDER) });
    await store.open();
    try {
      for (const name of Object.keys(legacy)) expect(Object.keys((await store.getMeta(name))?.properties ?? {}).sort()).toEqual(['link.edit', 'link.view']);
    } finally {
      await store.close();
    }
  });
});
