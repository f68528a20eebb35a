import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { TITLE_FIELD } from '../../shared/documentFields';
import { mintToken } from '../../shared/token';
import { hocuspocusClient } from '../../testing/clients';
import { ServerProcess } from '../../testing/serverProcess';
import { TEST_SECRET } from '../../testing/testServer';
import { DOCUMENTS_FOLDER } from '../CollabServer';

/**
 * Bad storage at start: a locked, corrupted, incomplete, foreign or unusable data folder stops the
 * real server process with a clear message and a non-zero exit. It never starts with silently
 * empty documents, and it never deletes what is there.
 */

const CONTENT = 'precious content';
let root: string;
let golden: string;

/** Starts collab-server/main.ts on `dataDir`, expecting it to fail: its exit code and output. */
async function failedStart(dataDir: string): Promise<{ code: number; output: string }> {
  try {
    const server = await ServerProcess.start('collab-server/main.ts', { DATA_DIR: dataDir, PORT: '0', AUTH_SECRET: TEST_SECRET });
    await server.stop('SIGKILL');
    throw new Error(`the server started on ${dataDir}; it should have refused`);
  } catch (error) {
    const match = /exited with (-?\d+) before listening:\n([\s\S]*)$/.exec((error as Error).message);
    if (!match) throw error;
    return { code: Number(match[1]), output: match[2] };
  }
}

/** A copy of the golden data folder (one document, stored in a LevelDB table and log) to damage. */
function copyOfGolden(label: string): { dataDir: string; documents: string } {
  const dataDir = path.join(root, label);
  cpSync(golden, dataDir, { recursive: true });
  return { dataDir, documents: path.join(dataDir, DOCUMENTS_FOLDER) };
}

const tables = (folder: string) => readdirSync(folder).filter((file) => file.endsWith('.ldb'));

beforeAll(async () => {
  root = mkdtempSync(path.join(os.tmpdir(), 'collab-startup-'));
  golden = path.join(root, 'golden');
  const env = { DATA_DIR: golden, PORT: '0', AUTH_SECRET: TEST_SECRET };
  const server = await ServerProcess.start('collab-server/main.ts', env);
  const token = await mintToken(TEST_SECRET, { sub: 'owner', name: 'Owner', doc: 'doc', role: 'editor' });
  const client = hocuspocusClient(`${server.httpUrl.replace('http', 'ws')}/collab`, 'doc', token);
  await client.synced();
  client.doc.getText(TITLE_FIELD).insert(0, CONTENT);
  await client.saved();
  client.destroy();
  await server.stop('SIGTERM');
  // A second start recovers the log into a table, so the folder holds both kinds of files.
  await (await ServerProcess.start('collab-server/main.ts', env)).stop('SIGTERM');
}, 60_000);

afterAll(() => {
  rmSync(root, { recursive: true, force: true });
});

describe('bad storage at start', () => {
  it('[S1] a data folder in use by another process: exit 1 naming the lock; the first server keeps serving', async () => {
    const { dataDir } = copyOfGolden('locked');
    const first = await ServerProcess.start('collab-server/main.ts', { DATA_DIR: dataDir, PORT: '0', AUTH_SECRET: TEST_SECRET });
    try {
      const second = await failedStart(dataDir);
      expect(second.code).toBe(1);
      expect(second.output).toMatch(/in use by another process/);
      expect((await fetch(`${first.httpUrl}/readyz`)).status).toBe(200);
    } finally {
      await first.stop('SIGTERM');
    }
  });

  it('[S2] a DATA_DIR that does not exist yet is created (with AUTH_SECRET set, no secret file is written there)', async () => {
    const dataDir = path.join(root, 'fresh', 'nested', 'data');
    const server = await ServerProcess.start('collab-server/main.ts', { DATA_DIR: dataDir, PORT: '0', AUTH_SECRET: TEST_SECRET });
    expect((await fetch(`${server.httpUrl}/readyz`)).status).toBe(200);
    await server.stop('SIGTERM');
    expect(readdirSync(dataDir)).toEqual([DOCUMENTS_FOLDER]);
  });

  const corruptions: Array<{ name: string; damage: (documents: string) => void }> = [
    { name: 'CURRENT overwritten', damage: (documents) => writeFileSync(path.join(documents, 'CURRENT'), 'garbage') },
    { name: 'CURRENT missing', damage: (documents) => rmSync(path.join(documents, 'CURRENT')) },
    {
      name: 'MANIFEST damaged',
      damage: (documents) => {
        const manifest = path.join(documents, readdirSync(documents).find((file) => file.startsWith('MANIFEST-')) as string);
        const bytes = readFileSync(manifest);
        for (let i = 10; i < bytes.length; i += 7) bytes[i] ^= 0xff;
        writeFileSync(manifest, bytes);
      },
    },
    {
      name: 'table damaged',
      damage: (documents) => {
        for (const file of readdirSync(documents).filter((candidate) => candidate.endsWith('.ldb'))) {
          const bytes = readFileSync(path.join(documents, file));
          for (let i = 100; i < bytes.length - 100; i += 13) bytes[i] ^= 0x5a;
          writeFileSync(path.join(documents, file), bytes);
        }
      },
    },
    {
      name: 'table missing',
      damage: (documents) => {
        for (const file of readdirSync(documents).filter((candidate) => candidate.endsWith('.ldb'))) rmSync(path.join(documents, file));
      },
    },
  ];

  for (const { name, damage } of corruptions) {
    it.concurrent(`[S3] ${name}: exit 1 with a clear error, and no table of the damaged database is deleted`, async ({ expect }) => {
      const { dataDir, documents } = copyOfGolden(name.replace(/\W+/g, '-'));
      expect(tables(documents).length, 'the golden folder has a table').toBeGreaterThan(0);
      damage(documents);
      const before = tables(documents);
      const result = await failedStart(dataDir);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/collab server failed to start: .*(corrupt|Corruption)/);
      // LevelDB may rotate its log and manifest while opening; the tables (the data) must all stay.
      expect(before.filter((file) => !tables(documents).includes(file))).toEqual([]);
    });
  }

  it('[S4] a LevelDB database that is not a Quire store: exit 1, untouched', async () => {
    const dataDir = path.join(root, 'foreign');
    mkdirSync(dataDir);
    const foreign = new LevelDatabase(path.join(dataDir, DOCUMENTS_FOLDER));
    await foreign.open();
    await foreign.batch([{ type: 'put', key: 'someone-else', value: 'their data' }], true);
    await foreign.close();
    const result = await failedStart(dataDir);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/without a Quire layout marker; refusing to use it/);
    const again = new LevelDatabase(path.join(dataDir, DOCUMENTS_FOLDER));
    await again.open();
    expect((await again.get('someone-else'))?.toString()).toBe('their data');
    await again.close();
  });

  it('[S5] a DATA_DIR that cannot hold a database (a file in the way): exit 1 with the reason, not "in use"', async () => {
    const dataDir = path.join(root, 'blocked');
    mkdirSync(dataDir);
    writeFileSync(path.join(dataDir, DOCUMENTS_FOLDER), 'not a folder');
    const result = await failedStart(dataDir);
    expect(result.code).toBe(1);
    expect(result.output).toMatch(/collab server failed to start/);
    expect(result.output).not.toMatch(/in use by another process/);
  });

  it('[S6] a read-only DATA_DIR (a read-only mount; needs permission to mount): exit 1 with the reason', async (context) => {
    const dataDir = copyOfGolden('read-only').dataDir;
    try {
      execFileSync('mount', ['--bind', dataDir, dataDir], { stdio: 'ignore' });
      execFileSync('mount', ['-o', 'remount,bind,ro', dataDir], { stdio: 'ignore' });
    } catch {
      context.skip('mounting needs privileges this run does not have');
    }
    try {
      const result = await failedStart(dataDir);
      expect(result.code).toBe(1);
      expect(result.output).toMatch(/collab server failed to start: .*(Read-only file system|read-only|EROFS)/i);
    } finally {
      execFileSync('umount', [dataDir]);
    }
  });
});
