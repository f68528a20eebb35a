import type { Page } from '@playwright/test';
import { createTitledDocument, freshPage, saveStatusOf, selectionSettled, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/**
 * Comment threads in the app, with several browsers: commenting (Ctrl+Alt+M, the selection's
 * bubble), replies, @mentions, resolving and reopening; the highlight following the text as
 * someone else types inside and around it, splits its paragraph and deletes it ([AN1]–[AN5]);
 * the comment link; comments written offline.
 */

const WIDE = { viewport: { width: 1400, height: 900 } };

/** The text each highlight shows, in order. */
const highlights = (page: Page) => page.locator('.tiptap .comment-anchor').allTextContents();
const card = (page: Page, text: string | RegExp) => page.getByRole('article').filter({ hasText: text });

async function linkOf(page: Page, label: string): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click();
  const value = await page.getByRole('textbox', { name: label }).inputValue();
  await page.getByRole('button', { name: 'Done' }).click();
  return value;
}

test('[AN1] [AN2] [AN3] [AN5] two people comment, reply, mention, resolve and reopen; the highlight follows the text through typing, a split and a deletion', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser, WIDE);
  const url = await createTitledDocument(alice, app, 'Commented');
  await setName(alice, 'Alice');
  await typeInBody(alice, 'The quick brown fox');
  const bob = await freshPage(browser, WIDE);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(editorOf(bob)).toContainText('The quick brown fox');

  // Alice selects "brown fox" and comments with the shortcut, mentioning Bob.
  await editorOf(alice).click();
  await alice.keyboard.press('End');
  await alice.keyboard.press('Control+Shift+ArrowLeft');
  await alice.keyboard.press('Control+Shift+ArrowLeft');
  await selectionSettled(alice);
  await alice.keyboard.press('Control+Alt+m');
  const box = alice.getByRole('combobox', { name: 'New comment' });
  await expect(box).toBeFocused();
  await box.pressSequentially('Check this @Bo');
  await alice.getByRole('option', { name: 'Bob' }).click();
  await box.press('Control+Enter');
  await expect.poll(() => highlights(alice)).toEqual(['brown fox']);
  await expect.poll(() => highlights(bob)).toEqual(['brown fox']);
  await expect(card(bob, 'Check this @Bob')).toContainText('Alice');

  // Bob replies; Alice sees it.
  await card(bob, 'Check this @Bob').getByRole('combobox', { name: 'Reply' }).fill('Looks fine');
  await card(bob, 'Check this @Bob').getByRole('button', { name: 'Reply' }).click();
  await expect(card(alice, 'Check this @Bob')).toContainText('Looks fine');
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  // Bob types inside, before and after the range: only what is inside joins it.
  await editorOf(bob).click();
  await bob.keyboard.press('End');
  await bob.keyboard.press('ArrowLeft');
  await bob.keyboard.press('ArrowLeft');
  await bob.keyboard.type('XX');
  await bob.keyboard.press('Home');
  await bob.keyboard.type('So ');
  await bob.keyboard.press('End');
  await bob.keyboard.type('!');
  await expect.poll(() => highlights(alice)).toEqual(['brown fXXox']);

  // Bob splits the paragraph inside the range: the highlight covers both parts.
  for (let i = 0; i < ' fXXox!'.length; i++) await bob.keyboard.press('ArrowLeft');
  await bob.keyboard.press('Enter');
  await expect.poll(async () => (await highlights(alice)).length).toBe(2);
  await expect.poll(async () => (await highlights(alice)).join('')).toBe('brown fXXox');
  await expect.poll(async () => (await highlights(bob)).join('')).toBe('brown fXXox');

  // Resolved: the highlight leaves, the thread stays in the resolved list; reopened: it is back.
  await card(alice, 'Check this @Bob').getByRole('button', { name: 'Resolve' }).click();
  await expect.poll(() => highlights(bob)).toEqual([]);
  await expect(card(bob, 'Check this @Bob')).toHaveCount(0);
  await bob.getByRole('combobox', { name: 'Show comments' }).selectOption('resolved');
  await expect(card(bob, 'Check this @Bob')).toContainText('Resolved by Alice');
  await card(bob, 'Check this @Bob').getByRole('button', { name: 'Reopen' }).click();
  await bob.getByRole('combobox', { name: 'Show comments' }).selectOption('open');
  await expect.poll(async () => (await highlights(alice)).join('')).toBe('brown fXXox');

  // Bob deletes everything: the thread stays, on deleted text, with the quoted original.
  await editorOf(bob).click();
  await bob.keyboard.press('ControlOrMeta+a');
  await bob.keyboard.press('Backspace');
  await expect.poll(() => highlights(alice)).toEqual([]);
  await expect(card(alice, 'Check this @Bob')).toContainText('On deleted text: brown fox');
  await expect(card(alice, 'Check this @Bob')).toContainText('Looks fine');
});

test('[CM9] the comment link comments but cannot type; comments written offline arrive on reconnect', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser, WIDE);
  await createTitledDocument(alice, app, 'Reviewed');
  await typeInBody(alice, 'A sentence to review.');
  const commentLink = await linkOf(alice, 'Comment link');

  const carolContext = await browser.newContext(WIDE);
  const carol = await carolContext.newPage();
  await carol.goto(commentLink);
  await expect(editorOf(carol)).toContainText('A sentence to review.');
  await expect(carol.getByText('You can comment on this document.')).toBeVisible();
  await expect(editorOf(carol)).not.toBeEditable();
  await expect(carol.getByRole('toolbar', { name: 'Formatting' })).toHaveCount(0);

  // Select the sentence and comment from the selection's bubble.
  await editorOf(carol).locator('p').first().click({ clickCount: 3 });
  await carol.getByRole('button', { name: 'Comment on the selection' }).click();
  await carol.getByRole('combobox', { name: 'New comment' }).fill('Needs a verb');
  await carol.getByRole('button', { name: 'Comment', exact: true }).click();
  await expect(card(alice, 'Needs a verb')).toBeVisible();
  await expect.poll(() => highlights(alice)).toEqual(['A sentence to review.']);
  await expect(saveStatusOf(carol)).toHaveText('Saved');

  // Offline: the reply is kept on the device and sent on reconnect.
  await carolContext.setOffline(true);
  await expect(saveStatusOf(carol)).toContainText('Offline');
  await card(carol, 'Needs a verb').getByRole('combobox', { name: 'Reply' }).fill('Written offline');
  await card(carol, 'Needs a verb').getByRole('button', { name: 'Reply' }).click();
  await expect(card(carol, 'Needs a verb')).toContainText('Written offline');
  await expect(card(alice, 'Needs a verb')).not.toContainText('Written offline');
  await carolContext.setOffline(false);
  await expect(card(alice, 'Needs a verb')).toContainText('Written offline', { timeout: 20_000 });
  await expect(saveStatusOf(carol)).toHaveText('Saved', { timeout: 20_000 });
  await carolContext.close();
});

test('[AN1] on a narrow screen the threads are a list over the page: opened by a highlight or the header button, filtered by open, resolved and all', async ({
  sharedApp: app,
  browser,
}) => {
  const page = await freshPage(browser, { viewport: { width: 800, height: 900 } });
  await createTitledDocument(page, app, 'Narrow');
  await typeInBody(page, 'First point. Second point.');
  const panel = page.getByRole('complementary', { name: 'Comments' });
  await expect(panel).toBeHidden();

  // Comment on "Second point." with the shortcut: the list opens over the page with the new comment.
  await editorOf(page).click();
  await page.keyboard.press('End');
  for (let i = 0; i < 'Second point.'.length; i++) await page.keyboard.press('Shift+ArrowLeft');
  await selectionSettled(page);
  await page.keyboard.press('Control+Alt+m');
  await expect(panel).toBeVisible();
  await page.getByRole('combobox', { name: 'New comment' }).fill('Needs an example');
  await page.getByRole('combobox', { name: 'New comment' }).press('Control+Enter');
  await expect(card(page, 'Needs an example')).toBeVisible();
  await expect.poll(() => highlights(page)).toEqual(['Second point.']);

  // Closed, the page is free; clicking the highlight opens the list on its thread.
  await page.getByRole('button', { name: 'Close comments' }).click();
  await expect(panel).toBeHidden();
  await page.locator('.tiptap .comment-anchor').click();
  await expect(panel).toBeVisible();
  await expect(card(page, 'Needs an example')).toHaveClass(/thread-card-active/);

  // Resolved, it leaves the open list and is under Resolved and All; the header button toggles the list.
  await card(page, 'Needs an example').getByRole('button', { name: 'Resolve' }).click();
  await expect(card(page, 'Needs an example')).toHaveCount(0);
  await expect(panel).toContainText('No comments yet.');
  await page.getByRole('combobox', { name: 'Show comments' }).selectOption('resolved');
  await expect(card(page, 'Needs an example')).toContainText('Resolved by');
  await page.getByRole('combobox', { name: 'Show comments' }).selectOption('all');
  await expect(card(page, 'Needs an example')).toBeVisible();
  await page.getByRole('button', { name: 'Comments', exact: true }).click();
  await expect(panel).toBeHidden();
  await page.getByRole('button', { name: 'Comments', exact: true }).click();
  await expect(panel).toBeVisible();
});

test('[AN1] beside the page, each thread sits level with its text, also far down the page', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser, WIDE);
  await createTitledDocument(page, app, 'Aligned');
  await typeInBody(page, 'Top line.');
  for (let i = 0; i < 12; i++) await page.keyboard.press('Enter');
  await page.keyboard.type('Low line.');
  await page.keyboard.press('Shift+Home');
  await selectionSettled(page);
  await page.keyboard.press('Control+Alt+m');
  await page.getByRole('combobox', { name: 'New comment' }).fill('Far down');
  await page.getByRole('combobox', { name: 'New comment' }).press('Control+Enter');
  await expect.poll(() => highlights(page)).toEqual(['Low line.']);
  const offset = async () => {
    const [text, thread] = await Promise.all([page.locator('.tiptap .comment-anchor').boundingBox(), card(page, 'Far down').boundingBox()]);
    return text && thread ? Math.abs(thread.y - text.y) : Number.POSITIVE_INFINITY;
  };
  // The text is some 300 px below the page's top; its thread is beside it, not at the top of the panel.
  await expect.poll(offset).toBeLessThan(24);
});
