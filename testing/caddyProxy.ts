import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCertificate } from './certificate';
import { freePort } from './postgres';
import { waitFor } from './waitFor';

/** A real Caddy in front of a server, as a deployment runs it (`deploy/caddy/Caddyfile`, shown in the README). */
export interface CaddyProxy {
  port: number;
  /** `https://127.0.0.1:<port>`. */
  httpUrl: string;
  /** `wss://127.0.0.1:<port>`. */
  wsUrl: string;
  /** Caddy's plain-HTTP server, which redirects to `httpUrl`. */
  redirectUrl: string;
  /** What Caddy printed so far (its log), for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** The caddy binary: `CADDY_PATH`, else the Debian package's. */
const CADDY = process.env.CADDY_PATH ?? '/usr/bin/caddy';

/** The configuration a deployment uses, which the tests run. */
export const CADDY_CONFIG_FILE = fileURLToPath(new URL('../deploy/caddy/Caddyfile', import.meta.url));

/** Replaces the one occurrence of `from` in `text`; throws when the file no longer has it, so the tests never run a configuration other than the one they mean. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${CADDY_CONFIG_FILE} should contain "${from}" exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export interface CaddyPorts {
  port: number;
  redirectPort: number;
  upstreamPort: number;
}

/**
 * `deploy/caddy/Caddyfile` as the tests run it: the deployment's own site block, with only what
 * differs on a test machine replaced (the site is 127.0.0.1 with the test's certificate instead
 * of a public name with one from Let's Encrypt, and the upstream), after global options that keep
 * Caddy on loopback ports, out of the system's folders and without its admin endpoint.
 */
export function testCaddyfile(deployment: string, dir: string, ports: CaddyPorts, tls: Pick<TestCertificate, 'certFile' | 'keyFile'>): string {
  let site = replaceOnce(deployment, 'quire.example.com {', `127.0.0.1 {\n    tls ${tls.certFile} ${tls.keyFile}`);
  site = replaceOnce(site, 'reverse_proxy 127.0.0.1:3000', `reverse_proxy 127.0.0.1:${ports.upstreamPort}`);
  return `{
\tadmin off
\tdefault_bind 127.0.0.1
\thttp_port ${ports.redirectPort}
\thttps_port ${ports.port}
\tstorage file_system ${dir}/data
\tskip_install_trust
\tocsp_stapling off
}

${site}`;
}

/**
 * Starts Caddy on free loopback ports, forwarding to `upstreamPort`, with the deployment's
 * configuration (`testCaddyfile`) in a temporary folder, over HTTPS with `tls`. Fails with a clear
 * message when Caddy is not installed.
 */
export async function startCaddy(upstreamPort: number, options: { tls: TestCertificate }): Promise<CaddyProxy> {
  if (spawnSync(CADDY, ['version']).error)
    throw new Error(`Caddy is needed for this test: install it (apt-get install caddy) or set CADDY_PATH (tried ${CADDY})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'caddy-'));
  const ports = { port: await freePort(), redirectPort: await freePort(), upstreamPort };
  const { port } = ports;
  const file = path.join(dir, 'Caddyfile');
  await writeFile(file, testCaddyfile(await readFile(CADDY_CONFIG_FILE, 'utf8'), dir, ports, options.tls));
  // Caddy keeps its state under HOME and the XDG folders: the temporary folder, not the user's.
  const env = { ...process.env, HOME: dir, XDG_DATA_HOME: path.join(dir, 'data'), XDG_CONFIG_HOME: path.join(dir, 'config') };
  const child: ChildProcess = spawn(CADDY, ['run', '--config', file, '--adapter', 'caddyfile'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const listening = (at: number) =>
    new Promise<boolean>((resolve) => {
      if (child.exitCode !== null) throw new Error(`caddy exited with ${child.exitCode}`);
      const socket = net.connect(at, '127.0.0.1', () => {
        socket.destroy();
        resolve(true);
      });
      socket.on('error', () => resolve(false));
    });
  try {
    await waitFor(async () => (await listening(port)) && (await listening(ports.redirectPort)), { message: 'caddy to listen', timeoutMs: 10_000 });
  } catch (error) {
    child.kill('SIGKILL');
    await exited;
    await rm(dir, { recursive: true, force: true });
    throw new Error(`${String(error)}\n${output}`);
  }
  return {
    port,
    httpUrl: `https://127.0.0.1:${port}`,
    wsUrl: `wss://127.0.0.1:${port}`,
    redirectUrl: `http://127.0.0.1:${ports.redirectPort}`,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      // Caddy's graceful stop waits for requests in flight; open WebSockets must not hold a test up.
      const killing = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(killing);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
