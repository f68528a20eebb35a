import type { Page } from '@playwright/test';
import { bodyTextOf, chooseFromDocumentMenu, freshPage, saveStatusOf } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const findPanel = (page: Page) => page.getByRole('dialog', { name: 'Find and replace' });
const findBox = (page: Page) => findPanel(page).getByRole('searchbox', { name: 'Find in document' });
const countOf = (page: Page) => findPanel(page).locator('.find-count');

/** Puts `html` into the document through the editor, as one change of this person's. */
async function setBody(page: Page, html: string): Promise<void> {
  await page.evaluate((content) => {
    const editor = (document.querySelector('.tiptap') as HTMLElement & { editor: { commands: { setContent(value: string): void } } }).editor;
    editor.commands.setContent(content);
  }, html);
}

const TEXT = 'A boldface cat. The Cat and the catalog.cat again, CAT!';

test('find and replace: across formatted text, match case, whole words, and replace all is one undo step, for everyone', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser);
  const url = await createDocument(alice, app);
  await setBody(alice, '<p>A <strong>bold</strong>face cat. The Cat and the catalog.</p><p>cat again, CAT!</p>');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect.poll(() => bodyTextOf(bob)).toBe(TEXT);

  // Ctrl+F in the text opens the app's find (the browser's own would not see the highlights).
  await editorOf(alice).click();
  await alice.keyboard.press('ControlOrMeta+f');
  await expect(findBox(alice)).toBeFocused();

  // A match that runs from bold into plain text.
  await alice.keyboard.type('boldface');
  // Every key reached the field at once, none fell into the text.
  await expect(findBox(alice)).toHaveValue('boldface');
  await expect.poll(() => bodyTextOf(alice)).toBe(TEXT);
  await expect(countOf(alice)).toHaveText('1 of 1');
  const highlighted = editorOf(alice).locator('.find-match');
  await expect.poll(async () => (await highlighted.allTextContents()).join('')).toBe('boldface');
  expect(await editorOf(alice).locator('strong .find-match, .find-match strong').count()).toBeGreaterThan(0);
  // Highlights are not changes: nobody else sees them, and the text is as it was.
  await expect(editorOf(bob).locator('.find-match')).toHaveCount(0);

  await findBox(alice).fill('cat');
  await expect(countOf(alice)).toHaveText(/of 5$/);
  await findPanel(alice).getByRole('checkbox', { name: 'Match case' }).check();
  await expect(countOf(alice)).toHaveText(/of 3$/);
  await findPanel(alice).getByRole('checkbox', { name: 'Whole words' }).check();
  await expect(countOf(alice)).toHaveText(/of 2$/);
  await findPanel(alice).getByRole('checkbox', { name: 'Match case' }).uncheck();
  await expect(countOf(alice)).toHaveText(/of 4$/);
  // Enter and Shift+Enter step through the matches; the current one is marked.
  await findBox(alice).focus();
  const first = await countOf(alice).textContent();
  await alice.keyboard.press('Enter');
  await expect(countOf(alice)).not.toHaveText(first ?? '');
  await alice.keyboard.press('Shift+Enter');
  await expect(countOf(alice)).toHaveText(first ?? '');
  await expect(editorOf(alice).locator('.find-match-current')).toHaveCount(1);

  // Replace all (Ctrl+H shows the replace field): whole words only, so "catalog" stays.
  await alice.keyboard.press('ControlOrMeta+h');
  const replaceBox = findPanel(alice).getByRole('textbox', { name: 'Replace with' });
  await expect(replaceBox).toBeFocused();
  await alice.keyboard.type('dog');
  await findPanel(alice).getByRole('button', { name: 'Replace all' }).click();
  const replaced = 'A boldface dog. The dog and the catalog.dog again, dog!';
  await expect.poll(() => bodyTextOf(alice)).toBe(replaced);
  await expect.poll(() => bodyTextOf(bob)).toBe(replaced);
  await expect(countOf(alice)).toHaveText('No matches');
  await expect(findPanel(alice).getByRole('status')).toHaveText(/Replaced 4 matches/);

  // Bob writes meanwhile; Alice's one undo takes back every replacement and nothing of Bob's.
  await editorOf(bob).click();
  await bob.keyboard.press('ControlOrMeta+End');
  await bob.keyboard.type(' Bob was here.');
  await expect.poll(() => bodyTextOf(alice)).toBe(`${replaced} Bob was here.`);
  await alice.keyboard.press('Escape');
  await expect(findPanel(alice)).toHaveCount(0);
  await expect(editorOf(alice)).toBeFocused();
  await alice.keyboard.press('ControlOrMeta+z');
  await expect.poll(() => bodyTextOf(alice)).toBe(`${TEXT} Bob was here.`);
  await expect.poll(() => bodyTextOf(bob)).toBe(`${TEXT} Bob was here.`);
  await expect(saveStatusOf(alice)).toHaveText('Saved');
});

test('replace steps through matches one at a time; a viewer can find but not replace', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  await createDocument(alice, app);
  await setBody(alice, '<p>one fish, two fish, red fish</p>');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await chooseFromDocumentMenu(alice, 'Find and replace…');
  await expect(findBox(alice)).toBeFocused();
  await alice.keyboard.type('fish');
  await expect(countOf(alice)).toHaveText(/of 3$/);
  await findPanel(alice).getByRole('textbox', { name: 'Replace with' }).fill('cod');
  await findPanel(alice).getByRole('button', { name: 'Replace', exact: true }).click();
  await expect(countOf(alice)).toHaveText(/of 2$/);
  expect((await bodyTextOf(alice)).match(/cod/g)).toHaveLength(1);
  await findPanel(alice).getByRole('button', { name: 'Replace', exact: true }).click();
  await findPanel(alice).getByRole('button', { name: 'Replace', exact: true }).click();
  await expect.poll(() => bodyTextOf(alice)).toBe('one cod, two cod, red cod');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  await alice.getByRole('button', { name: 'Share' }).click();
  const viewLink = await alice.getByRole('textbox', { name: 'View-only link' }).inputValue();
  const viewer = await freshPage(browser);
  await viewer.goto(viewLink);
  await expect(editorOf(viewer)).toContainText('one cod');
  await viewer.keyboard.press('ControlOrMeta+f');
  await expect(findBox(viewer)).toBeFocused();
  await viewer.keyboard.type('cod');
  await expect(countOf(viewer)).toHaveText('1 of 3');
  await expect(editorOf(viewer).locator('.find-match')).toHaveCount(3);
  await expect(findPanel(viewer).getByRole('textbox', { name: 'Replace with' })).toHaveCount(0);
  await expect(findPanel(viewer).getByRole('button', { name: /Replace/ })).toHaveCount(0);
  await viewer.keyboard.press('ControlOrMeta+h');
  await expect(findPanel(viewer).getByRole('textbox', { name: 'Replace with' })).toHaveCount(0);
});
