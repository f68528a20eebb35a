/**
 * `npm run dev [-- options]`: the app in Next.js development mode (pages reload as they change)
 * and the server rebuilt by esbuild's watch mode and restarted whenever its code changes.
 *
 * The server runs as a child (`node dist/start.js --dev`), since a changed module can only be
 * loaded by a new process. This process stays as a thin parent: a stop signal it receives is
 * passed to the server once (copies within DUPLICATE_SIGNAL_WINDOW_MS are dropped, as the server
 * itself does), it waits for the server's graceful stop and exits with its code. A restart waits
 * for the old server to exit before starting the new one, which needs the data folder's lock.
 *
 * Runs under Node's type stripping, like `scripts/buildServer.ts`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { context } from 'esbuild';
import { onStopSignals } from '../collab-server/signals.ts';
import { serverBuildOptions, writeOutputs } from './buildServer.ts';
import { BUILD_FOLDER } from './serverBuildState.mjs';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const startFile = path.join(root, BUILD_FOLDER, 'start.js');
const args = process.argv.slice(2);
const say = (message: string) => console.log(`[dev] ${message}`);

let server: { process: ChildProcess; exited: Promise<number> } | null = null;
let stopping = false;
/** Restarts run one after another: a new server starts only once the previous one has exited. */
let restarts = Promise.resolve();
let startedFrom: string | null = null;

function startServer(): void {
  const child = spawn(process.execPath, ['--enable-source-maps', startFile, '--dev', ...args], { cwd: root, stdio: 'inherit' });
  const exited = new Promise<number>((resolve) => {
    child.once('exit', (code, signal) => {
      if (server?.process === child && !stopping) say(`the server exited (${signal ?? `code ${code}`}); it starts again when its code changes`);
      resolve(code ?? 1);
    });
  });
  server = { process: child, exited };
}

async function restart(): Promise<void> {
  const previous = server;
  server = null;
  if (previous && previous.process.exitCode === null && previous.process.signalCode === null) {
    say('server code changed; restarting the server');
    previous.process.kill('SIGTERM');
    await previous.exited;
  }
  if (!stopping) startServer();
}

const watcher = await context({
  ...serverBuildOptions(root),
  plugins: [
    {
      name: 'restart-the-server',
      setup(build) {
        let startedAt = Date.now();
        build.onStart(() => {
          startedAt = Date.now();
        });
        build.onEnd((result) => {
          if (result.errors.length > 0 || !result.outputFiles || !result.metafile) {
            say('the server does not build (errors above); it starts again once they are fixed');
            return;
          }
          writeOutputs(root, startedAt, { ...result, outputFiles: result.outputFiles, metafile: result.metafile });
          // Only a change to the server's own bundle restarts it (not one to another entry).
          const built = result.outputFiles.find((file) => file.path === startFile)?.hash ?? null;
          if (built === startedFrom) return;
          startedFrom = built;
          restarts = restarts.then(restart);
        });
      },
    },
  ],
});

onStopSignals({
  first: (signal) => {
    stopping = true;
    void (async () => {
      await watcher.dispose();
      // A restart under way finishes stopping the old server and starts no new one.
      await restarts;
      if (!server) process.exit(0);
      server.process.kill(signal);
      process.exit(await server.exited);
    })();
  },
  again: (signal) => {
    // Asked again after the window: the server exits at once on this second signal.
    server?.process.kill(signal);
  },
});

await watcher.watch();
