import { createDocument, editorOf, expect, test } from './fixtures';

test('two browsers type into one document and see each other', async ({ app, browser }) => {
  const alice = await (await browser.newContext()).newPage();
  const url = await createDocument(alice, app);
  // A second browser with no shared storage opens the same link: the address is the edit link.
  const bob = await (await browser.newContext()).newPage();
  await bob.goto(url);

  await editorOf(alice).click();
  await alice.keyboard.type('Hello from Alice.');
  await expect(editorOf(bob)).toContainText('Hello from Alice.');

  await editorOf(bob).click();
  await bob.keyboard.press('End');
  await bob.keyboard.type(' And Bob.');
  await expect(editorOf(alice)).toContainText('Hello from Alice. And Bob.');
  await expect(alice.getByRole('status')).toHaveText('Saved');
});

test('content survives a server restart and is never duplicated on reload', async ({ app, page }) => {
  await createDocument(page, app);
  await editorOf(page).click();
  await page.keyboard.type('Persistent paragraph.');
  await expect(page.getByRole('status')).toHaveText('Saved');

  await app.restart();
  await page.reload();
  await expect(editorOf(page)).toHaveText('Persistent paragraph.');
  await page.reload();
  await expect(editorOf(page)).toHaveText('Persistent paragraph.');
  await expect(editorOf(page).locator('p')).toHaveCount(1);
});

test('an unknown document shows a not-found page, not an empty editor', async ({ app, page }) => {
  await page.goto(`${app.url}/d/does-not-exist#not-a-real-secret`);
  await expect(page.getByRole('heading', { name: 'Document not found' })).toBeVisible();
  await expect(editorOf(page)).toHaveCount(0);
});
