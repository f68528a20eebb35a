import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { ServerProcess } from '../testing/serverProcess';
import { freshPage } from './app-helpers';
import { cspViolationsIn } from './cspViolations';
import { type App, createDocument, editorOf, expect, test } from './fixtures';

/*
 * [B5]: the Content-Security-Policy at work in Chromium. Markup injected into a page (the way a
 * cross-site scripting bug would put it there) does not run, and the browser's report of it
 * reaches the server's log. This file runs its own server: the other files' fixtures fail a test
 * on any reported violation, and here violations are the point.
 */

let server: ServerProcess;
let dataDir: string;

test.beforeAll(async () => {
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-csp-'));
  server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir });
});

test.afterAll(async () => {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

const app = (): App => ({ url: server.httpUrl, dataDir, restart: async () => undefined });

/** Keeps every `securitypolicyviolation` event of the page (and its frames) in `window.cspViolations`. */
async function recordViolations(page: Page): Promise<void> {
  await page.addInitScript(() => {
    const seen: { directive: string; blocked: string }[] = [];
    (window as unknown as { cspViolations: typeof seen }).cspViolations = seen;
    document.addEventListener('securitypolicyviolation', (event) => seen.push({ directive: event.effectiveDirective, blocked: event.blockedURI }));
  });
}

const violationsOf = (page: Page) => page.evaluate(() => (window as unknown as { cspViolations: { directive: string; blocked: string }[] }).cspViolations);

const INJECTED = '<script>window.injectedScriptRan = true</script><img src="/icon.svg?injected" hidden onload="window.injectedHandlerRan = true">';

test('[B5] markup injected into a page does not run (inline script, event handler), the page still works, and the browser reports each to the server, which logs it', async ({
  browser,
}) => {
  const author = await freshPage(browser);
  const url = await createDocument(author, app());
  await author.context().close();

  const page = await freshPage(browser);
  await recordViolations(page);
  // The server's own page, with the markup a cross-site scripting bug would add, under the policy
  // the server sent with it.
  await page.route(`**${new URL(url).pathname}`, async (route) => {
    const original = await route.fetch();
    const html = (await original.text()).replace('<body>', `<body>${INJECTED}`);
    await route.fulfill({ response: original, body: html });
  });
  const loggedBefore = cspViolationsIn(server.output).length;
  await page.goto(url);
  await expect(editorOf(page)).toBeEditable();

  // Added later by script, as a DOM-based injection would.
  await page.evaluate(() => {
    const holder = document.createElement('div');
    holder.innerHTML = '<img src="/icon.svg?injected-later" hidden onload="window.injectedLaterRan = true">';
    document.body.append(holder);
  });

  const expected = [
    { directive: 'script-src-elem', blocked: 'inline' },
    { directive: 'script-src-attr', blocked: 'inline' },
    { directive: 'script-src-attr', blocked: 'inline' },
  ];
  await expect.poll(() => violationsOf(page)).toEqual(expected);
  const ran = await page.evaluate(() => {
    const flags = window as unknown as Record<string, boolean | undefined>;
    return [flags.injectedScriptRan, flags.injectedHandlerRan, flags.injectedLaterRan];
  });
  expect(ran).toEqual([undefined, undefined, undefined]);

  await expect.poll(() => cspViolationsIn(server.output).length).toBe(loggedBefore + expected.length);
  const documentPath = `${server.httpUrl}${new URL(url).pathname}`;
  expect(cspViolationsIn(server.output).slice(loggedBefore)).toEqual(
    expected.map(({ directive, blocked }) => expect.objectContaining({ directive, blocked, document: documentPath })),
  );
  // The link secret in the fragment never reaches the log.
  expect(server.output).not.toContain(new URL(url).hash.slice(1));

  await editorOf(page).click();
  await page.keyboard.type('still editable');
  await expect(editorOf(page)).toContainText('still editable');
  await page.context().close();
});
