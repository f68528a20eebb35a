import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type APIRequestContext, type APIResponse, request as apiContext } from '@playwright/test';
import WebSocket from 'ws';
import { mintToken } from '../shared/token';
import { ServerProcess } from '../testing/serverProcess';
import { expectNoCspViolations } from './cspViolations';
import { expect, test } from './fixtures';

/*
 * [B1]–[B4]: the browser-facing headers on every kind of response the app serves (SECURITY.md,
 * "Browser hardening"), read from a real app process: its pages, the embed page, the files
 * Next.js serves, the collab server's answers, error pages and 404s, and refused WebSocket upgrades.
 */

const AUTH_SECRET = 'e2e-headers-secret-that-is-long-enough-0123456789';
const EMBEDDER = 'https://host.example.com';

let server: ServerProcess;
let dataDir: string;
let base: string;
let http: APIRequestContext;

test.beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-headers-'));
  server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET, EMBED_ORIGINS: EMBEDDER });
  base = server.httpUrl;
  http = await apiContext.newContext();
});

test.afterAll(async () => {
  await http?.dispose();
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
  expectNoCspViolations(server?.output ?? '');
});

/** The directives of a Content-Security-Policy header, by name. */
function directives(policy: string | undefined): Map<string, string[]> {
  const result = new Map<string, string[]>();
  for (const directive of (policy ?? '').split(';')) {
    const [name, ...values] = directive.trim().split(/\s+/);
    if (name) result.set(name, values);
  }
  return result;
}

/** Headers every response carries, whatever its kind. */
function expectCommonHeaders(headers: Record<string, string>, what: string): void {
  expect(headers['x-content-type-options'], what).toBe('nosniff');
  expect(headers['referrer-policy'], what).toBe('no-referrer');
  expect(headers['cross-origin-opener-policy'], what).toBe('same-origin');
  expect(headers['permissions-policy'], what).toContain('camera=()');
  expect(headers['permissions-policy'], what).toContain('geolocation=()');
  expect(headers['permissions-policy'], what).toContain('microphone=()');
  // Plain HTTP on the socket: no HSTS, whatever a client claims in forwarded headers.
  expect(headers['strict-transport-security'], what).toBeUndefined();
}

/** The policy of a page (or anything else Next.js serves); returns its nonce. */
function expectPagePolicy(headers: Record<string, string>, what: string, framedBy: string[] = ["'self'"]): string {
  expectCommonHeaders(headers, what);
  const policy = directives(headers['content-security-policy']);
  const scripts = policy.get('script-src') ?? [];
  const nonce = scripts.find((source) => source.startsWith("'nonce-"));
  expect(nonce, `${what}: script-src has a nonce`).toMatch(/^'nonce-[A-Za-z0-9+/]{22}=='$/);
  expect(scripts, what).toEqual([nonce, "'strict-dynamic'"]);
  expect(policy.get('style-src'), what).toEqual(["'self'", nonce]);
  expect(policy.get('style-src-attr'), what).toEqual(["'unsafe-inline'"]);
  expect(policy.get('object-src'), what).toEqual(["'none'"]);
  expect(policy.get('base-uri'), what).toEqual(["'none'"]);
  expect(policy.get('form-action'), what).toEqual(["'self'"]);
  expect(policy.get('connect-src'), what).toEqual(["'self'"]);
  expect(policy.get('img-src'), what).toEqual(["'self'", 'http:', 'https:']);
  expect(policy.get('worker-src'), what).toEqual(["'self'"]);
  expect(policy.get('frame-ancestors'), what).toEqual(framedBy);
  expect(policy.get('report-uri'), what).toEqual(['/api/csp-reports']);
  for (const values of policy.values()) expect(values, `${what}: nothing unsafe for scripts`).not.toContain("'unsafe-eval'");
  return (nonce as string).slice("'nonce-".length, -1);
}

/** The policy of a collab server answer: data that nothing may run in, frame or submit. */
function expectApiPolicy(headers: Record<string, string>, what: string): void {
  expectCommonHeaders(headers, what);
  const policy = directives(headers['content-security-policy']);
  expect(policy.get('default-src'), what).toEqual(["'none'"]);
  expect(policy.get('frame-ancestors'), what).toEqual(["'none'"]);
  expect(policy.get('base-uri'), what).toEqual(["'none'"]);
  expect(headers['x-frame-options'], what).toBe('DENY');
  expect(headers['cross-origin-resource-policy'], what).toBe('same-origin');
}

function get(path: string, headers: Record<string, string> = {}): Promise<APIResponse> {
  return http.get(`${base}${path}`, { headers, maxRedirects: 0 });
}

async function createDocument(): Promise<string> {
  const answer = await fetch(`${base}/api/app/documents`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"title":"Headers"}' });
  return ((await answer.json()) as { name: string }).name;
}

test('[B1] pages, the 404 page and every file Next.js serves carry the page policy with a fresh nonce, which Next.js puts on its scripts', async () => {
  const name = await createDocument();
  const forged = { 'content-security-policy': "script-src 'nonce-chosenbytheclient'", 'x-forwarded-proto': 'https' };
  const home = await get('/', forged);
  expect(home.status()).toBe(200);
  const nonce = expectPagePolicy(home.headers(), 'home page');
  expect(home.headers()['x-frame-options']).toBe('SAMEORIGIN');
  expect(home.headers()['cross-origin-resource-policy']).toBe('same-origin');
  const html = await home.text();
  // Next.js put this response's nonce on its scripts, never the one the client sent.
  const scriptNonces = [...html.matchAll(/<script[^>]*\snonce="([^"]+)"/g)].map((match) => match[1]);
  expect(scriptNonces.length).toBeGreaterThan(0);
  expect(new Set(scriptNonces)).toEqual(new Set([nonce]));
  expect(html).not.toContain('chosenbytheclient');
  // Every script of the page carries it: an inline one without it would be blocked.
  expect([...html.matchAll(/<script(?![^>]*\snonce=)[^>]*>/g)]).toEqual([]);

  const again = await get('/');
  expect(expectPagePolicy(again.headers(), 'home page again')).not.toBe(nonce);

  const editor = await get(`/d/${name}`);
  expect(editor.status()).toBe(200);
  expectPagePolicy(editor.headers(), 'editor page');
  expect(editor.headers()['x-frame-options']).toBe('SAMEORIGIN');

  const notFound = await get('/no-such-page');
  expect(notFound.status()).toBe(404);
  expectPagePolicy(notFound.headers(), '404 page');

  const script = html.match(/src="(\/_next\/static\/[^"]+\.js)"/)?.[1] as string;
  const style = html.match(/href="(\/_next\/static\/[^"]+\.css)"/)?.[1] as string;
  for (const [file, type] of [
    [script, 'javascript'],
    [style, 'text/css'],
    ['/icon.svg', 'image/svg+xml'],
  ]) {
    const answer = await get(file);
    expect(answer.status(), file).toBe(200);
    expect(answer.headers()['content-type'], file).toContain(type);
    expectPagePolicy(answer.headers(), file);
    expect(answer.headers()['cross-origin-resource-policy'], file).toBe('same-origin');
  }
  const missingFile = await get('/_next/static/chunks/no-such-chunk.js');
  expect(missingFile.status()).toBe(404);
  expectPagePolicy(missingFile.headers(), 'missing static file');
});

test('[B2] the embed page may be framed by EMBED_ORIGINS only, and embed.js loaded by any site', async () => {
  const name = await createDocument();
  const embed = await get(`/embed/${name}?toolbar=0`);
  expect(embed.status()).toBe(200);
  expectPagePolicy(embed.headers(), 'embed page', ["'self'", EMBEDDER]);
  // X-Frame-Options cannot name other sites: the embed page relies on frame-ancestors alone.
  expect(embed.headers()['x-frame-options']).toBeUndefined();
  expect(embed.headers()['cross-origin-resource-policy']).toBe('cross-origin');

  const embedScript = await get('/embed.js');
  expect(embedScript.status()).toBe(200);
  expectPagePolicy(embedScript.headers(), 'embed.js');
  expect(embedScript.headers()['cross-origin-resource-policy']).toBe('cross-origin');
});

test('[B3] the collab server answers (API, errors, health, metrics, content reads) carry a policy that allows nothing; content reads add sandbox', async () => {
  const name = await createDocument();
  const token = await mintToken(AUTH_SECRET, { sub: 'headers-test', name: 'Headers test', doc: '*', role: 'admin' }, 600);
  const bearer = { authorization: `Bearer ${token}` };
  const answers: [string, APIResponse, number][] = [
    ['document list', await get('/api/docs', bearer), 200],
    ['unauthenticated', await get('/api/docs'), 401],
    ['unknown document', await get('/api/docs/no-such-document', bearer), 404],
    ['wrong method', await get('/api/app/documents'), 405],
    ['health', await get('/healthz'), 200],
    ['readiness', await get('/readyz'), 200],
    ['metrics', await get('/metrics'), 200],
  ];
  for (const [what, answer, status] of answers) {
    expect(answer.status(), what).toBe(status);
    expectApiPolicy(answer.headers(), what);
  }
  const reportWithoutBody = await fetch(`${base}/api/csp-reports`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'x' });
  expect(reportWithoutBody.status).toBe(415);
  expectApiPolicy(Object.fromEntries(reportWithoutBody.headers), 'refused report');

  for (const format of ['html', 'markdown', 'json', 'text']) {
    const content = await get(`/api/docs/${name}/content?format=${format}`, bearer);
    expect(content.status(), format).toBe(200);
    expectCommonHeaders(content.headers(), `content as ${format}`);
    const policy = directives(content.headers()['content-security-policy']);
    expect(policy.has('sandbox'), format).toBe(true);
    expect(policy.get('default-src'), format).toEqual(["'none'"]);
    expect(policy.get('frame-ancestors'), format).toEqual(["'none'"]);
  }
});

test('[B4] a refused WebSocket upgrade answers with the collab server headers', async () => {
  const refused = await new Promise<{ status: number; headers: Record<string, string> }>((resolve, reject) => {
    const socket = new WebSocket(`${base.replace('http', 'ws')}/no-such-endpoint`);
    socket.on('unexpected-response', (_request, response) => {
      resolve({ status: response.statusCode ?? 0, headers: response.headers as Record<string, string> });
      socket.terminate();
    });
    socket.on('open', () => reject(new Error('an unknown endpoint accepted a WebSocket')));
    socket.on('error', () => undefined);
  });
  expect(refused.status).toBe(404);
  expect(directives(refused.headers['content-security-policy']).get('default-src')).toEqual(["'none'"]);
  expect(refused.headers['x-content-type-options']).toBe('nosniff');
  expect(refused.headers['x-frame-options']).toBe('DENY');
});
