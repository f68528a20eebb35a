import { readFile } from 'node:fs/promises';
import type { Browser, Page } from '@playwright/test';
import { CloseCodes } from '../shared/closeCodes';
import { emailOf, nameOf, startTestIssuer, type TestIssuer } from '../testing/oidcIssuer';
import { freePort } from '../testing/postgres';
import { hpFrames } from '../testing/rawFrames';
import { RawSocket } from '../testing/rawSocket';
import { bodyTextOf, chooseFromDocumentMenu, freshPage, saveStatusOf, titleOf, typeInBody } from './app-helpers';
import { expectNoCspViolations } from './cspViolations';
import { type App, editorOf, expect, type RunningApp, startApp, test } from './fixtures';

/**
 * Workspace mode in a real browser: two people sign in through a real OpenID provider's login and
 * consent pages, one shares a document with the other by e-mail, who finds it under "Shared with
 * me" in a fresh browser context and edits it with her; removing his access while he has it open
 * closes his editor, and the frames he builds by hand with his token are refused.
 */

let issuer: TestIssuer;
let running: RunningApp;
let app: App;

test.beforeAll(async () => {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  issuer = await startTestIssuer({ redirectUri: `${url}/api/auth/callback` });
  running = await startApp({
    PORT: String(port),
    PUBLIC_URL: url,
    OIDC_ISSUER: issuer.url,
    OIDC_CLIENT_ID: issuer.clientId,
    OIDC_CLIENT_SECRET: issuer.clientSecret,
  });
  app = running.app;
});

test.afterAll(async () => {
  const output = await running?.stop();
  await issuer?.stop();
  if (output) expectNoCspViolations(output);
});

/** Signs `login` in, in a fresh browser context, through the provider's pages; ends on the signed-in home. */
async function signedIn(browser: Browser, login: string, path = '/'): Promise<Page> {
  const page = await freshPage(browser);
  await page.goto(`${app.url}${path}`);
  if (path === '/') await page.getByRole('link', { name: 'Sign in' }).click();
  await page.locator('input[name="login"]').fill(login);
  await page.locator('input[name="password"]').fill('any password');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.waitForURL(`${app.url}${path}`);
  return page;
}

test('sharing with a person by e-mail; they find it under Shared with me; removing them closes their editor', async ({ browser }) => {
  // Three sign-ins through the provider's login and consent pages (five page loads each) besides the editing.
  test.setTimeout(120_000);
  const ada = await signedIn(browser, 'ada');
  await expect(ada.getByText(`Signed in as ${nameOf('ada')}`)).toBeVisible();
  await expect(ada.getByRole('region', { name: 'My documents' })).toContainText('You have not created any documents yet.');
  // Bob signs in once, so Ada can find him.
  const bobFirst = await signedIn(browser, 'bob');
  await expect(bobFirst.getByRole('region', { name: 'Shared with me' })).toContainText('Nothing has been shared with you yet.');
  await bobFirst.context().close();

  await ada.getByRole('button', { name: 'New document' }).click();
  await ada.waitForURL(/\/d\/[^/]+#.+/);
  const name = decodeURIComponent(new URL(ada.url()).pathname.split('/')[2]);
  await titleOf(ada).fill('Launch plan');
  await typeInBody(ada, 'Ada wrote this.');
  await expect(saveStatusOf(ada)).toHaveText('Saved');

  await ada.getByRole('button', { name: 'Share' }).click();
  const people = ada.getByRole('dialog', { name: 'Share' }).getByRole('region', { name: 'People with access' });
  await people.getByRole('combobox', { name: 'Add people by name or e-mail' }).fill(emailOf('bob'));
  await people.getByRole('combobox', { name: 'Role for the people added' }).selectOption('editor');
  await people.getByRole('button', { name: 'Add' }).click();
  await expect(people.getByRole('listitem', { name: nameOf('bob') })).toContainText(emailOf('bob'));
  await expect(people.getByRole('combobox', { name: `Role of ${nameOf('bob')}` })).toHaveValue('editor');
  await ada.keyboard.press('Escape');

  // A fresh browser context: nothing of his first visit is left; the list comes from the server.
  const bob = await signedIn(browser, 'bob');
  const shared = bob.getByRole('region', { name: 'Shared with me' });
  await shared.getByRole('link', { name: 'Launch plan' }).click();
  await bob.waitForURL(`${app.url}/d/${encodeURIComponent(name)}`);
  await expect.poll(() => bodyTextOf(bob)).toBe('Ada wrote this.');
  await typeInBody(bob, ' Bob added this.');
  await expect.poll(() => bodyTextOf(ada)).toBe('Ada wrote this. Bob added this.');

  // His token, as his page gets it, for frames built by hand later.
  const session = await bob.request.post(`${app.url}/api/workspace/documents/${encodeURIComponent(name)}/session`, { headers: { origin: app.url } });
  expect(session.status()).toBe(200);
  const token = ((await session.json()) as { token: string }).token;

  // Ada removes him while he has it open: his editor closes within seconds.
  await ada.getByRole('button', { name: 'Share' }).click();
  await people.getByRole('button', { name: `Remove ${nameOf('bob')}` }).click();
  await expect(people.getByRole('listitem', { name: nameOf('bob') })).toHaveCount(0);
  await expect(editorOf(bob)).toHaveAttribute('contenteditable', 'false', { timeout: 5000 });
  await expect(bob.getByRole('alert').filter({ hasText: 'Your access to this document was removed.' })).toBeVisible();

  const raw = await RawSocket.open(`${app.url.replace('http', 'ws')}/collab`, { origin: app.url });
  raw.send(hpFrames.auth(name, token));
  expect(await raw.authResult(name)).toBe(CloseCodes.AccessRevoked.reason);
  raw.close();

  // Reloading, the document is not there for him any more; Ada's copy is whole.
  await bob.goto(`${app.url}/`);
  await expect(bob.getByRole('region', { name: 'Shared with me' })).toContainText('Nothing has been shared with you yet.');
  await expect.poll(() => bodyTextOf(ada)).toBe('Ada wrote this. Bob added this.');
});

test('opening a document address signed out leads through sign-in and back to it', async ({ browser }) => {
  const ada = await signedIn(browser, 'ada');
  await ada.getByRole('button', { name: 'New document' }).click();
  await ada.waitForURL(/\/d\/[^/]+#.+/);
  const path = new URL(ada.url()).pathname;
  await expect(saveStatusOf(ada)).toHaveText('Saved');
  const again = await signedIn(browser, 'ada', path);
  await expect(editorOf(again)).toBeVisible();
});

/** Downloads from the document menu's `item`; returns the file's bytes. */
async function downloadBytes(page: Page, item: RegExp): Promise<Buffer> {
  const downloaded = page.waitForEvent('download');
  await chooseFromDocumentMenu(page, item);
  return readFile(await (await downloaded).path());
}

/** Opens `title` from `page`'s "Shared with me" list: the document page, without any link secret. */
async function openShared(page: Page, title: string, name: string): Promise<void> {
  await page.getByRole('region', { name: 'Shared with me' }).getByRole('link', { name: title }).click();
  await page.waitForURL(`${app.url}/d/${encodeURIComponent(name)}`);
  await expect(editorOf(page)).toBeVisible();
}

test('a member who opened a document from their lists uses the document menu without a link, as their role allows', async ({ browser }) => {
  // Three sign-ins through the provider's pages, two server-made files and the history screen.
  test.setTimeout(180_000);
  const bobFirst = await signedIn(browser, 'bob');
  await bobFirst.context().close();
  const cleoFirst = await signedIn(browser, 'cleo');
  await cleoFirst.context().close();
  const ada = await signedIn(browser, 'ada');
  await ada.getByRole('button', { name: 'New document' }).click();
  await ada.waitForURL(/\/d\/[^/]+#.+/);
  const name = decodeURIComponent(new URL(ada.url()).pathname.split('/')[2]);
  await titleOf(ada).fill('Menu plan');
  await typeInBody(ada, 'Words for the files.');
  await expect(saveStatusOf(ada)).toHaveText('Saved');
  for (const [login, role] of [
    ['bob', 'editor'],
    ['cleo', 'viewer'],
  ]) {
    const shared = await ada.request.post(`${app.url}/api/workspace/documents/${encodeURIComponent(name)}/people`, {
      headers: { origin: app.url },
      data: { email: emailOf(login), role },
    });
    expect(shared.status()).toBe(201);
  }

  // Bob, an editor, renames it, downloads it as Word and PDF, and sees its history and activity.
  const bob = await signedIn(browser, 'bob');
  await openShared(bob, 'Menu plan', name);
  await titleOf(bob).fill('Menu plan, renamed');
  await expect(titleOf(ada)).toHaveValue('Menu plan, renamed');
  expect((await downloadBytes(bob, /Download Word/)).subarray(0, 2).toString()).toBe('PK');
  expect((await downloadBytes(bob, /Download PDF/)).subarray(0, 5).toString()).toBe('%PDF-');
  const named = await bob.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/history/name`, {
    headers: { origin: app.url },
    data: { label: 'Named by Bob' },
  });
  expect(named.status()).toBe(200);
  await bob.getByRole('button', { name: 'Version history' }).click();
  const history = bob.getByRole('dialog', { name: 'Version history' });
  await expect(history.getByRole('list', { name: 'Versions' })).toContainText('Named by Bob');
  await expect(history.getByRole('alert')).toHaveCount(0);
  await history.getByRole('button', { name: 'Back to the document' }).click();
  await chooseFromDocumentMenu(bob, /Activity/);
  await expect(bob.getByRole('list', { name: 'Activity' })).toBeVisible();
  await expect(bob.getByRole('dialog').getByRole('alert')).toHaveCount(0);
  await bob.keyboard.press('Escape');
  // He manages the share links without holding one: the view link's new address shows once, and opens the document.
  await bob.getByRole('button', { name: 'Share' }).click();
  const bobShare = bob.getByRole('dialog', { name: 'Share' });
  await expect(bobShare).toContainText('its address is shown only to whoever makes it');
  await bobShare.getByRole('button', { name: 'Reset view-only link' }).click();
  await bob.getByRole('dialog', { name: 'Reset the view-only link?' }).getByRole('button', { name: 'Reset link' }).click();
  await expect(bobShare.getByRole('status')).toContainText('The view-only link was reset');
  const viewUrl = await bobShare.getByRole('textbox', { name: 'View-only link' }).inputValue();
  expect(viewUrl).toMatch(new RegExp(`/d/${name}#.+`));
  const viewer = await freshPage(browser);
  await viewer.goto(viewUrl);
  await expect(editorOf(viewer)).toHaveAttribute('contenteditable', 'false');
  await viewer.context().close();
  await bob.keyboard.press('Escape');
  // Deleting is the owner's: an editor's menu does not offer it.
  await bob.getByRole('button', { name: 'Document menu' }).click();
  await expect(bob.getByRole('menuitem', { name: /Delete document/ })).toHaveCount(0);
  await bob.keyboard.press('Escape');

  // Cleo, a viewer, downloads it; renaming is refused by the server too.
  const cleo = await signedIn(browser, 'cleo');
  await openShared(cleo, 'Menu plan, renamed', name);
  expect((await downloadBytes(cleo, /Download Word/)).subarray(0, 2).toString()).toBe('PK');
  // A viewer is shown no links to manage.
  await cleo.getByRole('button', { name: 'Share' }).click();
  await expect(cleo.getByRole('dialog', { name: 'Share' }).getByRole('button', { name: /^Reset / })).toHaveCount(0);
  await cleo.keyboard.press('Escape');
  const renamed = await cleo.request.patch(`${app.url}/api/app/documents/${encodeURIComponent(name)}`, {
    headers: { origin: app.url },
    data: { title: 'Renamed by Cleo' },
  });
  expect(renamed.status()).toBe(403);
  await expect(titleOf(ada)).toHaveValue('Menu plan, renamed');
});
