import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import * as Y from 'yjs';
import { HSTS } from '../collab-server/http/securityHeaders';
import { BODY_FIELD } from '../shared/documentFields';
import { mintToken } from '../shared/token';
import { startCaddy } from '../testing/caddyProxy';
import { makeCertificate, type TestCertificate } from '../testing/certificate';
import { webSocketWith, yWebsocketClient } from '../testing/clients';
import { pngImage } from '../testing/images';
import { type NginxProxy, startNginx } from '../testing/nginxProxy';
import { freshPage, linkParts, peopleOf, setName, typeInBody } from './app-helpers';
import { expectNoCspViolations } from './cspViolations';
import { test as appTest, createDocument, editorOf, expect, type RunningApp, startApp } from './fixtures';

/*
 * The app as deployed: behind a real nginx running deploy/nginx/quire.conf (or a real Caddy running
 * deploy/caddy/Caddyfile, in one test; deploy/test/caddy.test.ts tests the rest), which terminates TLS
 * with a certificate made for this run, and the app trusting it (TRUST_PROXY=loopback). Chromium
 * trusts that one certificate by its public key (--ignore-certificate-errors-spki-list), so TLS
 * is verified as for a real certificate, and the Node clients verify it against it as their CA.
 */

const AUTH_SECRET = 'e2e-tls-proxy-secret-0123456789abcdef0123456789';

interface Proxied {
  certificate: TestCertificate;
  nginx: NginxProxy;
  running: RunningApp;
}

const test = appTest.extend<object, { proxied: Proxied }>({
  proxied: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright fixtures take their dependencies as the first argument.
    async ({}, use) => {
      const certificate = await makeCertificate();
      const running = await startApp({ TRUST_PROXY: 'loopback', AUTH_SECRET });
      const nginx = await startNginx(Number(new URL(running.app.url).port), { tls: certificate });
      await use({ certificate, nginx, running });
      await nginx.stop();
      const output = await running.stop();
      await certificate.remove();
      expectNoCspViolations(output);
    },
    { scope: 'worker' },
  ],
  // This file's browser trusts the run's certificate, and no other that would not verify.
  browser: [
    async ({ playwright, launchOptions, proxied }, use) => {
      const browser = await playwright.chromium.launch({
        ...launchOptions,
        args: [...(launchOptions.args ?? []), `--ignore-certificate-errors-spki-list=${proxied.certificate.spkiHash}`],
      });
      await use(browser);
      await browser.close();
    },
    { scope: 'worker' },
  ],
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  bytes: Buffer;
}

/** An HTTP(S) request from Node; over HTTPS the certificate is verified against `ca` alone. */
function fetchFrom(url: string, options: { ca?: Buffer; method?: string; headers?: Record<string, string>; body?: string | Buffer } = {}): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const send = url.startsWith('https:') ? httpsRequest : httpRequest;
    const request = send(url, { method: options.method ?? 'GET', headers: options.headers, ca: options.ca }, (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('end', () => {
        const bytes = Buffer.concat(chunks);
        resolve({ status: response.statusCode ?? 0, headers: response.headers, body: bytes.toString('utf8'), bytes });
      });
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

test('through nginx over TLS: the app, a shared document with presence on wss://, a y-websocket client in Node, HSTS, an image upload', async ({
  proxied,
  browser,
}) => {
  const { nginx, certificate } = proxied;
  const app = { url: nginx.httpUrl, dataDir: proxied.running.app.dataDir, restart: proxied.running.app.restart };

  // The page comes over verified TLS, with HSTS: the trusted proxy said https.
  const alice = await freshPage(browser);
  const sockets: string[] = [];
  alice.on('websocket', (socket) => sockets.push(socket.url()));
  const page = await alice.goto(nginx.httpUrl);
  expect(page?.status()).toBe(200);
  expect(await page?.securityDetails()).toMatchObject({ subjectName: '127.0.0.1' });
  expect(await page?.headerValue('strict-transport-security')).toBe(HSTS);
  const url = await createDocument(alice, app);
  expect(url.startsWith(`${nginx.httpUrl}/d/`)).toBe(true);
  await setName(alice, 'Alice');
  expect(sockets.length).toBeGreaterThan(0);
  for (const socket of sockets) expect(socket.startsWith(`${nginx.wsUrl}/collab`), socket).toBe(true);

  // A second person opens the edit link: each sees the other, and what the other types.
  const bob = await freshPage(browser);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice (you), Bob');
  await expect(peopleOf(bob)).toHaveAttribute('aria-label', '2 people here: Bob (you), Alice');
  await typeInBody(bob, 'Bob over TLS.');
  await expect(editorOf(alice)).toContainText('Bob over TLS.');
  await expect(editorOf(alice).locator('.collaboration-carets__label')).toHaveText('Bob');
  await typeInBody(alice, ' Alice too.');
  await expect(editorOf(bob)).toContainText('Bob over TLS. Alice too.');

  // A plain y-websocket client in Node, on /y/<document> over wss:// through the proxy.
  const { name } = linkParts(url);
  const token = await mintToken(AUTH_SECRET, { sub: 'node-client', name: 'Node client', doc: name, role: 'editor' });
  const node = yWebsocketClient(`${nginx.wsUrl}/y`, name, token, { WebSocketPolyfill: webSocketWith({ ca: certificate.cert }) });
  try {
    await node.synced();
    expect(node.doc.getXmlFragment(BODY_FIELD).toString()).toContain('Bob over TLS. Alice too.');
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText('Written by a y-websocket client.')]);
    node.doc.getXmlFragment(BODY_FIELD).push([paragraph]);
    await expect(editorOf(alice)).toContainText('Written by a y-websocket client.');
    await expect(editorOf(bob)).toContainText('Written by a y-websocket client.');
    // Its presence goes through too, named by its token.
    node.provider.awareness.setLocalStateField('user', { name: 'anything' });
    await expect(peopleOf(alice)).toHaveAttribute('aria-label', /^3 people here: Alice \(you\), .*Node client/);
  } finally {
    node.destroy();
  }

  // Share links made through the proxy are addressed to it (X-Forwarded-Host and -Proto believed).
  const admin = await mintToken(AUTH_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
  // (The app made both links with the document: resetting the view link answers with the new one.)
  const links = await fetchFrom(`${nginx.httpUrl}/api/docs/${encodeURIComponent(name)}/links/view/reset`, {
    ca: certificate.cert,
    method: 'POST',
    headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
    body: '{}',
  });
  expect(links.status, links.body).toBe(200);
  expect(links.headers['strict-transport-security']).toBe(HSTS);
  expect((JSON.parse(links.body) as { view: string }).view.startsWith(`${nginx.httpUrl}/d/`)).toBe(true);

  // An image larger than nginx's default body limit (1 MB) is uploaded through it, and served back.
  const image = pngImage(40, 30, [10, 120, 200], 3 * 1024 * 1024);
  const upload = await fetchFrom(`${nginx.httpUrl}/api/docs/${encodeURIComponent(name)}/images`, {
    ca: certificate.cert,
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'image/png', 'content-length': String(image.length) },
    body: image,
  });
  expect(upload.status, upload.body).toBe(201);
  const { url: imageUrl } = JSON.parse(upload.body) as { url: string };
  expect(imageUrl.startsWith(`${nginx.httpUrl}/images/`)).toBe(true);
  const served = await fetchFrom(imageUrl, { ca: certificate.cert });
  expect(served.status).toBe(200);
  expect(served.bytes.equals(image)).toBe(true);
});

test("through Caddy over TLS: the app's page, and two people editing a document on wss://", async ({ proxied, browser }) => {
  const { certificate, running } = proxied;
  const caddy = await startCaddy(Number(new URL(running.app.url).port), { tls: certificate });
  try {
    const app = { url: caddy.httpUrl, dataDir: running.app.dataDir, restart: running.app.restart };
    const alice = await freshPage(browser);
    const sockets: string[] = [];
    alice.on('websocket', (socket) => sockets.push(socket.url()));
    const page = await alice.goto(caddy.httpUrl);
    expect(page?.status(), caddy.output()).toBe(200);
    expect(await page?.securityDetails()).toMatchObject({ subjectName: '127.0.0.1' });
    expect(await page?.headerValue('strict-transport-security')).toBe(HSTS);
    const url = await createDocument(alice, app);
    expect(url.startsWith(`${caddy.httpUrl}/d/`)).toBe(true);
    await setName(alice, 'Alice');
    expect(sockets.length).toBeGreaterThan(0);
    for (const socket of sockets) expect(socket.startsWith(`${caddy.wsUrl}/collab`), socket).toBe(true);

    const bob = await freshPage(browser);
    await bob.goto(url);
    await setName(bob, 'Bob');
    await expect(peopleOf(alice)).toHaveAttribute('aria-label', '2 people here: Alice (you), Bob');
    await typeInBody(bob, 'Bob through Caddy.');
    await expect(editorOf(alice)).toContainText('Bob through Caddy.');
  } finally {
    await caddy.stop();
  }
});

test('plain HTTP to the proxy is redirected to HTTPS; a Node client refuses a certificate it was not told to trust', async ({ proxied }) => {
  const { nginx, certificate } = proxied;
  const redirect = await fetchFrom(`${nginx.redirectUrl}/d/some-document`);
  expect(redirect.status).toBe(301);
  expect(redirect.headers.location).toBe(`${nginx.httpUrl}/d/some-document`);
  const healthy = await fetchFrom(`${nginx.httpUrl}/healthz`, { ca: certificate.cert });
  expect(healthy.status).toBe(200);
  await expect(fetchFrom(`${nginx.httpUrl}/healthz`)).rejects.toThrow(/self[- ]signed/i);
});
