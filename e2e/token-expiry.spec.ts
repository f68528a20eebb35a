import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { type ExampleServer, startExampleServer } from '../examples/server';
import { mintToken } from '../shared/token';
import { ServerProcess } from '../testing/serverProcess';
import { expectNoCspViolations } from './cspViolations';
import { type App, createDocument, editorOf, expect, test } from './fixtures';

/**
 * Short-lived tokens, as a host site should mint them: the app (link tokens of
 * LINK_TOKEN_SECONDS), an embed.js embed and <QuireEditor> on the example host site (tokens of
 * its `tokenSeconds`). Each keeps editing across several expiries without an error or a
 * disconnection shown, and every edit is stored; once no fresh token can be had, nothing typed
 * after the last token expired is stored.
 */

const AUTH_SECRET = 'e2e-token-expiry-secret-that-is-long-enough-0123';
/** Token lifetime, in seconds, everywhere in this file. */
const LIFETIME = 3;
/** Expiries each editor lives through while typing. */
const EXPIRIES = 4;

// Each test types through EXPIRIES token lifetimes, then waits out one more: about 25 s alone.
test.describe.configure({ timeout: 120_000 });

let host: ExampleServer;
let server: ServerProcess;
let dataDir: string;

test.beforeAll(async () => {
  let appUrl = '';
  host = await startExampleServer({ quireUrl: () => appUrl, authSecret: AUTH_SECRET, tokenSeconds: LIFETIME });
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'e2e-token-expiry-'));
  server = await ServerProcess.start('start.ts', {
    PORT: '0',
    DATA_DIR: dataDir,
    AUTH_SECRET,
    EMBED_ORIGINS: host.url,
    ALLOWED_ORIGINS: host.url,
    LINK_TOKEN_SECONDS: String(LIFETIME),
  });
  appUrl = server.httpUrl;
});

test.afterAll(async () => {
  await server?.stop();
  await host?.close();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
});

/** Where in the server's output the current test's CSP check starts. */
let checkedFrom = 0;

test.beforeEach(() => {
  checkedFrom = server.output.length;
});

// Every page here (the app, the embed page in the host's frame) runs under the app's policy untouched.
test.afterEach(() => {
  expectNoCspViolations(server.output, checkedFrom);
});

const app = (): App => ({ url: server.httpUrl, dataDir, restart: async () => undefined });

/** The tokens a browser context was handed by `endpoint`, and switches that slow or stop them. */
interface TokenTap {
  /** Each token's expiry, ms since the epoch, in the order they were handed out. */
  expiries: number[];
  /** The next token is handed out this much later than asked for. */
  delayNext(ms: number): void;
  /** From now on the endpoint cannot be reached; resolves once the tokens already asked for are handed out. */
  stop(): Promise<void>;
}

async function tapTokens(context: BrowserContext, endpoint: string, read: (body: string) => string): Promise<TokenTap> {
  let delay = 0;
  let stopped = false;
  // Requests under way when the tap stops still hand out a token: stop waits for them, so the last
  // expiry is known.
  const underWay = new Set<Promise<void>>();
  const tap: TokenTap = {
    expiries: [],
    delayNext: (ms) => (delay = ms),
    stop: async () => {
      stopped = true;
      await Promise.allSettled([...underWay]);
    },
  };
  await context.route(endpoint, async (route) => {
    if (stopped) return route.abort('connectionrefused');
    const handled = (async () => {
      const wait = delay;
      delay = 0;
      if (wait) await new Promise((resolve) => setTimeout(resolve, wait));
      const response = await route.fetch();
      const body = await response.text();
      const payload = read(body).split('.')[1];
      if (payload) tap.expiries.push((JSON.parse(Buffer.from(payload, 'base64url').toString()) as { exp: number }).exp * 1000);
      await route.fulfill({ response, body });
    })();
    underWay.add(handled);
    try {
      await handled;
    } finally {
      underWay.delete(handled);
    }
  });
  return tap;
}

/**
 * Records every text the element matching `selector` shows, from now on (a MutationObserver on
 * the page: a state shown for a single frame is recorded too).
 */
async function recordTexts(page: Page, selector: string): Promise<() => Promise<string[]>> {
  await page.evaluate((target) => {
    const seen: string[] = [];
    (window as unknown as { shownTexts: string[] }).shownTexts = seen;
    const record = () => {
      const text = document.querySelector(target)?.textContent ?? '(none)';
      if (seen.at(-1) !== text) seen.push(text);
    };
    record();
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
  }, selector);
  return () => page.evaluate(() => (window as unknown as { shownTexts: string[] }).shownTexts);
}

/** The document's text as the server has it (the content API, with an admin token). */
async function storedText(name: string): Promise<string> {
  const admin = await mintToken(AUTH_SECRET, { sub: 'e2e-backend', name: 'Backend', doc: '*', role: 'admin' });
  const response = await fetch(`${server.httpUrl}/api/docs/${encodeURIComponent(name)}/content?format=text`, { headers: { authorization: `Bearer ${admin}` } });
  return response.text();
}

/** How many connections the server has closed as their token expired, so far (from its log). */
const expiredClosesSoFar = () => server.output.split('\n').filter((line) => line.includes('"event":"token-expired"')).length;

/**
 * Types a numbered word into `editor` every few hundred milliseconds for `EXPIRIES` token
 * lifetimes, and checks that so many of the tokens handed out expired meanwhile (the editor went
 * on with fresh ones). Midway, one fresh token comes too late: the server closes the connection
 * as its token expires, and the editor must open it again as silently. Returns everything typed.
 */
async function typeAcrossExpiries(page: Page, editor: Locator, tap: TokenTap): Promise<string> {
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  const closesBefore = expiredClosesSoFar();
  let typed = '';
  const until = Date.now() + (EXPIRIES * LIFETIME + 1) * 1000;
  for (let i = 0; Date.now() < until; i++) {
    if (i === 10) tap.delayNext(LIFETIME * 1000);
    const word = `w${i} `;
    await page.keyboard.type(word);
    typed += word;
    // A person typing: a word, a pause.
    await page.waitForTimeout(250);
  }
  expect(tap.expiries.filter((expiry) => expiry < Date.now()).length, 'tokens that expired while typing').toBeGreaterThanOrEqual(EXPIRIES);
  expect(expiredClosesSoFar(), 'connections the server closed as their token expired').toBeGreaterThan(closesBefore);
  return typed;
}

/**
 * Stops the token endpoint, waits until the last token handed out has expired, and types `marker`:
 * nothing may store it. Returns once the client had time to send it.
 */
async function typeAfterTheLastToken(page: Page, editor: Locator, tap: TokenTap, marker: string): Promise<void> {
  await tap.stop();
  const lastExpiry = Math.max(...tap.expiries);
  await expect.poll(() => Date.now(), { timeout: (LIFETIME + 2) * 1000 }).toBeGreaterThan(lastExpiry + 200);
  await editor.click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type(marker);
  // Long enough for an open connection to deliver it and the server to store it (it must not).
  await page.waitForTimeout(2000);
}

const WORKING = ['Saved', 'Saving…'];

test('the app: link tokens of a few seconds are renewed while typing, every edit is stored, and no disconnection or error shows', async ({ browser }) => {
  const context = await browser.newContext();
  const tap = await tapTokens(context, '**/api/app/session', (body) => (JSON.parse(body) as { token: string }).token);
  const page = await context.newPage();
  const url = await createDocument(page, app());
  const name = decodeURIComponent(new URL(url).pathname.split('/')[2]);
  const status = page.locator('.save-status [role=status]');
  await expect(status).toHaveText('Saved');
  const shown = await recordTexts(page, '.save-status [role=status]');

  const typed = await typeAcrossExpiries(page, editorOf(page), tap);
  await expect(status).toHaveText('Saved');
  expect((await shown()).filter((text) => !WORKING.includes(text))).toEqual([]);
  // (Next.js keeps an empty alert region of its own for route announcements.)
  await expect(page.getByRole('alert').filter({ hasText: /\S/ })).toHaveCount(0);
  expect((await storedText(name)).trim()).toBe(typed.trim());

  await typeAfterTheLastToken(page, editorOf(page), tap, 'AFTER-LAST-TOKEN');
  expect(await storedText(name)).not.toContain('AFTER-LAST-TOKEN');
  await expect(status).not.toHaveText('Saved');
});

/** Opens a new document in the app (its own browser context) and returns its name. */
async function newDocument(browser: Browser): Promise<string> {
  const page = await (await browser.newContext()).newPage();
  const url = await createDocument(page, app());
  await page.context().close();
  return decodeURIComponent(new URL(url).pathname.split('/')[2]);
}

interface HostEvent {
  name: string;
  detail: Record<string, unknown>;
}

const hostEvents = (page: Page) => page.evaluate(() => (window as unknown as { quireEvents: HostEvent[] }).quireEvents);

test('embed.js: the embed asks the host page for fresh tokens as they expire, stores every edit, and tells the host of no error', async ({ browser }) => {
  const name = await newDocument(browser);
  const context = await browser.newContext();
  const tap = await tapTokens(context, '**/quire-token', (body) => body);
  const page = await context.newPage();
  await page.goto(`${host.url}/?doc=${encodeURIComponent(name)}`);
  const editor = page.frameLocator('iframe').getByRole('textbox', { name: 'Document body' });
  await expect.poll(async () => (await hostEvents(page)).some((event) => event.name === 'status' && event.detail.state === 'saved')).toBe(true);
  const before = (await hostEvents(page)).length;

  const typed = await typeAcrossExpiries(page, editor, tap);
  await expect.poll(async () => (await hostEvents(page)).filter((event) => event.name === 'status').at(-1)?.detail.state).toBe('saved');
  const since = (await hostEvents(page)).slice(before);
  expect(since.filter((event) => event.name === 'error')).toEqual([]);
  expect(since.filter((event) => event.name === 'status' && !['saved', 'saving'].includes(event.detail.state as string))).toEqual([]);
  expect(since.some((event) => event.name === 'saved')).toBe(true);
  expect((await storedText(name)).trim()).toBe(typed.trim());

  await typeAfterTheLastToken(page, editor, tap, 'AFTER-LAST-TOKEN');
  expect(await storedText(name)).not.toContain('AFTER-LAST-TOKEN');
});

test('<QuireEditor>: a React app with short-lived tokens keeps editing across expiries, every edit stored, status never leaving Saved/Saving', async ({
  browser,
}) => {
  const name = await newDocument(browser);
  const context = await browser.newContext();
  const tap = await tapTokens(context, '**/quire-token', (body) => body);
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' && message.text().startsWith('Quire:')) errors.push(message.text());
  });
  await page.goto(`${host.url}/react?doc=${encodeURIComponent(name)}`);
  const editor = page.locator('.quire-editor').getByRole('textbox', { name: 'Document body' });
  const status = page.locator('.quire-editor__status');
  await expect(status).toHaveText('Saved');
  const shown = await recordTexts(page, '.quire-editor__status');

  const typed = await typeAcrossExpiries(page, editor, tap);
  await expect(status).toHaveText('Saved');
  expect((await shown()).filter((text) => !WORKING.includes(text))).toEqual([]);
  expect(errors).toEqual([]);
  expect((await storedText(name)).trim()).toBe(typed.trim());

  await typeAfterTheLastToken(page, editor, tap, 'AFTER-LAST-TOKEN');
  expect(await storedText(name)).not.toContain('AFTER-LAST-TOKEN');
  await expect(status).not.toHaveText('Saved');
});
