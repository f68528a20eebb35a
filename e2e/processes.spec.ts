import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { mintToken } from '../shared/token';
import { CommandProcess } from '../testing/commandProcess';
import { ProjectCopy } from '../testing/projectCopy';
import { CTRL_C_IN_TERMINAL, STOP_REQUESTS, type StopRequest, stopWhileEditing } from '../testing/stopWhileEditing';
import { waitFor } from '../testing/waitFor';

/**
 * `npm start` and `npm run dev` as a person or a supervisor runs them: real process trees started
 * with npm exactly as the README says. Every way a stop request arrives (a signal to npm's pid,
 * a wrapper's copy of it a few milliseconds later, Ctrl+C to the terminal's process group or
 * typed into a real pseudo-terminal) stops the server gracefully: exit 0, every acknowledged edit
 * stored, no process of the tree left. The first line says which address to open; logs are JSON
 * lines when stdout is not a terminal and readable lines when it is, and never show a secret.
 * (`npm run collab-server` and the example site are checked in collab-server/test/processes.test.ts.)
 */

const root = fileURLToPath(new URL('..', import.meta.url));
// npm, an app start and a stop, on a machine that may be busy.
test.describe.configure({ timeout: 120_000 });
const AUTH_SECRET = 'e2e-processes-secret-that-is-long-enough-0123456789';
const commands: CommandProcess[] = [];
const folders: string[] = [];

test.afterAll(async () => {
  for (const command of commands) command.killTree();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function dataFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'e2e-processes-'));
  folders.push(folder);
  return folder;
}

/** A TCP port that was free a moment ago, for a test that needs to know the address in advance. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/** Starts `npm <args>` (or, with `terminal`, the same typed into a pseudo-terminal) on a new data folder. */
async function run(args: string[], env: Record<string, string> = {}, terminal = false) {
  const dataDir = await dataFolder();
  const fullEnv = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: dataDir, AUTH_SECRET, ...env };
  const command = terminal ? CommandProcess.inTerminal(['npm', ...args].join(' '), fullEnv) : CommandProcess.start(['npm', ...args], fullEnv);
  commands.push(command);
  return { command, dataDir };
}

/** Asks the command to stop while two clients type, and checks it stopped as promised. */
async function expectGracefulStop(command: CommandProcess, dataDir: string, port: number, request: StopRequest) {
  const outcome = await stopWhileEditing(command, { port, dataDir, secret: AUTH_SECRET, request });
  expect(outcome.exit, command.output).toEqual({ code: 0, signal: null });
  expect(outcome.leftover, 'processes of the tree still running').toEqual([]);
  expect(outcome.acknowledged).toBeGreaterThanOrEqual(20);
  expect(outcome.lost, 'acknowledged edits missing after the stop').toEqual([]);
  expect(command.output).toContain('every received update is stored');
  expect(command.output).not.toContain('exiting without waiting');
}

test.describe('`npm start`', () => {
  for (const request of STOP_REQUESTS) {
    test(`stops gracefully on ${request.name}: exit 0, no process left, every acknowledged edit stored`, async () => {
      const { command, dataDir } = await run(['start']);
      await expectGracefulStop(command, dataDir, await command.listening(), request);
    });
  }

  test('with stdout not a terminal: JSON lines only, the first saying where Quire will be, the listening line which address to open; no secret', async () => {
    const port = await freePort();
    const { command } = await run(['start'], { PORT: String(port) });
    await command.listening();
    const token = await mintToken(AUTH_SECRET, { sub: 'reader', name: 'Reader', doc: '*', role: 'admin' });
    expect((await fetch(`http://127.0.0.1:${port}/api/docs`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
    process.kill(command.pid, 'SIGTERM');
    expect(await command.exited).toEqual({ code: 0, signal: null });

    // npm's own banner ("> quire@… start") comes first; everything the program prints is JSON.
    const lines = command.stdout.split('\n').filter((line) => line.trim() !== '' && !line.startsWith('> '));
    const records = lines.map((line) => JSON.parse(line) as { event?: string; msg: string; url?: string });
    expect(records[0]).toMatchObject({ event: 'starting', url: `http://localhost:${port}` });
    expect(records[0].msg).toContain(`http://localhost:${port}`);
    expect(records.find((record) => record.event === 'listening')?.msg).toContain(`Quire is running: open http://localhost:${port}`);
    expect(command.output).not.toContain(AUTH_SECRET);
    expect(command.output).not.toContain(token);
  });

  test('on a terminal: readable lines, the first saying which address to open; Ctrl+C stops it gracefully', async () => {
    const port = await freePort();
    const { command, dataDir } = await run(['start'], { PORT: String(port) }, true);
    await command.line('Quire is running: open');
    await expectGracefulStop(command, dataDir, port, CTRL_C_IN_TERMINAL);
    // The terminal shows npm's banner, then the program's lines: time, level, message.
    const lines = command.stdout.split(/\r?\n/).filter((line) => line.trim() !== '' && !line.startsWith('> '));
    expect(lines[0]).toMatch(new RegExp(`^\\[\\d\\d:\\d\\d:\\d\\d\\] .*INFO.*Quire is starting; it will be at http://localhost:${port}`));
    expect(lines.find((line) => line.includes('Quire is running'))).toContain(`open http://localhost:${port}`);
    expect(
      lines.filter((line) => line.startsWith('{"level"')),
      'JSON lines on a terminal',
    ).toEqual([]);
    expect(command.output).not.toContain(AUTH_SECRET);
  });

  test('a first start builds the app after saying where Quire will be; a stop during the build ends the build too: exit 0, nothing left running', async () => {
    // A build folder of its own, with no build in it, so this start has to build.
    const distDir = `.next-processes-${process.pid}-${Date.now()}`;
    folders.push(path.join(root, distDir));
    const port = await freePort();
    const { command } = await run(['start'], { PORT: String(port), NEXT_DIST_DIR: distDir });
    await command.line('no app build yet');
    // The build is a process group of its own, under way.
    await waitFor(() => command.tree().some((member) => member.command.includes('next build')), { message: 'next build to run' });
    process.kill(command.pid, 'SIGTERM');
    expect(await command.exited, command.output).toEqual({ code: 0, signal: null });
    await waitFor(() => command.tree().length === 0, { timeoutMs: 10_000, message: `no process left: ${JSON.stringify(command.tree())}` });
    expect(existsSync(path.join(root, distDir, 'BUILD_ID')), 'the build was cut short').toBe(false);

    const records = command.stdout
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as { msg: string });
    expect(records[0].msg).toBe(
      `Quire is starting; it will be at http://localhost:${port} (from this machine only; HOST=0.0.0.0 or a reverse proxy lets others in)`,
    );
    expect(records[1].msg).toMatch(/^no app build yet; building it/);
  });
});

test.describe('`npm run dev`', () => {
  for (const request of [STOP_REQUESTS[1], STOP_REQUESTS[2]]) {
    test(`stops gracefully on ${request.name}: exit 0, no process left, every acknowledged edit stored`, async () => {
      const { command, dataDir } = await run(['run', 'dev']);
      await expectGracefulStop(command, dataDir, await command.listening(), request);
    });
  }

  test('reloads: a change to the server’s code stops the server gracefully and starts it again on the new code', async () => {
    // On a copy of the project, so that the change touches no file of this checkout.
    const project = ProjectCopy.create('hard-linked');
    folders.push(project.root);
    const env = { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', DATA_DIR: await dataFolder(), AUTH_SECRET };
    const command = CommandProcess.start(['npm', 'run', 'dev'], env, project.root);
    commands.push(command);
    await command.listening();
    const listening = () =>
      command
        .records()
        .filter((record) => record.event === 'listening')
        .map((record) => String(record.msg));
    expect(listening()).toEqual([expect.stringContaining('(from this machine only;')]);

    const module = project.path('collab-server/openAddress.ts');
    writeFileSync(module, readFileSync(module, 'utf8').replaceAll('from this machine only', 'from this very machine only'));
    await command.line('[dev] server code changed; restarting the server');
    await waitFor(() => listening().length === 2, { timeoutMs: 60_000, message: 'the restarted server to listen' });
    expect(listening()[1]).toContain('(from this very machine only;');
    // The new server started only once the old one had stored everything and let go of the data folder.
    const stored = command.output.indexOf('every received update is stored');
    expect(stored, command.output).toBeGreaterThan(-1);
    expect(stored).toBeLessThan(command.output.indexOf('from this very machine only'));

    process.kill(command.pid, 'SIGTERM');
    expect(await command.exited, command.output).toEqual({ code: 0, signal: null });
    await waitFor(() => command.tree().length === 0, { timeoutMs: 10_000, message: `no process left: ${JSON.stringify(command.tree())}` });
  });
});
