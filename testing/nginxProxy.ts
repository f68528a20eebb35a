import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TestCertificate } from './certificate';
import { waitFor } from './waitFor';

/** A real nginx in front of a server, as a deployment runs it (`deploy/nginx/quire.conf`, shown in the README). */
export interface NginxProxy {
  port: number;
  /** `https://…` with `tls`, else `http://…`. */
  httpUrl: string;
  /** `wss://…` with `tls`, else `ws://…`. */
  wsUrl: string;
  /** The plain-HTTP server of the configuration, which redirects to `httpUrl`. */
  redirectUrl: string;
  stop(): Promise<void>;
}

/** The nginx binary: `NGINX_PATH`, else the Debian package's. */
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** The configuration a deployment uses, which the tests run. */
export const NGINX_CONFIG_FILE = fileURLToPath(new URL('../deploy/nginx/quire.conf', import.meta.url));

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for nginx to take). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Replaces the one occurrence of `from` in `text`; throws when the file no longer has it, so the tests never run a configuration other than the one they mean. */
function replaceOnce(text: string, from: string, to: string): string {
  const at = text.indexOf(from);
  if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`${NGINX_CONFIG_FILE} should contain "${from}" exactly once`);
  return text.slice(0, at) + to + text.slice(at + from.length);
}

export interface NginxPorts {
  port: number;
  redirectPort: number;
  upstreamPort: number;
}

/**
 * `deploy/nginx/quire.conf` as the tests run it: the deployment's own lines, with only what
 * differs on a test machine replaced (loopback ports for 80 and 443, the upstream, and the
 * certificate; without `tls`, the main server speaks plain HTTP and its `ssl_` lines go), inside
 * the top-level settings nginx needs to run unprivileged from a temporary folder.
 */
export function testConfig(deployment: string, dir: string, ports: NginxPorts, tls?: Pick<TestCertificate, 'certFile' | 'keyFile'>): string {
  let site = replaceOnce(deployment, 'listen 80;', `listen 127.0.0.1:${ports.redirectPort};`);
  site = replaceOnce(site, 'listen 443 ssl;', `listen 127.0.0.1:${ports.port}${tls ? ' ssl' : ''};`);
  site = replaceOnce(site, 'proxy_pass http://127.0.0.1:3000;', `proxy_pass http://127.0.0.1:${ports.upstreamPort};`);
  // The redirect names the port the test's HTTPS server listens on.
  site = replaceOnce(site, 'return 301 https://$host$request_uri;', `return 301 https://$host:${ports.port}$request_uri;`);
  site = replaceOnce(site, '/etc/letsencrypt/live/quire.example.com/fullchain.pem', tls?.certFile ?? '');
  site = replaceOnce(site, '/etc/letsencrypt/live/quire.example.com/privkey.pem', tls?.keyFile ?? '');
  if (!tls) site = site.replace(/^\s*ssl_.*\n/gm, '');
  // As root, nginx's workers would otherwise switch to `nobody`, who cannot read this folder.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  return `${user}
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${site}
}
`;
}

/**
 * Starts nginx on free loopback ports, forwarding to `upstreamPort`, with the deployment's
 * configuration (`testConfig`) in a temporary folder; with `tls`, over HTTPS with that
 * certificate. Fails with a clear message when nginx is not installed.
 */
export async function startNginx(upstreamPort: number, options: { tls?: TestCertificate } = {}): Promise<NginxProxy> {
  if (spawnSync(NGINX, ['-v']).error) throw new Error(`nginx is needed for this test: install it (apt-get install nginx) or set NGINX_PATH (tried ${NGINX})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nginx-'));
  await chmod(dir, 0o755);
  const ports = { port: await freePort(), redirectPort: await freePort(), upstreamPort };
  const { port } = ports;
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, testConfig(await readFile(NGINX_CONFIG_FILE, 'utf8'), dir, ports, options.tls));
  const child: ChildProcess = spawn(NGINX, ['-p', dir, '-c', file, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let output = '';
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  try {
    await waitFor(
      () =>
        new Promise<boolean>((resolve) => {
          if (child.exitCode !== null) throw new Error(`nginx exited with ${child.exitCode}: ${output}`);
          const socket = net.connect(port, '127.0.0.1', () => {
            socket.destroy();
            resolve(true);
          });
          socket.on('error', () => resolve(false));
        }),
      { message: 'nginx to listen', timeoutMs: 10_000 },
    );
  } catch (error) {
    child.kill('SIGKILL');
    const log = await readFile(path.join(dir, 'error.log'), 'utf8').catch(() => '');
    throw new Error(`${String(error)}\n${output}\n${log}`);
  }
  return {
    port,
    httpUrl: `${options.tls ? 'https' : 'http'}://127.0.0.1:${port}`,
    wsUrl: `${options.tls ? 'wss' : 'ws'}://127.0.0.1:${port}`,
    redirectUrl: `http://127.0.0.1:${ports.redirectPort}`,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown: open WebSockets are cut at once.
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
