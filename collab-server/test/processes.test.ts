import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { CommandProcess } from '../../testing/commandProcess';
import { STOP_REQUESTS, stopWhileEditing } from '../../testing/stopWhileEditing';
import { TEST_SECRET } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { DUPLICATE_SIGNAL_WINDOW_MS } from '../signals';

/**
 * The documented long-running commands as real process trees, started exactly as the README
 * says (`npm run collab-server`, `npm run example`): a stop request to npm's pid, or to the
 * terminal's process group, stops the server gracefully — exit 0, every acknowledged edit
 * stored, no process of the tree left behind — and copies of the signal within
 * DUPLICATE_SIGNAL_WINDOW_MS do not turn it into an immediate exit. `npm start` and `npm run dev`
 * are checked the same way in `e2e/processes.spec.ts`, where the app is built.
 */

const root = fileURLToPath(new URL('../..', import.meta.url));
/** npm, a server start (a build, if a source changed) and a stop, on a machine that may be busy. */
const PROCESS_TEST_MS = 120_000;
const folders: string[] = [];
const commands: CommandProcess[] = [];

afterAll(async () => {
  for (const command of commands) command.killTree();
  await Promise.all(folders.map((folder) => rm(folder, { recursive: true, force: true })));
});

async function tempFolder(): Promise<string> {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'processes-'));
  folders.push(folder);
  return folder;
}

function npm(args: string[], env: Record<string, string>): CommandProcess {
  const command = CommandProcess.start(['npm', ...args], { HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: 'info', ...env });
  commands.push(command);
  return command;
}

describe('`npm run collab-server` stops gracefully', () => {
  for (const request of STOP_REQUESTS) {
    it(
      `on ${request.name}: exit 0, no process left, every acknowledged edit stored`,
      async () => {
        const dataDir = await tempFolder();
        const command = npm(['run', 'collab-server'], { DATA_DIR: dataDir, AUTH_SECRET: TEST_SECRET });
        const port = await command.listening();
        const outcome = await stopWhileEditing(command, { port, dataDir, secret: TEST_SECRET, request });
        expect(outcome.exit, command.output).toEqual({ code: 0, signal: null });
        expect(outcome.leftover).toEqual([]);
        expect(outcome.acknowledged).toBeGreaterThanOrEqual(20);
        expect(outcome.lost).toEqual([]);
        expect(command.output).toContain('every received update is stored');
        expect(command.output).not.toContain('exiting without waiting');
      },
      PROCESS_TEST_MS,
    );
  }

  it(
    'on a SIGTERM that arrives while it is still starting: exit 0, no process left',
    async () => {
      const command = npm(['run', 'collab-server'], { DATA_DIR: await tempFolder(), AUTH_SECRET: TEST_SECRET });
      // The server has begun (it prints this first, once it handles signals) and opens its store.
      await command.line('"event":"starting"');
      process.kill(command.pid, 'SIGTERM');
      expect(await command.exited, command.output).toEqual({ code: 0, signal: null });
      await waitFor(() => command.tree().length === 0, { timeoutMs: 5_000, message: 'no process of the tree left' });
    },
    PROCESS_TEST_MS,
  );
});

describe('`npm run example` (the embedding example host site)', () => {
  for (const request of STOP_REQUESTS) {
    it(
      `stops on ${request.name}: exit 0, no process left`,
      async () => {
        const command = npm(['run', 'example'], { AUTH_SECRET: TEST_SECRET });
        await command.line('example host site on http://127.0.0.1:');
        await request.send(command);
        expect(await command.exited, command.output).toEqual({ code: 0, signal: null });
        await waitFor(() => command.tree().length === 0, { timeoutMs: 5_000, message: 'no process of the tree left' });
      },
      PROCESS_TEST_MS,
    );
  }
});

describe('stop signals during a graceful stop (the servers’ stopOnSignals, in a real process)', () => {
  /** A process whose graceful stop takes `stopMs`; resolves once it handles signals. */
  async function slowStopper(stopMs: number) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'testing/slowStop.ts', String(stopMs)], { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => {
      output += chunk;
    });
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    await waitFor(() => output.includes('"event":"listening"'), { timeoutMs: 20_000, message: 'the process to handle signals' });
    return { child, exited, output: () => output };
  }

  it(`a copy of the signal ${5} ms after the first is the same request: the stop runs to its end and exits 0`, async () => {
    const stopper = await slowStopper(1500);
    stopper.child.kill('SIGTERM');
    await new Promise((resolve) => setTimeout(resolve, 5));
    stopper.child.kill('SIGTERM');
    stopper.child.kill('SIGINT');
    expect(await stopper.exited).toBe(0);
    expect(stopper.output()).toMatch(/SIGTERM again \d+ ms after the first: the same request/);
    expect(stopper.output()).not.toContain('exiting without waiting');
  });

  it(`a second signal more than ${DUPLICATE_SIGNAL_WINDOW_MS} ms after the first (someone insists) exits at once with 1`, async () => {
    const stopper = await slowStopper(60_000);
    stopper.child.kill('SIGINT');
    await new Promise((resolve) => setTimeout(resolve, DUPLICATE_SIGNAL_WINDOW_MS + 200));
    expect(stopper.child.exitCode, 'still stopping after the first signal').toBeNull();
    stopper.child.kill('SIGINT');
    expect(await stopper.exited).toBe(1);
    expect(stopper.output()).toContain('SIGINT received again while stopping; exiting without waiting');
  });
});
