/**
 * An example host site for Quire, on an origin of its own: a page that embeds a document with
 * `embed.js` (`/`), a React app with `<QuireEditor>` (`/react`), and the one backend endpoint a
 * host needs, which mints Quire tokens for its users (`POST /quire-token`).
 *
 *   AUTH_SECRET=<32+ characters> EMBED_ORIGINS=http://127.0.0.1:4000 ALLOWED_ORIGINS=http://127.0.0.1:4000 npm start
 *   AUTH_SECRET=<the same> npm run example
 *   open http://127.0.0.1:4000/?doc=team-notes and http://127.0.0.1:4000/react?doc=team-notes
 *
 * Environment: AUTH_SECRET (required: the Quire server's), QUIRE_URL (default http://localhost:3000),
 * PORT (default 4000), HOST (default 127.0.0.1). `npm run example` builds `@quire/node` and runs
 * this file with plain `node` (its TypeScript is only type annotations, which Node strips); the
 * token endpoint uses that package, and the React page `@quire/react`, as any host's would.
 */
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { mintToken } from '@quire/node';
import { build } from 'esbuild';

const here = path.dirname(fileURLToPath(import.meta.url));

export interface ExampleServerOptions {
  /** The Quire app's address, like http://localhost:3000 (a function when it is known only later). */
  quireUrl: string | (() => string);
  /** The Quire server's AUTH_SECRET. */
  authSecret: string;
  port?: number;
  host?: string;
  /** Lifetime of the tokens it mints, in seconds (default ten minutes; tests use a few seconds). */
  tokenSeconds?: number;
}

export interface ExampleServer {
  /** This site's origin. */
  url: string;
  close(): Promise<void>;
}

/** Starts the example site. */
export async function startExampleServer({ quireUrl, authSecret, port = 0, host = '127.0.0.1', tokenSeconds }: ExampleServerOptions): Promise<ExampleServer> {
  const quire = () => (typeof quireUrl === 'function' ? quireUrl() : quireUrl).replace(/\/$/, '');
  let bundle: Promise<Map<string, string>> | null = null;

  const page = async (file: string, response: ServerResponse, user: string | null) => {
    const html = (await readFile(path.join(here, file), 'utf8')).replaceAll('{{QUIRE_URL}}', quire());
    const headers: Record<string, string> = { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' };
    // The host's own session: here just a random user id in a cookie.
    if (!user) headers['set-cookie'] = `example_user=${randomBytes(9).toString('base64url')}; HttpOnly; SameSite=Lax; Path=/`;
    response.writeHead(200, headers).end(html);
  };

  const http = createServer((request, response) => {
    handle(request, response).catch((error) => {
      console.error(error);
      if (!response.headersSent) response.writeHead(500, { 'content-type': 'text/plain' }).end('example server error');
    });
  });

  async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://example');
    const user = /(?:^|;\s*)example_user=([A-Za-z0-9_-]+)/.exec(request.headers.cookie ?? '')?.[1] ?? null;
    if (request.method === 'GET' && url.pathname === '/') return page('embed-host/index.html', response, user);
    if (request.method === 'GET' && url.pathname === '/react') return page('react/index.html', response, user);
    if (request.method === 'GET' && (url.pathname === '/react/main.js' || url.pathname === '/react/main.css')) {
      bundle ??= bundleReactExample();
      const file = (await bundle).get(path.basename(url.pathname));
      const type = url.pathname.endsWith('.js') ? 'text/javascript' : 'text/css';
      response.writeHead(file === undefined ? 404 : 200, { 'content-type': `${type}; charset=utf-8` }).end(file ?? '');
      return;
    }
    if (request.method === 'POST' && url.pathname === '/quire-token') {
      // A real backend decides here, from its own session, who the user is and what they may do.
      if (!user) return void response.writeHead(401, { 'content-type': 'text/plain' }).end('no session');
      const body = JSON.parse((await readBody(request)) || '{}') as { document?: unknown; name?: unknown; role?: unknown };
      if (typeof body.document !== 'string' || body.document === '') return void response.writeHead(400).end('"document" is required');
      const name = typeof body.name === 'string' && body.name ? body.name.slice(0, 60) : `Guest ${user.slice(0, 4)}`;
      const role = body.role === 'viewer' ? 'viewer' : 'editor';
      const token = await mintToken(authSecret, { sub: `example:${user}`, name, doc: body.document, role }, tokenSeconds ?? 600);
      response.writeHead(200, { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' }).end(token);
      return;
    }
    response.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  }

  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(port, host, resolve);
  });
  const address = http.address() as AddressInfo;
  return {
    url: `http://${host === '0.0.0.0' ? 'localhost' : host}:${address.port}`,
    close: () =>
      new Promise((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

/** Bundles the React example (`react/main.tsx`) for the browser: main.js and main.css. */
async function bundleReactExample(): Promise<Map<string, string>> {
  const result = await build({
    entryPoints: [path.join(here, 'react/main.tsx')],
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    jsx: 'automatic',
    minify: true,
    write: false,
    outdir: path.join(here, 'react/out'),
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'warning',
  });
  return new Map(result.outputFiles.map((file) => [path.basename(file.path), file.text]));
}

function readBody(request: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    request.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > 16 * 1024) request.destroy(new Error('body too large'));
      else chunks.push(chunk);
    });
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });
}

// `npm run example` runs it.
if (import.meta.url === `file://${process.argv[1]}`) {
  const authSecret = process.env.AUTH_SECRET;
  if (!authSecret) {
    console.error("Set AUTH_SECRET to the Quire server's secret (the example mints tokens with it).");
    process.exit(2);
  }
  const server = await startExampleServer({
    quireUrl: process.env.QUIRE_URL ?? 'http://localhost:3000',
    authSecret,
    port: Number(process.env.PORT ?? 4000),
    host: process.env.HOST ?? '127.0.0.1',
  });
  // Stops on the first SIGTERM or SIGINT, closing its connections at once (it keeps no state);
  // copies of the signal that a terminal or npm send meanwhile change nothing. Listening starts
  // before the line below: whoever waits for that line may signal at once.
  let closing = false;
  const stop = () => {
    if (closing) return;
    closing = true;
    void server.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  console.log(`example host site on ${server.url} (embed.js) and ${server.url}/react (React)`);
}
