import type { Page } from '@playwright/test';
import { bodyTextOf, createTitledDocument, freshPage, saveStatusOf, setName, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';
import { deletedTexts as deleted, insertedTexts as inserted } from './suggestion-helpers';

/**
 * Suggesting with keys pressed as fast as the browser takes them ([SG2], [SG3], [SG5] of
 * shared/suggestions/SUGGESTIONS.md), while someone else edits another paragraph of the same
 * document: every key counts, exactly once, and the other person's edits stay theirs.
 */

const WIDE = { viewport: { width: 1400, height: 900 } };
const SENTENCE = 'The quick brown fox jumps over the lazy dog';

const paragraphs = (page: Page) =>
  editorOf(page)
    .locator('p')
    .evaluateAll((elements) =>
      elements.map((element) => {
        const copy = element.cloneNode(true) as HTMLElement;
        for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
        return copy.textContent ?? '';
      }),
    );

async function press(page: Page, key: string, times: number): Promise<void> {
  for (let i = 0; i < times; i++) await page.keyboard.press(key);
}

test('[SG2] [SG3] [SG5] keys pressed quickly while suggesting all count, while another person types elsewhere', async ({ sharedApp: app, browser }) => {
  // Two browsers typing key by key: slow on a busy machine (this is not a measure of speed).
  test.setTimeout(120_000);
  const alice = await freshPage(browser, WIDE);
  const url = await createTitledDocument(alice, app, 'Typed quickly');
  await setName(alice, 'Alice');
  await typeInBody(alice, 'Notes:');
  await alice.keyboard.press('Enter');
  await alice.keyboard.type(SENTENCE);
  const bob = await freshPage(browser, WIDE);
  await bob.goto(url);
  await setName(bob, 'Bob');
  await expect.poll(() => paragraphs(bob)).toEqual(['Notes:', SENTENCE]);
  await bob.getByRole('combobox', { name: 'Mode' }).selectOption('suggesting');
  await expect(saveStatusOf(bob)).toHaveText('Saved');

  // Alice keeps typing at the end of the first paragraph while Bob suggests in the second.
  await alice.keyboard.press('ControlOrMeta+Home');
  await alice.keyboard.press('End');
  const aliceTyping = alice.keyboard.type(' one two three four five six seven eight nine ten', { delay: 15 });

  await typeInBody(bob, ' and runs away');
  await press(bob, 'Backspace', 5); // own suggested text goes: " and runs"
  await bob.keyboard.press('Home');
  await press(bob, 'ArrowRight', 4);
  await press(bob, 'Shift+ArrowRight', 6);
  await bob.keyboard.press('Backspace'); // strikes "quick ", the caret after it
  await press(bob, 'ArrowRight', 9);
  await press(bob, 'Backspace', 7); // strikes "own fox", across a word boundary
  await press(bob, 'ArrowRight', 8);
  await press(bob, 'Delete', 10); // strikes "jumps over"
  await bob.keyboard.type('leaps');
  await aliceTyping;

  const notes = 'Notes: one two three four five six seven eight nine ten';
  const result = `The quick brown fox jumps overleaps the lazy dog and runs`;
  for (const page of [alice, bob]) {
    await expect.poll(() => paragraphs(page)).toEqual([notes, result]);
    await expect.poll(() => inserted(page)).toEqual(['leaps', ' and runs']);
    await expect.poll(() => deleted(page)).toEqual(['quick ', 'own fox', 'jumps over']);
  }
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  await expect.poll(() => bodyTextOf(alice)).toBe(notes + result);
});
