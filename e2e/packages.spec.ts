import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Page } from '@playwright/test';
import { freePort } from '../testing/postgres';
import { ServerProcess } from '../testing/serverProcess';
import { waitFor } from '../testing/waitFor';
import { textWithoutCarets } from './app-helpers';
import { expect, test } from './fixtures';
import { type AppProcess, installedCopies, npmInstall, packPackages, runIn, startAppProcess, writeNextApp, writeViteApp } from './packageApps';

/**
 * The packages as an embedder gets them: `npm pack` makes the `@quire/react` and `@quire/node`
 * tarballs, a fresh Vite React app and a fresh Next.js app install them from those files (and the
 * rest from the npm registry), are type-checked, built and started against a real Quire server,
 * and a person types into the editor of each in Chromium. The server's content API, read with
 * the packed `@quire/node` client, and a webhook delivery verified with its signature check, show
 * that the edits arrived.
 */

const AUTH_SECRET = 'e2e-packages-secret-that-is-long-enough-0123456789';
const WEBHOOK_SECRET = 'e2e-packages-webhook-secret-long-enough-9876543210';

type QuireNode = typeof import('../packages/node/src/index');

interface Delivery {
  body: string;
  signature: string;
}

let folder: string;
let server: ServerProcess;
let receiver: Server;
const deliveries: Delivery[] = [];
/** The apps' servers, each kept as soon as it started, so `afterAll` stops whatever did. */
const apps: { vite?: AppProcess; next?: AppProcess } = {};
/** Where each app has Yjs installed (a peer dependency of `@quire/react`: the app's own copy, and only it). */
const yjsCopies: Record<'vite' | 'next', string[]> = { vite: [], next: [] };
/** `@quire/node` as the Next.js app installed it. */
let quire: QuireNode;

test.describe.configure({ mode: 'serial' });

/** Logs how long each step of the setup took (the CI budget of this file is tight). */
function stopwatch(): (step: string) => void {
  const startedAt = Date.now();
  return (step) => console.log(`[packages] ${step} at ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
}

test.beforeAll(async () => {
  // Installing and building two apps takes a minute or two on a quiet machine; far longer on a busy one.
  test.setTimeout(420_000);
  const lap = stopwatch();
  folder = await mkdtemp(path.join(os.tmpdir(), 'e2e-packages-'));
  receiver = createServer((request, response) => {
    let body = '';
    request.setEncoding('utf8');
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      deliveries.push({ body, signature: String(request.headers['quire-signature'] ?? '') });
      response.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const [vitePort, nextPort] = [await freePort(), await freePort()];
  const origin = (port: number) => `http://127.0.0.1:${port}`;

  const startServer = async () => {
    server = await ServerProcess.start('collab-server/main.ts', {
      PORT: '0',
      DATA_DIR: path.join(folder, 'data'),
      AUTH_SECRET,
      ALLOWED_ORIGINS: `${origin(vitePort)},${origin(nextPort)}`,
      WEBHOOK_URLS: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/quire-events`,
      WEBHOOK_SECRET,
      WEBHOOK_DEBOUNCE_MS: '100',
    });
  };
  const [tarballs] = await Promise.all([packPackages(folder), startServer()]);
  lap('built and packed both packages, started the Quire server');

  // Each app goes through its steps on its own, so one builds while the other installs.
  const vite = path.join(folder, 'vite-app');
  const next = path.join(folder, 'next-app');
  const viteEnv = { VITE_QUIRE_URL: server.httpUrl, VITE_QUIRE_DOCUMENT: 'vite-notes', AUTH_SECRET };
  const nextEnv = { QUIRE_URL: server.httpUrl, QUIRE_DOCUMENT: 'next-notes', AUTH_SECRET, NEXT_TELEMETRY_DISABLED: '1' };
  const started = await Promise.allSettled([
    (async () => {
      await writeViteApp(vite, tarballs);
      await npmInstall(vite);
      yjsCopies.vite = await installedCopies(vite, 'yjs');
      lap('Vite app installed');
      await runIn(vite, ['tsc', '-p', '.']);
      await runIn(vite, ['vite', 'build'], viteEnv);
      lap('Vite app type-checked and built');
      apps.vite = await startAppProcess(
        vite,
        ['vite', 'preview', '--host', '127.0.0.1', '--port', String(vitePort), '--strictPort'],
        origin(vitePort),
        viteEnv,
      );
    })(),
    (async () => {
      await writeNextApp(next, tarballs);
      await npmInstall(next);
      yjsCopies.next = await installedCopies(next, 'yjs');
      lap('Next.js app installed');
      await runIn(next, ['next', 'build'], nextEnv);
      lap('Next.js app built');
      apps.next = await startAppProcess(next, ['next', 'start', '-H', '127.0.0.1', '-p', String(nextPort)], origin(nextPort), nextEnv);
    })(),
  ]);
  for (const result of started) if (result.status === 'rejected') throw result.reason;
  lap('both apps started');
  quire = (await import(pathToFileURL(path.join(next, 'node_modules/@quire/node/dist/index.js')).href)) as QuireNode;
});

test.afterAll(async () => {
  await apps.vite?.stop();
  await apps.next?.stop();
  await server?.stop();
  await new Promise((resolve) => receiver?.close(resolve));
  if (folder) await rm(folder, { recursive: true, force: true });
});

/** Types `text` into the page's editor and waits until the editor says the server stored it. */
async function typeAndSave(page: Page, url: string, text: string): Promise<void> {
  await page.goto(url);
  const editor = page.getByRole('textbox', { name: 'Document body' });
  await expect(editor).toHaveAttribute('contenteditable', 'true');
  await editor.click();
  await page.keyboard.type(text);
  await expect.poll(() => textWithoutCarets(editor)).toContain(text);
  await expect(page.getByRole('status')).toHaveText('Saved');
}

/** The content API client of the packed `@quire/node`, with an admin token it mints. */
function client() {
  const token = () => quire.mintToken(AUTH_SECRET, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' }, 60);
  return new quire.QuireClient({ url: server.httpUrl, token });
}

/** Waits for a `document.changed` delivery of `name` covering `user`, and returns it. */
function changedDelivery(name: string, user: string): Promise<Delivery> {
  return waitFor(
    () =>
      deliveries.find((delivery) => {
        const event = JSON.parse(delivery.body) as { type: string; document: { name: string }; changedBy?: { id: string }[] };
        return event.type === 'document.changed' && event.document.name === name && event.changedBy?.some((person) => person.id === user);
      }),
    { timeoutMs: 10_000, message: `a document.changed delivery for ${name}` },
  );
}

for (const [kind, documentName, user] of [
  ['vite', 'vite-notes', 'vite-user'],
  ['next', 'next-notes', 'next-user'],
] as const) {
  test(`a fresh ${kind === 'vite' ? 'Vite React' : 'Next.js'} app with the packed packages edits a live document`, async ({ page }) => {
    expect(yjsCopies[kind]).toEqual([path.join(folder, `${kind}-app`, 'node_modules', 'yjs')]);
    const text = `Typed in the ${kind} app`;
    const app = apps[kind];
    if (!app) throw new Error(`the ${kind} app did not start`);
    await typeAndSave(page, app.url, text);

    // The server has it: read back through the packed client's typed calls.
    const quireApi = client();
    expect((await quireApi.getContent(documentName, 'text')).content).toContain(text);
    const described = await quireApi.getDocument(documentName);
    expect(described.name).toBe(documentName);

    // A write from the backend reaches the person's editor live.
    await quireApi.appendContent(documentName, { content: `Appended by the ${kind} backend.`, format: 'markdown' });
    await expect.poll(() => textWithoutCarets(page.getByRole('textbox', { name: 'Document body' }))).toContain(`Appended by the ${kind} backend.`);

    // The webhook delivery for the person's edit passes the packed signature check, and only untampered.
    const delivery = await changedDelivery(documentName, user);
    expect(quire.verifyWebhook(WEBHOOK_SECRET, delivery.signature, delivery.body)).toBe(true);
    expect(quire.verifyWebhook(WEBHOOK_SECRET, delivery.signature, delivery.body.replace(documentName, 'another'))).toBe(false);
    expect(quire.verifyWebhook('a-different-secret-that-is-long-enough-000', delivery.signature, delivery.body)).toBe(false);

    // An API error comes back as the client's typed error, with the server's explanation.
    const missing = await quireApi.getDocument('no-such-document').catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(quire.QuireApiError);
    expect((missing as InstanceType<QuireNode['QuireApiError']>).status).toBe(404);
  });
}
