import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { haproxyConfig } from '../cluster/haproxyConfig';
import { killWithThisProcess } from './childLifetime';
import { freePort } from './postgres';
import { findProgram } from './systemProgram';
import { waitFor } from './waitFor';

/** A real HAProxy in front of a cluster's nodes, with the configuration `cluster/haproxy.cfg` shows. */
export interface HaproxyServer {
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
  /** The process id of HAProxy. */
  pid: number | undefined;
}

/** The HAProxy program: `HAPROXY_PATH`, else the Debian package's, else `haproxy` on PATH (found as `postgresBin` finds PostgreSQL). */
export function haproxyPath(): string {
  if (process.env.HAPROXY_PATH) return process.env.HAPROXY_PATH;
  const found = findProgram('haproxy', ['/usr/sbin/haproxy']);
  if (!found) throw new Error('HAProxy is needed: install it (apt-get install haproxy) or set HAPROXY_PATH to the haproxy program');
  return found;
}

/**
 * Starts HAProxy on a free loopback port (or `port`) in front of the nodes at `nodePorts` on
 * 127.0.0.1, hashing each document's name to a node (consistent hashing) and taking a node out of
 * the rotation while its `/readyz` fails. Fails with a clear message when HAProxy is not installed.
 */
export async function startHaproxy(
  nodePorts: readonly number[],
  options: { port?: number; checkIntervalMs?: number; checkTimeoutMs?: number } = {},
): Promise<HaproxyServer> {
  const haproxy = haproxyPath();
  if (spawnSync(haproxy, ['-v']).error) throw new Error(`HAProxy is needed: ${haproxy} does not run; install it (apt-get install haproxy) or set HAPROXY_PATH`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'quire-haproxy-'));
  await chmod(dir, 0o755);
  const port = options.port ?? (await freePort());
  const file = path.join(dir, 'haproxy.cfg');
  await writeFile(
    file,
    haproxyConfig({
      bind: `127.0.0.1:${port}`,
      nodes: nodePorts.map((nodePort, index) => ({ name: `node${index + 1}`, address: `127.0.0.1:${nodePort}` })),
      checkIntervalMs: options.checkIntervalMs ?? 500,
      checkTimeoutMs: options.checkTimeoutMs,
    }),
  );
  const child: ChildProcess = spawn(haproxy, ['-db', '-f', file], { stdio: ['ignore', 'ignore', 'pipe'] });
  killWithThisProcess(child);
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output = (output + chunk).slice(-20_000);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      () =>
        new Promise<boolean>((resolve, reject) => {
          if (child.exitCode !== null) reject(new Error(`haproxy exited with ${child.exitCode}`));
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      { message: 'HAProxy to listen', timeoutMs: 10_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    port,
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
