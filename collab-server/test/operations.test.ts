import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { SignJWT } from 'jose';
import { afterAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { runCommand } from '../../testing/npmRun';
import { ServerProcess } from '../../testing/serverProcess';
import { startTestServer, TEST_SECRET } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { OPTIONS } from '../config';

/** The collab server as an operator runs it: a real process, its command line and its output. */

const SECRET = 'operations-test-secret-long-enough-for-hs256';
const folders: string[] = [];
const servers: ServerProcess[] = [];

afterAll(async () => {
  await Promise.all(servers.map((server) => server.stop('SIGKILL')));
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

const tempFolder = async () => {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'operations-'));
  folders.push(folder);
  return folder;
};

const run = runCommand;

describe('operating the collab server', () => {
  it('`npm run collab-server -- --help` lists every option and exits 0', async () => {
    const { code, stdout } = await run('npm', ['run', '-s', 'collab-server', '--', '--help']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Usage: collab-server \[options\]/);
    for (const option of Object.values(OPTIONS)) {
      expect(stdout).toContain(option.env);
      expect(stdout).toContain(`--${option.env.toLowerCase().replace(/_/g, '-')}`);
    }
  });

  it('a second process on the same DATA_DIR refuses to start, says why, and exits non-zero; the first keeps serving', async () => {
    const dataDir = await tempFolder();
    const first = await ServerProcess.start('collab-server/main.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET: SECRET });
    servers.push(first);
    const error = await ServerProcess.start('collab-server/main.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET: SECRET }).then(
      (second) => {
        servers.push(second);
        return null;
      },
      (caught: unknown) => caught as Error,
    );
    expect(error?.message).toMatch(/exited with 1 before listening/);
    expect(error?.message).toContain(`the data folder ${path.join(dataDir, 'documents')} is in use by another process`);
    expect(error?.message).toContain('choose another DATA_DIR');
    expect((await fetch(`${first.httpUrl}/readyz`)).status).toBe(200);
  });

  it('writes only JSON lines, Hocuspocus console output included, and never the token of a y-websocket URL', async () => {
    const server = await ServerProcess.start('collab-server/main.ts', {
      PORT: '0',
      DATA_DIR: await tempFolder(),
      AUTH_SECRET: SECRET,
      MAX_DOCUMENT_BYTES: '1024',
    });
    servers.push(server);
    const token = await mintToken(SECRET, { sub: 'ops', name: 'Ops', doc: 'limits', role: 'editor' });
    const client = hocuspocusClient(`ws://127.0.0.1:${server.port}/collab`, 'limits', token);
    await client.synced();
    // Past MAX_DOCUMENT_BYTES: the limits hook refuses the update and Hocuspocus reports it on the console.
    client.doc.getText('body').insert(0, 'x'.repeat(3000));
    await waitFor(() => server.output.includes('"source":"console"'), { message: "Hocuspocus' console line about the refused update" });
    client.destroy();
    // The y-websocket protocol carries the token in the URL's query string.
    const viaUrl = yWebsocketClient(`ws://127.0.0.1:${server.port}/y`, 'limits', token);
    await viaUrl.synced();
    viaUrl.destroy();
    expect(await server.stop('SIGTERM')).toBe(0);

    const lines = server.output.split('\n').filter((line) => line.trim() !== '');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(() => JSON.parse(line), line).not.toThrow();
    expect(lines.some((line) => JSON.parse(line).source === 'console')).toBe(true);
    expect(server.output).not.toContain(token);
  });

  it('the token command explains what is missing', async () => {
    const missing = await run('npm', ['run', '-s', 'token', '--', '--doc', '*']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/token: --role must be one of viewer, commenter, editor, admin/);
    const noSecret = await run('npm', ['run', '-s', 'token', '--', '--role', 'admin', '--doc', '*', '--data-dir', await tempFolder()], { AUTH_SECRET: '' });
    expect(noSecret.code).toBe(1);
    expect(noSecret.stderr).toMatch(/AUTH_SECRET is not set and .*auth-secret cannot be read/);
  });

  it('a token minted with jose as the README shows opens its document', async () => {
    const server = await startTestServer();
    try {
      const AUTH_SECRET = TEST_SECRET;
      // The README's example, verbatim but for the secret's source.
      const token = await new SignJWT({ name: 'Ada', doc: 'design-notes', role: 'editor' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('user-42')
        .setExpirationTime('1h')
        .sign(new TextEncoder().encode(AUTH_SECRET));
      const client = hocuspocusClient(server.hocuspocusUrl, 'design-notes', token);
      await client.synced();
      client.doc.getText('body').insert(0, 'minted by a backend');
      await client.saved();
      client.destroy();
    } finally {
      await server.stop({ removeData: true });
    }
  });
});
