import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, Page } from '@playwright/test';
import { SECRET_FILE } from '../collab-server/authSecret';
import { type ExampleServer, startExampleServer } from '../examples/server';
import { mintToken } from '../shared/token';
import { ServerProcess } from '../testing/serverProcess';
import { bodyTextOf, createTitledDocument, linkParts, saveStatusOf, typeInBody } from './app-helpers';
import { expectNoCspViolations } from './cspViolations';
import { type App, createDocument, editorOf, expect, test } from './fixtures';
import { cachedEntries, cacheNames, copyBuildWithNewId, keptForOffline, recordPageProblems } from './offline-helpers';

/*
 * The app shell offline: a service worker keeps the app's pages and build files, so a document
 * opened before reopens with the network off (`context.setOffline(true)`, which also cuts the
 * service worker off the network) from its IndexedDB copy.
 */

const OFFLINE = 'Offline — changes kept on this device';

/** The server's copy of a document as plain text, through the content API (admin token from the generated secret). */
async function serverText(app: App, name: string): Promise<string> {
  const secret = (await readFile(path.join(app.dataDir, SECRET_FILE), 'utf8')).trim();
  const token = await mintToken(secret, { sub: 'e2e-backend', name: 'Backend', doc: '*', role: 'admin' });
  const response = await fetch(`${app.url}/api/docs/${encodeURIComponent(name)}/content?format=text`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return response.text();
}

async function newContextPage(browser: Browser): Promise<Page> {
  return (await browser.newContext()).newPage();
}

test('[B10] a document opened before reopens offline (reload, new tab, the home page’s list), is edited there, and merges with others’ edits once online', async ({
  sharedApp: app,
  browser,
}) => {
  const context = await browser.newContext();
  const problems = await recordPageProblems(context);
  const alice = await context.newPage();
  const url = await createTitledDocument(alice, app, 'Trip notes');
  const { name, key } = linkParts(url);
  await typeInBody(alice, 'Written online.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await keptForOffline(alice);
  const bob = await newContextPage(browser);
  await bob.goto(url);
  await expect(editorOf(bob)).toContainText('Written online.');

  // A reload with no network: the page comes from the worker, the text from this device's copy.
  await context.setOffline(true);
  await expect(saveStatusOf(alice)).toHaveText(OFFLINE);
  await alice.reload();
  await expect(editorOf(alice)).toContainText('Written online.');
  await expect(saveStatusOf(alice)).toHaveText(OFFLINE);
  await typeInBody(alice, ' Typed after an offline reload.');

  // A new tab opened with the link (as mail programs pass it on, with a query: the kept page is the
  // same), and one opened from the home page's list.
  const linked = await context.newPage();
  await linked.goto(url.replace('#', '?from=mail#'));
  await expect(editorOf(linked)).toContainText('Written online. Typed after an offline reload.');
  await alice.close();
  await typeInBody(linked, ' From a new tab.');
  await expect(saveStatusOf(linked)).toHaveText(OFFLINE);
  const home = await context.newPage();
  await home.goto(app.url);
  await expect(home.getByText('Offline: showing what this device last knew.')).toBeVisible();
  await home.getByRole('link', { name: /Trip notes/ }).click();
  await expect(home).toHaveURL(url);
  await expect(editorOf(home)).toContainText('From a new tab.');
  await typeInBody(home, ' From the list.');
  await expect(saveStatusOf(home)).toHaveText(OFFLINE);

  // Meanwhile Bob, online, writes at the start.
  await editorOf(bob).click();
  await bob.keyboard.press('ControlOrMeta+Home');
  await bob.keyboard.type('Bob first. ');
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  await context.setOffline(false);
  const everything = 'Bob first. Written online. Typed after an offline reload. From a new tab. From the list.';
  for (const page of [linked, home]) await expect(saveStatusOf(page)).toHaveText('Saved', { timeout: 20_000 });
  for (const page of [linked, home, bob]) await expect.poll(() => bodyTextOf(page)).toBe(everything);
  expect(await serverText(app, name)).toBe(everything);

  expect(problems.violations, 'CSP violations in the pages served offline').toEqual([]);
  expect(problems.errors, 'uncaught errors in the pages').toEqual([]);

  // What the worker kept: the build's files and the pages, never an API answer, a query or a
  // fragment (the link secret), and never the secret in a body. Each page keeps the policy it came
  // with: the nonce in its header is the one on its scripts.
  const entries = await cachedEntries(linked);
  expect(entries.length).toBeGreaterThan(0);
  for (const entry of entries) {
    const address = new URL(entry.url);
    expect(address.origin).toBe(app.url);
    expect(`${address.search}${address.hash}`).toBe('');
    expect(address.pathname).toMatch(/^\/(_next\/static\/.+|d\/[^/]+|offline|__shell\/clients-before-update)?$/);
    expect(entry.url).not.toContain(key);
    expect(entry.body).not.toContain(key);
  }
  const kept = entries.find((entry) => entry.url === `${app.url}/d/${encodeURIComponent(name)}`);
  const nonce = /'nonce-([^']+)'/.exec(kept?.csp ?? '')?.[1];
  expect(nonce).toBeTruthy();
  expect(kept?.body).toContain(`nonce="${nonce}"`);
});

test('a document never opened on this device shows that it is not available offline, not the browser’s error page', async ({ sharedApp: app, browser }) => {
  const owner = await newContextPage(browser);
  const url = await createDocument(owner, app);

  const context = await browser.newContext();
  const problems = await recordPageProblems(context);
  const page = await context.newPage();
  await page.goto(app.url);
  await keptForOffline(page);
  await context.setOffline(true);
  await page.goto(url);
  await expect(page.getByRole('heading', { name: 'This document is not available offline' })).toBeVisible();
  await expect(page.getByText(/You are offline, and this document has not been opened on this device before/)).toBeVisible();
  // The way home works offline too.
  await page.getByRole('link', { name: 'Go to your documents' }).click();
  await expect(page.getByRole('heading', { name: 'Documents', exact: true })).toBeVisible();
  expect(problems.violations).toEqual([]);
  expect(problems.errors).toEqual([]);
});

test('[B11] a restart with a new build: the open page picks up the new shell, the old one is cleaned away, and it reopens offline', async ({ browser }) => {
  test.setTimeout(120_000);
  const newBuild = await copyBuildWithNewId();
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-shell-'));
  let server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir });
  let output = '';
  try {
    const app: App = { url: server.httpUrl, dataDir, restart: async () => undefined };
    const context = await browser.newContext();
    const problems = await recordPageProblems(context);
    const page = await context.newPage();
    const url = await createTitledDocument(page, app, 'Across a deployment');
    await typeInBody(page, 'Before the update.');
    await expect(saveStatusOf(page)).toHaveText('Saved');
    await keptForOffline(page);
    const before = await cacheNames(page);

    output += server.output;
    await server.stop();
    server = await ServerProcess.start('start.ts', { PORT: String(server.port), DATA_DIR: dataDir, NEXT_DIST_DIR: newBuild.distDir });
    await expect(saveStatusOf(page)).toHaveText('Saved', { timeout: 20_000 });
    await page.reload();
    await expect(editorOf(page)).toContainText('Before the update.');
    // The page is the new build's, and a new worker version took over with caches of its own; the
    // previous version's pages went at once.
    expect(await page.content()).toContain(newBuild.buildId);
    const [oldStatic, oldPages] = [before.find((name) => name.startsWith('quire-static-')), before.find((name) => name.startsWith('quire-pages-'))];
    await expect
      .poll(
        async () => {
          const names = await cacheNames(page);
          return { added: names.filter((name) => !before.includes(name)).length, oldPagesKept: names.includes(oldPages as string) };
        },
        { timeout: 30_000 },
      )
      .toEqual({ added: 2, oldPagesKept: false });
    await keptForOffline(page);

    await context.setOffline(true);
    await page.reload();
    await expect(editorOf(page)).toContainText('Before the update.');
    expect(await page.content()).toContain(newBuild.buildId);
    // The page open at the take-over is gone: so are the previous version's build files.
    await expect.poll(() => cacheNames(page)).not.toContain(oldStatic);
    await typeInBody(page, ' After it, offline.');
    await expect(saveStatusOf(page)).toHaveText(OFFLINE);
    await context.setOffline(false);
    await expect(saveStatusOf(page)).toHaveText('Saved', { timeout: 20_000 });
    expect(await serverText(app, linkParts(url).name)).toBe('Before the update. After it, offline.');
    expect(problems.violations).toEqual([]);
    expect(problems.errors).toEqual([]);
  } finally {
    await server.stop();
    output += server.output;
    await rm(dataDir, { recursive: true, force: true });
    await newBuild.remove();
  }
  expectNoCspViolations(output);
});

test.describe('the embed page', () => {
  const AUTH_SECRET = 'e2e-offline-shell-embed-secret-0123456789abcdef';
  let host: ExampleServer;
  let server: ServerProcess;
  let dataDir: string;

  test.beforeAll(async () => {
    let appUrl = '';
    host = await startExampleServer({ quireUrl: () => appUrl, authSecret: AUTH_SECRET });
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-shell-embed-'));
    server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET, EMBED_ORIGINS: host.url, ALLOWED_ORIGINS: host.url });
    appUrl = server.httpUrl;
  });

  test.afterAll(async () => {
    await server?.stop();
    await host?.close();
    if (dataDir) await rm(dataDir, { recursive: true, force: true });
    expectNoCspViolations(server?.output ?? '');
  });

  test('[B13] registers no worker in another site’s frame, and the app’s worker leaves it to the network', async ({ browser }) => {
    const app: App = { url: server.httpUrl, dataDir, restart: async () => undefined };
    const context = await browser.newContext();
    const hostPage = await context.newPage();
    const open = async () => {
      await hostPage.goto(`${host.url}/?doc=notes&name=Eve`);
      const embedded = hostPage.frameLocator('iframe').getByRole('textbox', { name: 'Document body' });
      await expect(embedded).toBeVisible();
      return embedded;
    };
    const frameRegistrations = () => {
      const frame = hostPage.frames().find((candidate) => candidate.url().startsWith(`${server.httpUrl}/embed/`));
      return frame?.evaluate(async () => (await navigator.serviceWorker.getRegistrations()).length);
    };
    await open();
    await expect.poll(frameRegistrations).toBe(0);

    // The same browser then uses the app, which installs its worker: the embed still loads from
    // the network and works.
    const appPage = await context.newPage();
    await createDocument(appPage, app);
    await keptForOffline(appPage);
    const navigation = hostPage.waitForResponse((response) => response.url().startsWith(`${server.httpUrl}/embed/`));
    const embedded = await open();
    expect((await navigation).fromServiceWorker()).toBe(false);
    await embedded.click();
    await hostPage.keyboard.type('Still embedded.');
    await expect(embedded).toContainText('Still embedded.');
  });
});
