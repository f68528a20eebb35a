import { bodyTextOf, createTitledDocument, freshPage, linkParts, recordRequestUrls, saveStatusOf, titleOf, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

test('the share dialog offers an edit link and a view-only link, each copied with one click', async ({ sharedApp: app, browser }) => {
  const context = await browser.newContext();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: app.url });
  const alice = await context.newPage();
  const url = await createTitledDocument(alice, app, 'Shared plan');
  const { name, key } = linkParts(url);

  await alice.getByRole('button', { name: 'Share' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Share' });
  // The editor page's own address is its edit link.
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toHaveValue(url);
  const viewLink = await dialog.getByRole('textbox', { name: 'View-only link' }).inputValue();
  const view = linkParts(viewLink);
  expect(view.name).toBe(name);
  expect(view.key).not.toBe(key);
  // At least 128 bits of secret in each link.
  expect(Buffer.from(key, 'base64url').length).toBeGreaterThanOrEqual(16);
  expect(Buffer.from(view.key, 'base64url').length).toBeGreaterThanOrEqual(16);

  await dialog.getByRole('button', { name: 'Copy edit link' }).click();
  await expect(dialog.getByRole('button', { name: 'Copy edit link' })).toContainText('Copied');
  expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(url);
  await dialog.getByRole('button', { name: 'Copy view-only link' }).click();
  expect(await alice.evaluate(() => navigator.clipboard.readText())).toBe(viewLink);
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
});

test('a view-only link shows the document live but read-only, and the server refuses its writes', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Read me');
  await typeInBody(alice, 'Written by the editor.');
  await alice.getByRole('button', { name: 'Share' }).click();
  const viewLink = await alice.getByRole('textbox', { name: 'View-only link' }).inputValue();
  await alice.getByRole('button', { name: 'Done' }).click();

  const viewer = await freshPage(browser);
  await viewer.goto(viewLink);
  await expect(editorOf(viewer)).toContainText('Written by the editor.');
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await expect(viewer.getByText('You are viewing this document.')).toBeVisible();
  await expect(editorOf(viewer)).not.toBeEditable();
  await expect(titleOf(viewer)).not.toBeEditable();
  await expect(viewer.getByRole('toolbar', { name: 'Formatting' })).toHaveCount(0);
  await viewer.getByRole('button', { name: 'Document menu' }).click();
  await expect(viewer.getByRole('menuitem', { name: 'Delete document…' })).toHaveCount(0);
  await viewer.keyboard.press('Escape');
  // A viewer shares the view link only.
  await viewer.getByRole('button', { name: 'Share' }).click();
  await expect(viewer.getByRole('textbox', { name: 'View-only link' })).toHaveValue(viewLink);
  await expect(viewer.getByRole('textbox', { name: 'Edit link' })).toHaveCount(0);
  await viewer.getByRole('button', { name: 'Done' }).click();

  // Live: the viewer sees the editor's typing.
  await typeInBody(alice, ' More.');
  await expect(editorOf(viewer)).toContainText('Written by the editor. More.');

  // A tampered page that makes its editor writable changes only its own copy: the server refuses.
  await viewer.evaluate(() => {
    const dom = document.querySelector('.tiptap') as HTMLElement & { editor: { setEditable(value: boolean): void } };
    dom.editor.setEditable(true);
  });
  await editorOf(viewer).click();
  await viewer.keyboard.press('ControlOrMeta+End');
  await viewer.keyboard.type(' Forged by the viewer.');
  await expect(editorOf(viewer)).toContainText('Forged by the viewer.');
  await typeInBody(alice, ' Still mine.');
  await expect(editorOf(viewer)).toContainText('Still mine.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect(editorOf(alice)).not.toContainText('Forged');
  await alice.reload();
  await expect.poll(() => bodyTextOf(alice)).toBe('Written by the editor. More. Still mine.');
  await expect(titleOf(alice)).toHaveValue('Read me');
  await expect(alice).toHaveURL(url);
});

test('link secrets travel only in fragments and request bodies, never in a request path or query', async ({ sharedApp: app, browser }) => {
  const context = await browser.newContext();
  const urls = recordRequestUrls(context);
  const alice = await context.newPage();
  const url = await createTitledDocument(alice, app, 'Secret keeping');
  await alice.getByRole('button', { name: 'Share' }).click();
  const viewLink = await alice.getByRole('textbox', { name: 'View-only link' }).inputValue();
  await alice.getByRole('button', { name: 'Done' }).click();
  await alice.goto(app.url);
  await expect(alice.getByRole('list', { name: 'Documents' })).toContainText('Secret keeping');
  await alice.goto(viewLink);
  await expect(saveStatusOf(alice)).toHaveText('View only');

  const secrets = [linkParts(url).key, linkParts(viewLink).key];
  expect(urls.length).toBeGreaterThan(5);
  expect(urls.some((requested) => requested.includes('/collab'))).toBe(true);
  for (const requested of urls) {
    for (const secret of secrets) expect(requested, `a request URL carries a link secret: ${requested}`).not.toContain(secret);
  }
});

test('when the server refuses the connection, the page says so, stops editing, and Retry recovers', async ({ sharedApp: app, browser }) => {
  const other = await freshPage(browser);
  const otherDocument = linkParts(await createTitledDocument(other, app, 'Another document'));
  const context = await browser.newContext();
  const alice = await context.newPage();
  await createTitledDocument(alice, app, 'Mine');
  await typeInBody(alice, 'Before the refusal.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  // From now on the page's token requests come back with a real token for another document,
  // which the collab server refuses for this one.
  let forge = true;
  await context.route('**/api/app/session', async (route) => {
    if (!forge) return route.continue();
    const body = JSON.parse(route.request().postData() ?? '{}') as Record<string, string>;
    const response = await route.fetch({ postData: JSON.stringify({ ...body, name: otherDocument.name, key: otherDocument.key }) });
    await route.fulfill({ response });
  });
  await context.setOffline(true);
  await expect(saveStatusOf(alice)).toHaveText(/^Offline/);
  await context.setOffline(false);
  await expect(saveStatusOf(alice)).toHaveText('Access refused');
  await expect(alice.getByRole('alert').filter({ hasText: 'Access refused.' })).toBeVisible();
  await expect(editorOf(alice)).not.toBeEditable();

  forge = false;
  await alice.getByRole('alert').getByRole('button', { name: 'Retry' }).click();
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect(editorOf(alice)).toBeEditable();
  await typeInBody(alice, ' After.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  // Nothing of Alice's reached the other document.
  await expect(editorOf(other)).not.toContainText('Before the refusal.');
});
