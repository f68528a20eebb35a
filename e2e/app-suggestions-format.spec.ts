import type { Page } from '@playwright/test';
import { bodyTextOf, createTitledDocument, freshPage, saveStatusOf, selectionSettled, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';
import { formattedTexts } from './suggestion-helpers';

/**
 * Formatting while suggesting ([SG12] of shared/suggestions/SUGGESTIONS.md), with two browsers:
 * an editor in Suggesting mode bolds one word and colours another; the other browser sees both
 * as format suggestions with their cards, rejects one (the word is exactly as before) and accepts
 * the other (its formatting stays, for everyone, after a reload too).
 */

const WIDE = { viewport: { width: 1400, height: 900 } };
const DARK_RED_BERRY = '#85200c';

const suggestionCard = (page: Page, text: string) => page.getByRole('article', { name: /^Suggestion by/ }).filter({ hasText: text });

/** How the paragraph shows each word: its text with the tags around it (bold, colour, suggestion), carets left out. */
function wordsOf(page: Page) {
  return editorOf(page)
    .locator('p')
    .first()
    .evaluate((paragraph) => {
      const copy = paragraph.cloneNode(true) as HTMLElement;
      for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
      const describe = (node: Node): string => {
        if (node.nodeType === Node.TEXT_NODE) return node.textContent ?? '';
        const element = node as HTMLElement;
        const inner = [...element.childNodes].map(describe).join('');
        if (element.tagName === 'STRONG') return `<b>${inner}</b>`;
        if (element.classList.contains('suggestion-format')) return `<suggested>${inner}</suggested>`;
        if (element.style.color) return `<color ${element.style.color}>${inner}</color>`;
        return inner;
      };
      return [...copy.childNodes].map(describe).join('');
    });
}

test('[SG12] an editor suggests bold and a text colour; another sees both with cards, rejects one exactly and accepts the other for everyone', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser, WIDE);
  const url = await createTitledDocument(alice, app, 'Formats');
  await setName(alice, 'Alice');
  await typeInBody(alice, 'one two three');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const bob = await freshPage(browser, WIDE);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect(editorOf(bob)).toContainText('one two three');

  await bob.getByRole('combobox', { name: 'Mode' }).selectOption('suggesting');
  await editorOf(bob).click();
  // "one" bold, from the keyboard.
  await bob.keyboard.press('Home');
  for (let i = 0; i < 3; i++) await bob.keyboard.press('Shift+ArrowRight');
  await selectionSettled(bob);
  await bob.keyboard.press('ControlOrMeta+B');
  // "three" in a colour, from the toolbar's palette.
  await bob.keyboard.press('End');
  for (let i = 0; i < 5; i++) await bob.keyboard.press('Shift+ArrowLeft');
  await selectionSettled(bob);
  await bob.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Text colour' }).click();
  await bob.getByRole('menu', { name: 'Text colour' }).getByRole('menuitemradio', { name: 'Dark red berry' }).click();
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  // Alice sees the new formatting, marked as suggested, and a card for each.
  await expect.poll(() => formattedTexts(alice)).toEqual(['one', 'three']);
  await expect.poll(() => wordsOf(alice)).toBe('<b><suggested>one</suggested></b> two <color rgb(133, 32, 12)><suggested>three</suggested></color>');
  await expect(suggestionCard(alice, 'Bold')).toContainText('Bob');
  await expect(suggestionCard(alice, `Text colour: ${DARK_RED_BERRY}`)).toContainText('“three”');

  await suggestionCard(alice, `Text colour: ${DARK_RED_BERRY}`).getByRole('button', { name: 'Reject' }).click();
  await suggestionCard(alice, 'Bold').getByRole('button', { name: 'Accept' }).click();
  for (const page of [alice, bob]) {
    await expect.poll(() => formattedTexts(page)).toEqual([]);
    await expect.poll(() => wordsOf(page)).toBe('<b>one</b> two three');
    await expect(page.getByRole('article', { name: /^Suggestion by/ })).toHaveCount(0);
  }
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  await bob.reload();
  await expect(editorOf(bob)).toContainText('one two three');
  await expect.poll(() => wordsOf(bob)).toBe('<b>one</b> two three');
  expect(await bodyTextOf(bob)).toBe('one two three');
});
