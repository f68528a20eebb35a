import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { SECRET_FILE } from '../collab-server/authSecret';
import { mintToken } from '../shared/token';
import { createTitledDocument, freshPage, linkParts, saveStatusOf, selectionSettled, titleOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const listOf = (page: import('@playwright/test').Page) => page.getByRole('list', { name: 'Documents' });

test('the home page lists created and opened documents with server titles and times, newest first, searchable', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const bob = await freshPage(browser);
  await createTitledDocument(alice, app, 'Budget review');
  const roadmap = await createTitledDocument(bob, app, 'Roadmap');
  // Alice opens Bob's document: opened documents are listed too.
  await alice.goto(roadmap);
  await expect(editorOf(alice)).toBeVisible();
  await expect(titleOf(alice)).toHaveValue('Roadmap');

  // Bob renames his document while Alice is away: her list shows the server's title, not the one she saw.
  await titleOf(bob).fill('Roadmap 2026');
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  await alice.goto(app.url);
  const rows = listOf(alice).getByRole('listitem');
  await expect(rows).toHaveCount(2);
  // Newest change first: the roadmap was changed last.
  await expect(rows.nth(0)).toContainText('Roadmap 2026');
  await expect(rows.nth(0)).toContainText('Edited just now');
  await expect(rows.nth(1)).toContainText('Budget review');

  await alice.getByRole('searchbox', { name: 'Search documents by title' }).fill('budget');
  await expect(rows).toHaveCount(1);
  await expect(rows.nth(0)).toContainText('Budget review');
  await alice.getByRole('searchbox', { name: 'Search documents by title' }).fill('nothing like this');
  await expect(alice.getByText('No document titles match')).toBeVisible();
  await alice.getByRole('button', { name: 'Clear search' }).click();
  await expect(rows).toHaveCount(2);

  // Opening from the list goes to the document.
  await rows.nth(1).getByRole('link').click();
  await expect(titleOf(alice)).toHaveValue('Budget review');
});

test('renaming from the home page changes the live title in an open editor and its tab', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'First draft');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect(titleOf(bob)).toHaveValue('First draft');
  await expect(bob).toHaveTitle('First draft · Quire');

  await alice.goto(app.url);
  await alice.getByRole('button', { name: 'Actions for First draft' }).click();
  await alice.getByRole('menuitem', { name: 'Rename…' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Rename document' });
  await dialog.getByRole('textbox', { name: 'Title' }).fill('Final version');
  await dialog.getByRole('button', { name: 'Rename' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(listOf(alice)).toContainText('Final version');

  await expect(titleOf(bob)).toHaveValue('Final version');
  await expect(bob).toHaveTitle('Final version · Quire');

  // The rename is Alice's change: history names her (as her typing does), not the server.
  const identity = (await alice.evaluate(() => JSON.parse(localStorage.getItem('quire.identity') ?? 'null'))) as { name: string };
  const { name, key } = linkParts(url);
  const named = await alice.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/history/name`, { data: { key, label: 'Renamed' } });
  expect(named.status()).toBe(200);
  const { version } = (await named.json()) as { version: { authors: Array<{ name: string }> } };
  expect(version.authors.map((author) => author.name)).toEqual([identity.name]);
});

test('a document made through the content API opens in the app from the share links the API gives', async ({ sharedApp: app, browser }) => {
  // The backend's admin token, signed with the secret the server generated in its DATA_DIR.
  const secret = (await readFile(path.join(app.dataDir, SECRET_FILE), 'utf8')).trim();
  const token = await mintToken(secret, { sub: 'backend', name: 'Backend', doc: '*', role: 'admin' });
  const response = await fetch(`${app.url}/api/docs`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ title: 'From the backend', content: 'Written through the API.', links: true }),
  });
  expect(response.status).toBe(201);
  const { links } = (await response.json()) as { links: { edit: string; view: string } };

  const editor = await freshPage(browser);
  await editor.goto(links.edit);
  await expect(titleOf(editor)).toHaveValue('From the backend');
  await expect(editorOf(editor)).toContainText('Written through the API.');
  await typeInBody(editor, ' Edited in the app.');
  await expect(saveStatusOf(editor)).toHaveText('Saved');

  const viewer = await freshPage(browser);
  await viewer.goto(links.view);
  await expect(editorOf(viewer)).toContainText('Written through the API. Edited in the app.');
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await expect(editorOf(viewer)).not.toBeEditable();
});

test('deleting asks first, closes the document for others with a clear message, and its link then finds nothing', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Doomed');
  await typeInBody(alice, 'Text that Bob keeps a copy of.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect(editorOf(bob)).toContainText('Text that Bob keeps a copy of.');

  await alice.getByRole('button', { name: 'Document menu' }).click();
  await alice.getByRole('menuitem', { name: 'Delete document…' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Delete document?' });
  await expect(dialog).toContainText('“Doomed” will be deleted for everyone');
  // Cancelling keeps it.
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await expect(dialog).toHaveCount(0);
  await expect(editorOf(bob)).toBeEditable();

  await alice.getByRole('button', { name: 'Document menu' }).click();
  await alice.getByRole('menuitem', { name: 'Delete document…' }).click();
  await alice.getByRole('dialog', { name: 'Delete document?' }).getByRole('button', { name: 'Delete' }).click();
  // Alice lands on her list, which no longer has it.
  await alice.waitForURL(`${app.url}/`);
  await expect(alice.getByText('“Doomed” was deleted.')).toBeVisible();
  await expect(alice.getByText('No documents yet')).toBeVisible();

  // Bob is told, cannot edit any more, and can still take a copy of what he had.
  await expect(bob.getByRole('alert').filter({ hasText: 'This document was deleted.' })).toBeVisible();
  await expect(saveStatusOf(bob)).toHaveText('Document deleted');
  await expect(editorOf(bob)).not.toBeEditable();
  const download = bob.waitForEvent('download');
  await bob.getByRole('button', { name: 'Download a copy' }).click();
  expect((await download).suggestedFilename()).toBe('Doomed.md');

  // The link now gives the not-found page, never an empty editor.
  await bob.goto(app.url);
  await bob.goto(url);
  await expect(bob.getByRole('heading', { name: 'Document not found' })).toBeVisible();
  await expect(editorOf(bob)).toHaveCount(0);
});

test('a document deleted elsewhere shows as unavailable in the list, and can be removed from it', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Shared notes');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect(titleOf(bob)).toHaveValue('Shared notes');
  await bob.goto(app.url);
  await expect(listOf(bob)).toContainText('Shared notes');

  const { name, key } = linkParts(url);
  const response = await alice.request.delete(`${app.url}/api/app/documents/${name}`, { data: { key } });
  expect(response.status()).toBe(200);

  await bob.reload();
  const row = listOf(bob).getByRole('listitem').filter({ hasText: 'Shared notes' });
  await expect(row).toContainText('Unavailable: deleted, or the link no longer works');
  await expect(row.getByRole('link')).toHaveCount(0);
  await bob.getByRole('button', { name: 'Actions for Shared notes' }).click();
  await bob.getByRole('menuitem', { name: 'Remove from this list' }).click();
  await expect(bob.getByText('No documents yet')).toBeVisible();
});

test('a new document opens with an empty title, a placeholder, and counts that follow typing', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  await expect(titleOf(page)).toHaveValue('');
  await expect(titleOf(page)).toHaveAttribute('placeholder', 'Untitled document');
  await expect(page).toHaveTitle('Untitled document · Quire');
  await expect(editorOf(page).locator('p.is-editor-empty')).toHaveAttribute('data-placeholder', 'Start writing…');
  await expect(page.getByText('0 words · 0 characters')).toBeVisible();
  await typeInBody(page, 'Three short words');
  await expect(page.getByText('3 words · 17 characters')).toBeVisible();
  await page.keyboard.press('Shift+Home');
  await selectionSettled(page);
  await expect(page.getByText('3 words, 17 characters selected')).toBeVisible();
});
