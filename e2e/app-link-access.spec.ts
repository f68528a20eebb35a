import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { bodyTextOf, createTitledDocument, freshPage, linkParts, localCopyWritten, peopleOf, saveStatusOf, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/**
 * Who may keep using a document once its link changes, and who is who: resetting a link from the
 * Share dialog, or turning it off, ends access through the old one at once (the people on it are
 * told, and keep a copy of what they had), while the person who reset it goes on; the Activity
 * dialog shows who did what; people who chose the same name are told apart.
 */

/** Downloads the copy a closed page offers and returns its text. */
async function downloadedCopy(page: Page): Promise<string> {
  const download = page.waitForEvent('download');
  await page.getByRole('alert').getByRole('button', { name: 'Download a copy' }).click();
  return readFile(await (await download).path(), 'utf8');
}

test('resetting the edit link: people on the old link see it was reset and keep a copy; the person who reset it keeps editing', async ({
  sharedApp: app,
  browser,
}) => {
  // Three browser contexts through a reset and a reload: past 60 s on two busy cores.
  test.setTimeout(120_000);
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Reset me');
  await typeInBody(alice, 'Alice wrote this.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  // Bob and Carol both have the edit link; Carol is offline with a change not yet saved.
  const bob = await freshPage(browser, { acceptDownloads: true });
  await bob.goto(url);
  await typeInBody(bob, ' Bob added this.');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  const carol = await freshPage(browser, { acceptDownloads: true });
  await carol.goto(url);
  await expect.poll(() => bodyTextOf(carol)).toBe('Alice wrote this. Bob added this.');
  await carol.context().setOffline(true);
  await expect(saveStatusOf(carol)).toHaveText(/^Offline/);
  await typeInBody(carol, ' Carol, not saved.');

  // Alice resets the edit link from the Share dialog; focus starts on the first link.
  const share = alice.getByRole('button', { name: 'Share' });
  await share.click();
  const dialog = alice.getByRole('dialog', { name: 'Share' });
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toBeFocused();
  await expect(dialog.getByRole('textbox', { name: 'Edit link' })).toHaveValue(url);
  const viewLink = await dialog.getByRole('textbox', { name: 'View-only link' }).inputValue();
  await dialog.getByRole('button', { name: 'Reset edit link' }).click();
  const confirm = alice.getByRole('dialog', { name: 'Reset the edit link?' });
  await expect(confirm).toContainText('Everyone using the old link loses access');
  await expect(confirm).toContainText('You keep editing');
  await confirm.getByRole('button', { name: 'Reset link' }).click();
  await expect(confirm).toHaveCount(0);
  await expect(dialog.getByRole('status')).toContainText('The edit link was reset');
  const newUrl = await dialog.getByRole('textbox', { name: 'Edit link' }).inputValue();
  expect(linkParts(newUrl).name).toBe(linkParts(url).name);
  expect(linkParts(newUrl).key).not.toBe(linkParts(url).key);
  // The view link is untouched and still shown.
  await expect(dialog.getByRole('textbox', { name: 'View-only link' })).toHaveValue(viewLink);
  // The page moved to the new link; Escape closes the dialog and gives focus back to Share.
  await expect(alice).toHaveURL(newUrl);
  await alice.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(share).toBeFocused();

  // Bob, on the old link, is told at once; he can no longer edit, and keeps a copy of what he had.
  await expect(bob.getByRole('alert').filter({ hasText: 'This link was reset' })).toBeVisible();
  await expect(saveStatusOf(bob)).toHaveText('Link no longer works');
  await expect(editorOf(bob)).not.toBeEditable();
  await expect(bob.getByRole('button', { name: 'Share' })).toHaveCount(0);
  expect(await downloadedCopy(bob)).toContain('Alice wrote this. Bob added this.');

  // Alice goes on editing, and saving.
  await typeInBody(alice, ' Still Alice.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect(alice.getByRole('alert').filter({ hasText: 'This link' })).toHaveCount(0);
  await expect(editorOf(alice)).toBeEditable();

  // Carol comes back: her page learns the link was reset, and her unsaved words are in her copy only.
  await carol.context().setOffline(false);
  await expect(carol.getByRole('alert').filter({ hasText: 'This link was reset' })).toBeVisible();
  await expect(editorOf(carol)).not.toBeEditable();
  expect(await downloadedCopy(carol)).toContain('Carol, not saved.');
  await alice.reload();
  await expect.poll(() => bodyTextOf(alice)).toBe('Alice wrote this. Bob added this. Still Alice.');

  // The old link, opened afresh, says it was reset; the new one opens the document.
  const dave = await freshPage(browser);
  await dave.goto(url);
  await expect(dave.getByRole('heading', { name: 'This link was reset, so it no longer opens the document.' })).toBeVisible();
  await dave.goto(newUrl);
  await expect.poll(() => bodyTextOf(dave)).toBe('Alice wrote this. Bob added this. Still Alice.');
  for (const page of [alice, bob, carol, dave]) await page.context().close();
});

test('a view link may not reset links by default; the edit link can give the view link an expiry', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  await createTitledDocument(alice, app, 'Expiring view');
  await alice.getByRole('button', { name: 'Share' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Share' });
  const viewLink = await dialog.getByRole('textbox', { name: 'View-only link' }).inputValue();
  // The edit, comment and view-only links.
  await expect(dialog.getByText('Does not expire.')).toHaveCount(3);

  const viewer = await freshPage(browser);
  await viewer.goto(viewLink);
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await viewer.getByRole('button', { name: 'Share' }).click();
  const viewerDialog = viewer.getByRole('dialog', { name: 'Share' });
  await expect(viewerDialog.getByRole('textbox', { name: 'View-only link' })).toHaveValue(viewLink);
  await expect(viewerDialog.getByRole('button', { name: /Reset/ })).toHaveCount(0);
  await viewer.keyboard.press('Escape');

  await dialog.getByRole('button', { name: 'Reset view-only link' }).click();
  const confirm = alice.getByRole('dialog', { name: 'Reset the view-only link?' });
  await confirm.getByRole('combobox', { name: 'Link expires' }).selectOption('In 7 days');
  await confirm.getByRole('button', { name: 'Reset link' }).click();
  await expect(dialog.getByText(/Expires on /)).toBeVisible();
  const newView = await dialog.getByRole('textbox', { name: 'View-only link' }).inputValue();
  expect(newView).not.toBe(viewLink);
  // The viewer on the old view link is told.
  await expect(viewer.getByRole('alert').filter({ hasText: 'This link was reset' })).toBeVisible();
  await viewer.goto(newView);
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await alice.context().close();
  await viewer.context().close();
});

test('turning the view link off from the Share dialog: the viewer is told and keeps a copy, the link opens nothing, and Activity shows who did what', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser);
  await createTitledDocument(alice, app, 'Switched off');
  await typeInBody(alice, 'Only for a while.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await alice.getByRole('button', { name: 'Share' }).click();
  const dialog = alice.getByRole('dialog', { name: 'Share' });
  const viewLink = await dialog.getByRole('textbox', { name: 'View-only link' }).inputValue();
  // This page's own link cannot be turned off from it.
  await expect(dialog.getByRole('button', { name: 'Turn off edit link' })).toHaveCount(0);

  const viewer = await freshPage(browser, { acceptDownloads: true });
  await viewer.goto(viewLink);
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await expect.poll(() => bodyTextOf(viewer)).toBe('Only for a while.');

  await dialog.getByRole('button', { name: 'Turn off view-only link' }).click();
  const confirm = alice.getByRole('dialog', { name: 'Turn off the view-only link?' });
  await expect(confirm).toContainText('Everyone using the view-only link loses access');
  await confirm.getByRole('button', { name: 'Turn off link' }).click();
  await expect(dialog.getByRole('status')).toContainText('The view-only link was turned off');
  await expect(dialog.getByRole('textbox', { name: 'View-only link' })).toHaveCount(0);
  // Focus moves to the button that turns it on again.
  await expect(dialog.getByRole('button', { name: 'Turn on view-only link' })).toBeFocused();

  // The viewer is told at once why, and keeps a copy of what the page showed.
  await expect(viewer.getByRole('alert').filter({ hasText: 'This link was turned off' })).toBeVisible();
  expect(await downloadedCopy(viewer)).toContain('Only for a while.');
  // Opened afresh, the link says it was turned off.
  const late = await freshPage(browser);
  await late.goto(viewLink);
  await expect(late.getByRole('heading', { name: 'This link was turned off, so it no longer opens the document.' })).toBeVisible();

  // Activity, newest first: the link turned off, the viewer's and Alice's openings.
  await alice.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await alice.getByRole('button', { name: 'Document menu' }).click();
  await alice.getByRole('menuitem', { name: 'Activity…' }).click();
  const items = alice.getByRole('list', { name: 'Activity' }).getByRole('listitem');
  await expect(items).toHaveCount(3);
  await expect(items.nth(0)).toContainText('turned off the view link with the edit link');
  await expect(items.nth(1)).toContainText('opened the document with the view link');
  await expect(items.nth(2)).toContainText('opened the document with the edit link');
  // The viewer's page offers no Activity (a view link does not manage links).
  await viewer.getByRole('button', { name: 'Document menu' }).click();
  await expect(viewer.getByRole('menuitem', { name: 'Activity…' })).toHaveCount(0);
  for (const page of [alice, viewer, late]) await page.context().close();
});

test('two people who chose the same name are two people in presence and in history', async ({ sharedApp: app, browser }) => {
  const first = await freshPage(browser);
  const url = await createTitledDocument(first, app, 'Two Sams');
  await setName(first, 'Sam');
  const second = await freshPage(browser);
  await second.goto(url);
  await setName(second, 'Sam');

  // Each sees "Sam (you)" and the other Sam with the tag of their id.
  await expect(peopleOf(first)).toHaveAttribute('aria-label', /^2 people here: Sam \(you\), Sam #[0-9a-z]{4}$/);
  await expect(peopleOf(second)).toHaveAttribute('aria-label', /^2 people here: Sam \(you\), Sam #[0-9a-z]{4}$/);
  const tagOf = async (page: Page) => ((await peopleOf(page).getAttribute('aria-label')) ?? '').split(' ').pop();
  const [secondAsSeenByFirst, firstAsSeenBySecond] = [await tagOf(first), await tagOf(second)];
  expect(secondAsSeenByFirst).not.toBe(firstAsSeenBySecond);

  await typeInBody(first, 'From the first Sam.');
  await expect(saveStatusOf(first)).toHaveText('Saved');
  await typeInBody(second, ' From the second Sam.');
  await expect(saveStatusOf(second)).toHaveText('Saved');
  await first.getByRole('button', { name: 'Version history' }).click();
  const history = first.getByRole('dialog', { name: 'Version history' });
  await history.getByRole('button', { name: 'Name current version' }).click();
  await first.getByRole('textbox', { name: 'Version name' }).fill('Both Sams');
  await first.getByRole('button', { name: 'Save' }).click();
  const version = history.getByRole('list', { name: 'Versions' }).getByRole('button', { name: /Both Sams/ });
  await expect(version).toContainText('Sam (you)');
  await expect(version).toContainText(`Sam ${secondAsSeenByFirst}`);
  await first.context().close();
  await second.context().close();
});

test('an edit made offline before the edit link was reset stays in this browser, and is saved once the document is opened through its new link', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Reset while offline');
  await typeInBody(alice, 'Alice wrote this.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const { name, key } = linkParts(url);

  const carol = await freshPage(browser);
  await carol.goto(url);
  await expect.poll(() => bodyTextOf(carol)).toBe('Alice wrote this.');
  await carol.context().setOffline(true);
  await expect(saveStatusOf(carol)).toHaveText(/^Offline/);
  await typeInBody(carol, ' Carol, offline.');
  await localCopyWritten(carol, name);

  const reset = await alice.evaluate(
    async ({ name, key }) => {
      const answer = await fetch(`/api/app/documents/${encodeURIComponent(name)}/links/edit/reset`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ key, expiresAt: null, userName: 'Alice' }),
      });
      return { status: answer.status, key: ((await answer.json()) as { key: string }).key };
    },
    { name, key },
  );
  expect(reset.status).toBe(200);
  const newUrl = `${app.url}/d/${encodeURIComponent(name)}#${reset.key}`;

  // Carol's page learns of the reset; her edit is not lost with it: her browser still holds it.
  await carol.context().setOffline(false);
  await expect(carol.getByRole('alert').filter({ hasText: 'This link was reset' })).toBeVisible();
  await expect.poll(() => carol.evaluate(async () => (await indexedDB.databases()).map((database) => database.name))).toContain(`quire-doc:${name}`);
  await carol.close();

  // Given the new link, the same browser opens the document with her edit, and saves it.
  const again = await carol.context().newPage();
  await again.goto(newUrl);
  await expect.poll(() => bodyTextOf(again)).toBe('Alice wrote this. Carol, offline.');
  await expect(saveStatusOf(again)).toHaveText('Saved');
  const dave = await freshPage(browser);
  await dave.goto(newUrl);
  await expect.poll(() => bodyTextOf(dave)).toBe('Alice wrote this. Carol, offline.');
  for (const page of [alice, again, dave]) await page.context().close();
});
