import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureServerBuild } from '../scripts/buildServer';
import { BUILD_FOLDER } from '../scripts/serverBuildState.mjs';
import { SERVER_ENTRIES } from '../scripts/serverEntries';
import { killWithThisProcess } from './childLifetime';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const OUTPUT_KEPT = 1024 * 1024;

/** Which program to run: the whole app (`start.ts`) or the collab server alone. */
export type ServerEntry = 'start.ts' | 'collab-server/main.ts';

/**
 * A server running as a real child process, so tests can SIGTERM or SIGKILL it. It runs what
 * production runs: plain `node` on the built entry (`dist/<name>.js`, rebuilt first if a source
 * changed). It is started with `PORT=0` (or a given port) and reports the port it got in its
 * `listening` log line.
 */
export class ServerProcess {
  private exited: Promise<number | null>;
  /** What the process printed (the last megabyte, so a long soak does not hoard it), for failure messages. */
  output = '';

  private constructor(
    readonly child: ChildProcess,
    readonly port: number,
    readonly entry: ServerEntry,
    readonly env: Record<string, string>,
    output: string,
    exited: Promise<number | null>,
  ) {
    this.output = output;
    this.exited = exited;
    const keep = (chunk: Buffer) => {
      this.output += chunk;
      if (this.output.length > OUTPUT_KEPT) this.output = this.output.slice(-OUTPUT_KEPT / 2);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
  }

  get httpUrl(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Starts `entry` with `env` (merged over this process's environment) and waits until it listens. */
  static async start(entry: ServerEntry, env: Record<string, string>, timeoutMs = 60_000): Promise<ServerProcess> {
    await ensureServerBuild(root);
    const child = spawn(process.execPath, ['--enable-source-maps', builtFile(entry)], {
      cwd: root,
      env: { ...process.env, HOST: '127.0.0.1', LOG_LEVEL: 'info', NEXT_TELEMETRY_DISABLED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    killWithThisProcess(child);
    let output = '';
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))));
    const port = await new Promise<number>((resolve, reject) => {
      const timer = setTimeout(() => {
        // Not left running: nothing else knows about a process that never said it listens.
        child.kill('SIGKILL');
        reject(new Error(`${entry} did not start within ${timeoutMs} ms:\n${output}`));
      }, timeoutMs);
      const onData = (chunk: Buffer) => {
        output += chunk;
        for (const line of output.split('\n')) {
          if (!line.includes('"event":"listening"')) continue;
          clearTimeout(timer);
          resolve((JSON.parse(line) as { port: number }).port);
        }
      };
      child.stdout?.on('data', onData);
      child.stderr?.on('data', (chunk) => {
        output += chunk;
      });
      void exited.then((code) => {
        clearTimeout(timer);
        reject(new Error(`${entry} exited with ${code} before listening:\n${output}`));
      });
    });
    child.stdout?.removeAllListeners('data');
    child.stderr?.removeAllListeners('data');
    return new ServerProcess(child, port, entry, env, output, exited);
  }

  /** Sends `signal` and resolves with the exit code (-1 when killed by a signal). */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    return this.exited;
  }

  /** Stops with `signal`, then starts the same program on the same port and data folder. */
  async restart(signal: NodeJS.Signals = 'SIGTERM'): Promise<ServerProcess> {
    await this.stop(signal);
    return ServerProcess.start(this.entry, { ...this.env, PORT: String(this.port) });
  }
}

/** The built file of a source entry point (`collab-server/main.ts` → `dist/collab-server.js`). */
function builtFile(entry: ServerEntry): string {
  const name = Object.entries(SERVER_ENTRIES).find(([, source]) => source === entry)?.[0];
  if (!name) throw new Error(`${entry} is not in SERVER_ENTRIES (scripts/serverEntries.ts)`);
  return path.join(root, BUILD_FOLDER, `${name}.js`);
}
