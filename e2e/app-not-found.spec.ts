import { linkParts } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

test('an unknown address shows the not-found page with a way home, with status 404', async ({ sharedApp: app, page }) => {
  for (const path of ['/no-such-page', '/d', '/d/a/b']) {
    const response = await page.goto(`${app.url}${path}`);
    expect(response?.status(), path).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: 'Page not found' }), path).toBeVisible();
    await expect(page).toHaveTitle(/Page not found/);
  }
  await page.getByRole('link', { name: 'Go to your documents' }).click();
  await expect(page).toHaveURL(`${app.url}/`);
  await expect(page.getByRole('heading', { name: 'Documents', exact: true })).toBeVisible();
});

test('a link to a document that does not exist, or with a wrong or missing secret, shows the document not-found page', async ({ sharedApp: app, page }) => {
  const url = await createDocument(page, app);
  const { name } = linkParts(url);
  for (const address of [
    `${app.url}/d/never-made-${Date.now()}#${'A'.repeat(22)}`,
    `${app.url}/d/${encodeURIComponent(name)}#${'B'.repeat(22)}`,
    `${app.url}/d/${encodeURIComponent(name)}`,
  ]) {
    await page.goto(app.url);
    await page.goto(address);
    await expect(page.getByRole('heading', { level: 1, name: 'Document not found' }), address).toBeVisible();
    await expect(editorOf(page)).toHaveCount(0);
  }
  await page.getByRole('link', { name: 'Go to your documents' }).click();
  await expect(page.getByRole('heading', { name: 'Documents', exact: true })).toBeVisible();
});

test('an unexpected error shows the error page with Try again and a way home, not a blank page', async ({ sharedApp: app, browser }) => {
  const context = await browser.newContext();
  // The home page makes this browser's identity on its first visit: a browser that fails to give
  // it random numbers, once, breaks the page while it is shown.
  await context.addInitScript(() => {
    const original = crypto.getRandomValues.bind(crypto);
    let failed = false;
    crypto.getRandomValues = <T extends ArrayBufferView | null>(array: T): T => {
      if (failed) return original(array as Uint8Array) as unknown as T;
      failed = true;
      throw new Error('no randomness in this browser');
    };
  });
  const page = await context.newPage();
  await page.goto(app.url);
  await expect(page.getByRole('heading', { level: 1, name: 'Something went wrong' })).toBeVisible();
  await expect(page.getByRole('link', { name: 'Go to your documents' })).toBeVisible();
  // The failure has passed: Try again shows the page.
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Documents', exact: true })).toBeVisible();
  await context.close();
});
