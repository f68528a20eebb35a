import type { Page } from '@playwright/test';
import { createTitledDocument, freshPage, linkParts, peopleOf, saveStatusOf, setName, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

/**
 * Who is who in a document: default names that nobody present shares, one gentle request for a
 * name on the first edit, and viewers told apart from editors in the avatars (the role comes from
 * the server, which sets it in presence from each token).
 */

const DEFAULT_NAME = /^Anonymous [A-Z][a-z]+( \d+)?$/;

/** The name this page shows for its own person (from the "You: …" avatar). */
async function ownName(page: Page): Promise<string> {
  const label = (await page.getByRole('button', { name: /^You: / }).getAttribute('aria-label')) ?? '';
  return label.replace(/^You: /, '').replace(/\. Change your name.*$/, '');
}

/** A page in a new browser context whose stored identity starts as `name`, a default (as an earlier visit would leave it). */
async function pageWithDefaultName(browser: Parameters<typeof freshPage>[0], name: string): Promise<Page> {
  const page = await freshPage(browser);
  await page.addInitScript((stored) => {
    if (!localStorage.getItem('quire.identity')) localStorage.setItem('quire.identity', JSON.stringify({ name: stored, named: false }));
  }, name);
  return page;
}

const namePrompt = (page: Page) => page.getByRole('complementary', { name: 'Your name' });

test('two windows get different default names, even when both start with the same one', async ({ sharedApp: app, browser }) => {
  const first = await pageWithDefaultName(browser, 'Anonymous Otter');
  const url = await createTitledDocument(first, app, 'Defaults');
  const second = await pageWithDefaultName(browser, 'Anonymous Otter');
  await second.goto(url);
  await expect(peopleOf(first)).toHaveAttribute('aria-label', /^2 people here: /);
  // One of the two takes another default name, and each window sees the other under it.
  await expect.poll(async () => (await ownName(first)) !== (await ownName(second))).toBe(true);
  const [firstName, secondName] = [await ownName(first), await ownName(second)];
  expect(firstName).toMatch(DEFAULT_NAME);
  expect(secondName).toMatch(DEFAULT_NAME);
  await expect(peopleOf(first)).toHaveAttribute('aria-label', `2 people here: ${firstName} (you), ${secondName}`);
  await expect(peopleOf(second)).toHaveAttribute('aria-label', `2 people here: ${secondName} (you), ${firstName}`);

  // A third window with a fresh default name also gets one nobody present has.
  const third = await freshPage(browser);
  await third.goto(url);
  await expect(peopleOf(third)).toHaveAttribute('aria-label', /^3 people here: /);
  await expect.poll(async () => new Set([await ownName(first), await ownName(second), await ownName(third)]).size).toBe(3);
  expect(await ownName(third)).toMatch(DEFAULT_NAME);
  for (const page of [first, second, third]) await page.context().close();
});

test('the first edit asks for a name once, without taking the keyboard; answered by keyboard, it is not asked again', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser);
  await createDocument(page, app);
  await expect(saveStatusOf(page)).toHaveText('Saved');
  const defaultName = await ownName(page);
  expect(defaultName).toMatch(DEFAULT_NAME);
  // Not on opening: nothing is asked before an edit, and no modal ever opens by itself.
  await expect(namePrompt(page)).toHaveCount(0);

  // The first edit in the body shows it; typing goes on in the document.
  await typeInBody(page, 'Typing on and on.');
  await expect(namePrompt(page)).toBeVisible();
  await expect(namePrompt(page)).toContainText(`You are editing as ${defaultName}`);
  await expect(editorOf(page)).toBeFocused();
  await expect(editorOf(page)).toHaveText('Typing on and on.');
  await expect(page.getByRole('dialog')).toHaveCount(0);

  // By keyboard: the dialog focuses its field, Enter saves.
  await namePrompt(page).getByRole('button', { name: 'Add your name' }).focus();
  await page.keyboard.press('Enter');
  const dialog = page.getByRole('dialog', { name: 'What is your name?' });
  await expect(dialog).toBeVisible();
  const field = dialog.getByRole('textbox');
  await expect(field).toBeFocused();
  await expect(field).toHaveAttribute('placeholder', defaultName);
  await page.keyboard.type('Zoe');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^You: Zoe\. / })).toBeVisible();
  await expect(namePrompt(page)).toHaveCount(0);
  // Focus is back in the text, at the caret: typing goes on where it stopped.
  await expect(editorOf(page)).toBeFocused();
  await page.keyboard.type(' On.');
  await expect(editorOf(page)).toHaveText('Typing on and on. On.');
  await typeInBody(page, ' More.');
  await page.reload();
  await typeInBody(page, ' After a reload.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await expect(namePrompt(page)).toHaveCount(0);
  await page.context().close();
});

test('the request for a name can be dismissed with Escape, and is not asked again, also in another document', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser);
  await createDocument(page, app);
  await typeInBody(page, ' Other.');
  await expect(namePrompt(page)).toBeVisible();
  await namePrompt(page).getByRole('button', { name: 'Not now' }).focus();
  await page.keyboard.press('Escape');
  await expect(namePrompt(page)).toHaveCount(0);
  await expect(editorOf(page)).toBeFocused();
  await typeInBody(page, ' Still page.');
  await page.reload();
  await typeInBody(page, ' After a reload.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await expect(namePrompt(page)).toHaveCount(0);
  expect(await ownName(page)).toMatch(DEFAULT_NAME);
  // Nor in another document of this browser.
  await createDocument(page, app);
  await typeInBody(page, 'Elsewhere.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await expect(namePrompt(page)).toHaveCount(0);
  await page.context().close();
});

test('Escape in the name dialog opened from the request declines it too', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser);
  await createDocument(page, app);
  await typeInBody(page, ' Third.');
  await namePrompt(page).getByRole('button', { name: 'Add your name' }).click();
  await expect(page.getByRole('dialog', { name: 'What is your name?' }).getByRole('textbox')).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('dialog')).toHaveCount(0);
  await expect(namePrompt(page)).toHaveCount(0);
  await expect(editorOf(page)).toBeFocused();
  await typeInBody(page, ' Again.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await expect(namePrompt(page)).toHaveCount(0);
  expect(await ownName(page)).toMatch(DEFAULT_NAME);
  await page.context().close();
});

test('a view link reads as a viewer in the avatars; people with the same name stay distinguishable', async ({ sharedApp: app, browser }) => {
  const editor = await freshPage(browser);
  const url = await createTitledDocument(editor, app, 'Read and write');
  await setName(editor, 'Sam');
  const { name, key } = linkParts(url);
  const shown = await editor.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/links`, { data: { key } });
  const view = ((await shown.json()) as { links: Array<{ kind: string; secret: string }> }).links.find((link) => link.kind === 'view')?.secret as string;

  const viewer = await freshPage(browser);
  await viewer.goto(`${app.url}/d/${encodeURIComponent(name)}#${view}`);
  await expect(saveStatusOf(viewer)).toHaveText('View only');
  await setName(viewer, 'Sam');

  // In the editor's window: the other Sam, with the tag of their id, can view (badge, tooltip, accessible name).
  const seenByEditor = peopleOf(editor).getByRole('img', { name: /^Sam #[0-9a-z]{4}, can view$/ });
  await expect(seenByEditor).toBeVisible();
  await expect(seenByEditor).toHaveAttribute('title', /^Sam · #[0-9a-z]{4} · can view$/);
  await expect(seenByEditor.locator('.avatar-badge')).toBeVisible();
  await expect(peopleOf(editor).getByRole('button', { name: 'You: Sam. Change your name. You can edit' })).toBeVisible();
  await expect(
    peopleOf(editor)
      .getByRole('button', { name: /^You: / })
      .locator('.avatar-badge'),
  ).toHaveCount(0);
  // In the viewer's window: the editor Sam can edit; the viewer is a viewer.
  const seenByViewer = peopleOf(viewer).getByRole('img', { name: /^Sam #[0-9a-z]{4}, can edit$/ });
  await expect(seenByViewer).toBeVisible();
  await expect(seenByViewer.locator('.avatar-badge')).toHaveCount(0);
  await expect(peopleOf(viewer).getByRole('button', { name: 'You: Sam. Change your name. You can view' })).toBeVisible();
  // Each tag names the other person, so the two are never mistaken for each other.
  const tag = async (page: Page, role: string) =>
    /#[0-9a-z]{4}/.exec(
      (await peopleOf(page)
        .getByRole('img', { name: new RegExp(role) })
        .getAttribute('aria-label')) ?? '',
    )?.[0];
  expect(await tag(editor, 'can view')).not.toBe(await tag(viewer, 'can edit'));

  // Viewers never edit, so they are never asked for a name.
  await expect(namePrompt(viewer)).toHaveCount(0);
  await editor.context().close();
  await viewer.context().close();
});
