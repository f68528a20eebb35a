import type { Page } from '@playwright/test';
import { bodyTextOf, createTitledDocument, freshPage, saveStatusOf, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';
import { deletedTexts as deleted, insertedTexts as inserted } from './suggestion-helpers';

/**
 * Suggestions in the app, with two browsers ([SG2]–[SG8] of shared/suggestions/SUGGESTIONS.md):
 * one suggests (an editor in Suggesting mode, or the comment link), the other sees the suggested
 * text and its card, and accepts or rejects it.
 */

const WIDE = { viewport: { width: 1400, height: 900 } };

const suggestionCard = (page: Page, text: string) => page.getByRole('article', { name: /^Suggestion by/ }).filter({ hasText: text });

async function linkOf(page: Page, label: string): Promise<string> {
  await page.getByRole('button', { name: 'Share' }).click();
  const value = await page.getByRole('textbox', { name: label }).inputValue();
  await page.getByRole('button', { name: 'Done' }).click();
  return value;
}

test('[SG2] [SG3] [SG6] [SG8] an editor suggests; another sees the suggestions and their cards, replies, accepts one and rejects the other', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser, WIDE);
  const url = await createTitledDocument(alice, app, 'Suggested');
  await setName(alice, 'Alice');
  await typeInBody(alice, 'The quick fox');
  const bob = await freshPage(browser, WIDE);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(editorOf(bob)).toContainText('The quick fox');

  await bob.getByRole('combobox', { name: 'Mode' }).selectOption('suggesting');
  await typeInBody(bob, ' jumps');
  await expect.poll(() => inserted(alice)).toEqual([' jumps']);
  // Both pages settled (the card shown, everything saved) before Bob selects with the keyboard.
  await expect(suggestionCard(alice, 'jumps')).toContainText('Bob');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  // Bob deletes "quick " (before " fox jumps"): it stays, struck through.
  await bob.keyboard.press('Home');
  for (let i = 0; i < 4; i++) await bob.keyboard.press('ArrowRight');
  for (let i = 0; i < 6; i++) await bob.keyboard.press('Shift+ArrowRight');
  await bob.keyboard.press('Backspace');
  await expect.poll(() => deleted(alice)).toEqual(['quick ']);
  await expect.poll(() => bodyTextOf(alice)).toBe('The quick fox jumps');
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  await expect(suggestionCard(alice, 'jumps')).toContainText('Bob');
  await expect(suggestionCard(alice, 'quick')).toContainText('Delete');
  // A reply is a comment on the suggested text; it stays when the suggestion is resolved.
  await suggestionCard(alice, 'jumps').getByRole('button', { name: 'Reply' }).click();
  await alice.getByRole('combobox', { name: 'New comment' }).fill('Why jump?');
  await alice.getByRole('combobox', { name: 'New comment' }).press('Control+Enter');
  await expect(bob.getByRole('article', { name: 'Comment thread on “ jumps”' })).toContainText('Why jump?');
  await suggestionCard(alice, 'jumps').getByRole('button', { name: 'Accept' }).click();
  await suggestionCard(alice, 'quick').getByRole('button', { name: 'Reject' }).click();
  for (const page of [alice, bob]) {
    await expect.poll(() => inserted(page)).toEqual([]);
    await expect.poll(() => deleted(page)).toEqual([]);
    await expect.poll(() => bodyTextOf(page)).toBe('The quick fox jumps');
    await expect(page.getByRole('article', { name: /^Suggestion by/ })).toHaveCount(0);
    await expect(page.getByRole('article', { name: 'Comment thread on “ jumps”' })).toContainText('Why jump?');
  }

  // Accepting a deletion removes the text.
  await editorOf(bob).click();
  await bob.keyboard.press('End');
  await bob.keyboard.press('Backspace');
  await expect.poll(() => deleted(alice)).toEqual(['s']);
  await bob.keyboard.press('Backspace');
  await expect.poll(() => deleted(alice)).toEqual(['ps']);
  await suggestionCard(alice, 'ps').getByRole('button', { name: 'Accept' }).click();
  await expect.poll(() => bodyTextOf(bob)).toBe('The quick fox jum');
});

test('[SG6] [SG8] an editor accepts all suggestions, or rejects all, at once, for everyone', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser, WIDE);
  const url = await createTitledDocument(alice, app, 'Suggested in bulk');
  await typeInBody(alice, 'One two three');
  const bob = await freshPage(browser, WIDE);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(editorOf(bob)).toContainText('One two three');
  await bob.getByRole('combobox', { name: 'Mode' }).selectOption('suggesting');
  const suggest = async (word: string) => {
    await typeInBody(bob, word);
    await bob.keyboard.press('Home');
    for (let i = 0; i < 4; i++) await bob.keyboard.press('Shift+ArrowRight');
    await bob.keyboard.press('Delete');
    await expect.poll(() => inserted(alice)).toEqual([word]);
    await expect.poll(() => deleted(alice)).toEqual(['One ']);
    await expect(alice.getByRole('article', { name: /^Suggestion by/ })).toHaveCount(2);
  };

  await suggest(' four');
  await alice.getByRole('button', { name: 'Reject all' }).click();
  for (const page of [alice, bob]) {
    await expect.poll(() => inserted(page)).toEqual([]);
    await expect.poll(() => deleted(page)).toEqual([]);
    await expect.poll(() => bodyTextOf(page)).toBe('One two three');
    await expect(page.getByRole('article', { name: /^Suggestion by/ })).toHaveCount(0);
    await expect(page.getByRole('button', { name: 'Accept all' })).toHaveCount(0);
  }

  await suggest(' five');
  await alice.getByRole('button', { name: 'Accept all' }).click();
  for (const page of [alice, bob]) {
    await expect.poll(() => inserted(page)).toEqual([]);
    await expect.poll(() => deleted(page)).toEqual([]);
    await expect.poll(() => bodyTextOf(page)).toBe('two three five');
    await expect(page.getByRole('article', { name: /^Suggestion by/ })).toHaveCount(0);
  }
  await expect(saveStatusOf(alice)).toHaveText('Saved');
});

test('[SG7] the comment link suggests, online and offline; an editor accepts', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser, WIDE);
  await createTitledDocument(alice, app, 'Reviewed by a commenter');
  await typeInBody(alice, 'A sentence to review.');
  const commentLink = await linkOf(alice, 'Comment link');

  const carol = await freshPage(browser, WIDE);
  await carol.goto(commentLink);
  await setName(carol, 'Carol');
  await expect(editorOf(carol)).toContainText('A sentence to review.');
  await expect(editorOf(carol)).not.toBeEditable();
  await carol.getByRole('combobox', { name: 'Mode' }).selectOption('suggesting');
  await expect(editorOf(carol)).toBeEditable();
  await typeInBody(carol, ' Indeed.');
  await expect.poll(() => inserted(alice)).toEqual([' Indeed.']);
  await expect(saveStatusOf(carol)).toHaveText('Saved');
  // Carol may reject her own suggestion but not accept it.
  await expect(suggestionCard(carol, 'Indeed')).toContainText('Carol');
  await expect(suggestionCard(carol, 'Indeed').getByRole('button', { name: 'Accept' })).toHaveCount(0);
  await expect(suggestionCard(carol, 'Indeed').getByRole('button', { name: 'Reject' })).toBeVisible();
  await expect(carol.getByRole('button', { name: 'Accept all' })).toHaveCount(0);
  await expect(carol.getByRole('button', { name: 'Reject all' })).toHaveCount(0);

  await suggestionCard(alice, 'Indeed').getByRole('button', { name: 'Accept' }).click();
  await expect.poll(() => inserted(carol)).toEqual([]);
  await expect.poll(() => bodyTextOf(carol)).toBe('A sentence to review. Indeed.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  // Suggested offline: kept on the device, merged on reconnect.
  await carol.context().setOffline(true);
  await expect(saveStatusOf(carol)).toContainText('Offline');
  await typeInBody(carol, ' Offline.');
  await expect.poll(() => inserted(carol)).toEqual([' Offline.']);
  await expect.poll(() => inserted(alice)).toEqual([]);
  await carol.context().setOffline(false);
  await expect.poll(() => inserted(alice), { timeout: 20_000 }).toEqual([' Offline.']);
  await expect(saveStatusOf(carol)).toHaveText('Saved', { timeout: 20_000 });
});
