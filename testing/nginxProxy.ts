import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { waitFor } from './waitFor';

/** A real nginx in front of a server, as a deployment runs it (see README "Behind a reverse proxy"). */
export interface NginxProxy {
  port: number;
  httpUrl: string;
  wsUrl: string;
  stop(): Promise<void>;
}

/** The nginx binary: `NGINX_PATH`, else the Debian package's. */
const NGINX = process.env.NGINX_PATH ?? '/usr/sbin/nginx';

/** A free TCP port on 127.0.0.1 (asked of the kernel, then released for nginx to take). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/**
 * The configuration the README recommends, for an upstream on 127.0.0.1:`upstreamPort`: WebSocket
 * upgrades passed on, long timeouts, and X-Forwarded-For/-Proto/-Host set by the proxy (the
 * client's own X-Forwarded-For kept to the left of the address nginx saw).
 */
function config(dir: string, port: number, upstreamPort: number): string {
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
  map $http_upgrade $connection_upgrade { default upgrade; '' close; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://127.0.0.1:${upstreamPort};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_read_timeout 1h;
      proxy_send_timeout 1h;
      proxy_buffering off;
    }
  }
}
`;
}

/**
 * Starts nginx on a free loopback port, forwarding to `upstreamPort`, with a generated
 * configuration in a temporary folder. Fails with a clear message when nginx is not installed.
 */
export async function startNginx(upstreamPort: number): Promise<NginxProxy> {
  if (spawnSync(NGINX, ['-v']).error)
    throw new Error(`nginx is needed for this test: install it (apt-get install nginx-light) or set NGINX_PATH (tried ${NGINX})`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'nginx-'));
  await chmod(dir, 0o755);
  const port = await freePort();
  const file = path.join(dir, 'nginx.conf');
  await writeFile(file, config(dir, port, upstreamPort));
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
    httpUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}`,
    stop: async () => {
      // SIGTERM is nginx's fast shutdown: open WebSockets are cut at once.
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
      await rm(dir, { recursive: true, force: true });
    },
  };
}
