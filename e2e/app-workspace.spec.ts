import type { Browser, Page } from '@playwright/test';
import { CloseCodes } from '../shared/closeCodes';
import { emailOf, nameOf, startTestIssuer, type TestIssuer } from '../testing/oidcIssuer';
import { freePort } from '../testing/postgres';
import { hpFrames } from '../testing/rawFrames';
import { RawSocket } from '../testing/rawSocket';
import { bodyTextOf, freshPage, saveStatusOf, titleOf, typeInBody } from './app-helpers';
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
