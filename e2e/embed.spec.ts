import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Page } from '@playwright/test';
import { type ExampleServer, startExampleServer } from '../examples/server';
import { mintToken } from '../shared/token';
import { ServerProcess } from '../testing/serverProcess';
import { textWithoutCarets } from './app-helpers';
import { cspViolationsIn, expectNoCspViolations } from './cspViolations';
import { type App, createDocument, editorOf, expect, test } from './fixtures';

/**
 * Embedding, as a developer does it: the example host site (examples/server.ts) runs on another
 * origin, mints tokens with the server's secret, and shows a document through embed.js (and
 * through the React component). The app runs as a real process, allowing only that origin.
 */

const AUTH_SECRET = 'e2e-embedding-secret-that-is-long-enough-0123456789';

interface HostEvent {
  name: string;
  detail: Record<string, unknown>;
}

let host: ExampleServer;
let stranger: ExampleServer;
let server: ServerProcess;
let dataDir: string;

test.beforeAll(async () => {
  let appUrl = '';
  host = await startExampleServer({ quireUrl: () => appUrl, authSecret: AUTH_SECRET });
  // A second site with the same embedding code, but not in EMBED_ORIGINS.
  stranger = await startExampleServer({ quireUrl: () => appUrl, authSecret: AUTH_SECRET });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-embed-'));
  server = await ServerProcess.start('start.ts', { PORT: '0', DATA_DIR: dataDir, AUTH_SECRET, EMBED_ORIGINS: host.url, ALLOWED_ORIGINS: host.url });
  appUrl = server.httpUrl;
});

test.afterAll(async () => {
  await server?.stop();
  await host?.close();
  await stranger?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Where in the server's output the current test's CSP check starts. */
let checkedFrom = 0;

test.beforeEach(() => {
  checkedFrom = server.output.length;
});

// The embed page in the host's frame runs under the app's policy with no violation reported.
test.afterEach(() => {
  expectNoCspViolations(server.output, checkedFrom);
});

const app = (): App => ({ url: server.httpUrl, dataDir, restart: async () => undefined });

/** The events the host page received so far (its page keeps them in `window.quireEvents`). */
const hostEvents = (page: Page) => page.evaluate(() => (window as unknown as { quireEvents: HostEvent[] }).quireEvents);
const eventNames = async (page: Page) => (await hostEvents(page)).map((event) => event.name);

/** Opens a document in the full app (its own browser) and returns the page and the document name. */
async function openInApp(browser: import('@playwright/test').Browser): Promise<{ page: Page; name: string }> {
  const page = await (await browser.newContext()).newPage();
  const url = await createDocument(page, app());
  const name = decodeURIComponent(new URL(url).pathname.split('/')[2]);
  return { page, name };
}

test('a page on another origin embeds a document with embed.js: typing there reaches the app, and the host hears ready, change, saved, presence', async ({
  browser,
}) => {
  const { page: full, name } = await openInApp(browser);
  const hostPage = await (await browser.newContext()).newPage();
  await hostPage.goto(`${host.url}/?doc=${encodeURIComponent(name)}&name=${encodeURIComponent('Embedded Eve')}`);

  const frame = hostPage.frameLocator('iframe');
  const embedded = frame.getByRole('textbox', { name: 'Document body' });
  await expect(embedded).toBeVisible();
  await expect.poll(() => eventNames(hostPage)).toContain('ready');
  const ready = (await hostEvents(hostPage)).find((event) => event.name === 'ready');
  expect(ready?.detail).toEqual({ document: name, readOnly: false });

  // The token went by postMessage: the frame's address has none.
  const src = (await hostPage.locator('iframe').getAttribute('src')) as string;
  expect(src).toBe(`${server.httpUrl}/embed/${encodeURIComponent(name)}`);

  await embedded.click();
  await hostPage.keyboard.type('Typed in the embed.');
  await expect(editorOf(full)).toContainText('Typed in the embed.');
  await expect.poll(async () => (await hostEvents(hostPage)).some((event) => event.name === 'change' && event.detail.local === true)).toBe(true);
  await expect.poll(() => eventNames(hostPage)).toContain('saved');

  // And back: typing in the app shows in the embed, and the host hears about the app's user.
  await editorOf(full).click();
  await full.keyboard.press('End');
  await full.keyboard.type(' Answered from the app.');
  await expect(embedded).toContainText('Typed in the embed. Answered from the app.');
  await expect
    .poll(async () => {
      const presence = (await hostEvents(hostPage)).filter((event) => event.name === 'presence').at(-1);
      return (presence?.detail.people as Array<{ name: string; self: boolean; role: string }> | undefined)?.map(
        (person) => `${person.name}${person.self ? ' (self)' : ''}: ${person.role}`,
      );
    })
    // Each with the role the server gives them in presence.
    .toEqual(expect.arrayContaining(['Embedded Eve (self): editor', expect.stringMatching(/^(?!.*\(self\)).*: editor$/)]));

  // The host can read the content and switch the editor to read-only.
  expect(
    await hostPage.evaluate(() => (window as unknown as { quireEditor: { getContent(format: string): Promise<string> } }).quireEditor.getContent('text')),
  ).toBe('Typed in the embed. Answered from the app.');
  await hostPage.evaluate(() => (window as unknown as { quireEditor: { setReadOnly(value: boolean): void } }).quireEditor.setReadOnly(true));
  await expect(embedded).toHaveAttribute('contenteditable', 'false');

  // The same content through the content API, on the app's own port.
  const admin = await mintToken(AUTH_SECRET, { sub: 'e2e-backend', name: 'Backend', doc: '*', role: 'admin' });
  const markdown = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/content?format=markdown`, {
    headers: { authorization: `Bearer ${admin}` },
  });
  expect(await markdown.text()).toBe('Typed in the embed. Answered from the app.');
});

test('only EMBED_ORIGINS may frame the editor: another site hears load-failed and shows nothing', async ({ browser }) => {
  const frameAncestors = async (path: string) =>
    (await fetch(`${server.httpUrl}${path}`)).headers
      .get('content-security-policy')
      ?.split(';')
      .map((directive) => directive.trim())
      .find((directive) => directive.startsWith('frame-ancestors '));
  expect(await frameAncestors('/embed/anything')).toBe(`frame-ancestors 'self' ${host.url}`);
  expect(await frameAncestors('/')).toBe("frame-ancestors 'self'");

  const { name } = await openInApp(browser);
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stranger.url}/?doc=${encodeURIComponent(name)}&loadTimeout=3000`);
  await expect
    .poll(async () => (await hostEvents(page)).find((event) => event.name === 'error')?.detail, { timeout: 10_000 })
    .toMatchObject({
      code: 'load-failed',
      message: expect.stringContaining(`lists ${stranger.url} in EMBED_ORIGINS`),
    });
  await expect(page.frameLocator('iframe').getByRole('textbox', { name: 'Document body' })).toHaveCount(0);
  // The refused framing is the one violation reported, to the embed page's own server (Chromium
  // names only the origin of a page refused to another site).
  await expect
    .poll(() => cspViolationsIn(server.output.slice(checkedFrom)))
    .toEqual([expect.objectContaining({ directive: 'frame-ancestors', blocked: `${server.httpUrl}/` })]);
  checkedFrom = server.output.length;
});

test('the React component in a React app on another origin edits the same live document', async ({ browser }) => {
  const { page: full, name } = await openInApp(browser);
  const reactPage = await (await browser.newContext()).newPage();
  await reactPage.goto(`${host.url}/react?doc=${encodeURIComponent(name)}`);
  const editor = reactPage.locator('.quire-editor').getByRole('textbox', { name: 'Document body' });
  await expect(editor).toBeVisible();
  await expect(reactPage.locator('.quire-editor__status')).toHaveText('Saved');
  await editor.click();
  await reactPage.keyboard.type('Written in a React app.');
  await expect(editorOf(full)).toContainText('Written in a React app.');
  await expect(reactPage.getByText(/^Last saved: \d/)).toBeVisible();
  await expect(reactPage.getByText(/^Here now: Guest \S+ \(you\), \S/)).toBeVisible();
});

test('after the server restarts, the embed asks the host for a fresh token and goes on editing', async ({ browser }) => {
  const { page: full, name } = await openInApp(browser);
  const hostPage = await (await browser.newContext()).newPage();
  await hostPage.goto(`${host.url}/?doc=${encodeURIComponent(name)}`);
  const embedded = hostPage.frameLocator('iframe').getByRole('textbox', { name: 'Document body' });
  await expect.poll(() => eventNames(hostPage)).toContain('ready');

  const before = (await hostEvents(hostPage)).length;
  expectNoCspViolations(server.output, checkedFrom);
  server = await server.restart();
  checkedFrom = 0;
  // The first token was used up: reconnecting needs the host to answer a token request.
  const statesSinceRestart = async () =>
    (await hostEvents(hostPage))
      .slice(before)
      .filter((event) => event.name === 'status')
      .map((event) => event.detail.state);
  await expect.poll(statesSinceRestart, { timeout: 20_000 }).toEqual(expect.arrayContaining(['offline', 'saved']));
  expect((await statesSinceRestart()).at(-1)).toBe('saved');
  await embedded.click();
  await hostPage.keyboard.type('After the restart.');
  await expect(editorOf(full)).toContainText('After the restart.', { timeout: 20_000 });
  expect((await hostEvents(hostPage)).filter((event) => event.name === 'error')).toEqual([]);
});

test('after a restore, undo in embed.js and in the React component never brings back what the restore re-created', async ({ browser }) => {
  // Three browser contexts (the app, embed.js, the React host), two restores and their undos:
  // about 20 s on a quiet machine, past 60 s beside a build on two busy cores.
  test.setTimeout(120_000);
  const { page: full, name } = await openInApp(browser);
  const hostPage = await (await browser.newContext()).newPage();
  await hostPage.goto(`${host.url}/?doc=${encodeURIComponent(name)}`);
  const embedded = hostPage.frameLocator('iframe').getByRole('textbox', { name: 'Document body' });
  const reactPage = await (await browser.newContext()).newPage();
  await reactPage.goto(`${host.url}/react?doc=${encodeURIComponent(name)}`);
  const reactEditor = reactPage.locator('.quire-editor').getByRole('textbox', { name: 'Document body' });
  await expect(reactPage.locator('.quire-editor__status')).toHaveText('Saved');

  await embedded.click();
  await hostPage.keyboard.type('Keep this. Drop');
  await expect.poll(() => textWithoutCarets(reactEditor)).toBe('Keep this. Drop');
  const admin = await mintToken(AUTH_SECRET, { sub: 'e2e-backend', name: 'Backend', doc: '*', role: 'admin' });
  const api = (path: string, body: object) =>
    fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const named = (await (await api('/versions', { label: 'Before' })).json()) as { id: number };

  // Each deletes what it wrote last; then a backend restores the version.
  await reactEditor.click();
  await reactPage.keyboard.press('ControlOrMeta+End');
  await reactPage.keyboard.type(' React');
  for (let i = 0; i < 6; i++) await reactPage.keyboard.press('Backspace');
  await embedded.click();
  await hostPage.keyboard.press('ControlOrMeta+End');
  for (let i = 0; i < 4; i++) await hostPage.keyboard.press('Backspace');
  await expect.poll(() => textWithoutCarets(editorOf(full))).toBe('Keep this. ');
  await expect(reactPage.locator('.quire-editor__status')).toHaveText('Saved');
  expect((await api(`/versions/${named.id}/restore`, {})).status).toBe(200);
  for (const editor of [embedded, reactEditor, editorOf(full)]) await expect.poll(() => textWithoutCarets(editor)).toBe('Keep this. Drop');

  // Undo, many times, in both: the document stays the restored version.
  for (const [page, editor] of [
    [hostPage, embedded],
    [reactPage, reactEditor],
  ] as const) {
    await editor.click();
    for (let i = 0; i < 5; i++) {
      await page.keyboard.press('ControlOrMeta+z');
      expect(await textWithoutCarets(editor)).toBe('Keep this. Drop');
    }
  }
  await expect.poll(() => textWithoutCarets(editorOf(full))).toBe('Keep this. Drop');
});

test("the embed's theme option forces light or dark, whatever the system's setting (screenshots attached)", async ({ browser }, testInfo) => {
  const { name } = await openInApp(browser);
  for (const [system, theme, background] of [
    ['dark', 'light', 'rgb(255, 255, 255)'],
    ['light', 'dark', 'rgb(24, 25, 27)'],
    ['dark', 'dark', 'rgb(24, 25, 27)'],
  ] as const) {
    const hostPage = await (await browser.newContext({ colorScheme: system })).newPage();
    await hostPage.goto(`${host.url}/?doc=${encodeURIComponent(name)}&theme=${theme}`);
    const frame = hostPage.frameLocator('iframe');
    await expect(frame.getByRole('textbox', { name: 'Document body' })).toBeVisible();
    const colors = await frame.locator('.embed-shell').evaluate((shell) => ({
      shell: getComputedStyle(shell).backgroundColor,
      page: getComputedStyle(document.documentElement).backgroundColor,
      text: getComputedStyle(shell.querySelector('.tiptap') as Element).color,
    }));
    expect(colors.shell, `${theme} theme on a ${system} system`).toBe(background);
    expect(colors.page, `${theme} theme on a ${system} system`).toBe(background);
    expect(colors.text).toBe(theme === 'dark' ? 'rgb(237, 238, 240)' : 'rgb(28, 32, 36)');
    const path = testInfo.outputPath(`embed-${theme}-on-${system}-system.png`);
    await hostPage.screenshot({ path });
    await testInfo.attach(`embed-${theme}-on-${system}-system.png`, { path, contentType: 'image/png' });
    await hostPage.context().close();
  }
});
