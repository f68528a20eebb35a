import type { Page } from '@playwright/test';
import { freshPage, saveStatusOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

/**
 * Undo after "Restore this version" ([U3] in shared/SCHEMA-RULES.md): a restore re-creates what
 * people deleted, so undoing their deletion afterwards used to bring the text back twice. Two
 * people in two browsers edit, one deletes a sentence, a version from before is restored from the
 * History panel, then each presses undo and redo many times: the document stays exactly the
 * restored version; what they write afterwards is undone as usual.
 */

const historyOf = (page: Page) => page.getByRole('dialog', { name: 'Version history' });

/** The paragraphs of the editor's document, as text. */
const paragraphsOf = (page: Page): Promise<string[]> =>
  editorOf(page).evaluate((element) => {
    const { doc } = (element as HTMLElement & { editor: { state: { doc: { childCount: number; child(i: number): { textContent: string } } } } }).editor.state;
    return Array.from({ length: doc.childCount }, (_, index) => doc.child(index).textContent);
  });

/** Selects `text` in the body (by the editor's own positions) and deletes it with the keyboard. */
async function deleteSentence(page: Page, text: string): Promise<void> {
  await editorOf(page).evaluate((element, wanted) => {
    const { editor } = element as HTMLElement & {
      editor: {
        state: { doc: { descendants(visit: (node: { isText: boolean; text?: string }, position: number) => boolean | undefined): void } };
        commands: { setTextSelection(range: { from: number; to: number }): boolean; focus(): boolean };
      };
    };
    let range: { from: number; to: number } | null = null;
    editor.state.doc.descendants((node, position) => {
      const at = range || !node.isText ? -1 : (node.text ?? '').indexOf(wanted);
      if (at >= 0) range = { from: position + at, to: position + at + wanted.length };
      return !range;
    });
    if (!range) throw new Error(`"${wanted}" is not in the document`);
    editor.commands.focus();
    editor.commands.setTextSelection(range);
  }, text);
  await page.keyboard.press('Backspace');
}

/** Presses `key` `times` times in the body, checking after each press that the document is `expected`. */
async function pressAndCheck(page: Page, key: string, times: number, expected: string[]): Promise<void> {
  for (let i = 0; i < times; i++) {
    await page.keyboard.press(key);
    // Undo and redo act synchronously; a duplicate would show at once (and reach the other window).
    expect(await paragraphsOf(page), `after ${key} #${i + 1}`).toEqual(expected);
  }
}

/** Presses `key` until the toolbar's `button` is disabled (at most 30 times). */
async function pressUntilDisabled(page: Page, key: string, button: 'Undo' | 'Redo'): Promise<void> {
  const control = page.getByRole('button', { name: button, exact: true });
  for (let i = 0; i < 30 && (await control.isEnabled()); i++) await page.keyboard.press(key);
  await expect(control).toBeDisabled();
}

test('undo after a restore in both windows: undo and redo never bring back what the restore re-created', async ({ sharedApp: app, page, browser }) => {
  // Two browser contexts through a restore and many undo steps: past 60 s on two busy cores.
  test.setTimeout(120_000);
  const alice = page;
  const url = await createDocument(alice, app);
  await typeInBody(alice, 'First sentence. Second sentence. Third sentence.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const original = ['First sentence. Second sentence. Third sentence.'];

  // The version to come back to.
  await alice.getByRole('button', { name: 'Version history' }).click();
  await historyOf(alice).getByRole('button', { name: 'Name current version' }).click();
  await alice.getByRole('textbox', { name: 'Version name' }).fill('Three sentences');
  await alice.getByRole('button', { name: 'Save' }).click();
  const named = historyOf(alice)
    .getByRole('list', { name: 'Versions' })
    .getByRole('button', { name: /Three sentences/ });
  await expect(named).toBeVisible();
  await historyOf(alice).getByRole('button', { name: 'Back to the document' }).click();

  // Both type; then Bob deletes a sentence.
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect.poll(() => paragraphsOf(bob)).toEqual(original);
  await editorOf(alice).click();
  await alice.keyboard.press('ControlOrMeta+End');
  await alice.keyboard.press('Enter');
  await alice.keyboard.type('Alice adds a line.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  await expect.poll(() => paragraphsOf(bob)).toEqual([...original, 'Alice adds a line.']);
  await typeInBody(bob, ' Bob too.');
  await deleteSentence(bob, 'Second sentence. ');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  const edited = ['First sentence. Third sentence.', 'Alice adds a line. Bob too.'];
  await expect.poll(() => paragraphsOf(alice)).toEqual(edited);

  // Alice restores the version from the History panel.
  await alice.getByRole('button', { name: 'Version history' }).click();
  await named.click();
  await historyOf(alice).getByRole('button', { name: 'Restore this version' }).click();
  await alice.getByRole('dialog', { name: 'Restore this version?' }).getByRole('button', { name: 'Restore' }).click();
  await expect(
    historyOf(alice)
      .getByRole('status')
      .filter({ hasText: /Restored the version/ }),
  ).toBeVisible();
  await historyOf(alice).getByRole('button', { name: 'Back to the document' }).click();
  for (const person of [alice, bob]) await expect.poll(() => paragraphsOf(person)).toEqual(original);

  // Each presses undo, then redo, many times: nothing changes, nothing is duplicated.
  for (const person of [alice, bob]) {
    await editorOf(person).click();
    await pressAndCheck(person, 'ControlOrMeta+z', 5, original);
    await pressAndCheck(person, 'ControlOrMeta+Shift+z', 5, original);
    await pressAndCheck(person, 'ControlOrMeta+y', 2, original);
    await expect(person.getByRole('button', { name: 'Undo', exact: true })).toBeDisabled();
    await expect(person.getByRole('button', { name: 'Redo', exact: true })).toBeDisabled();
  }
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  for (const person of [alice, bob]) expect(await paragraphsOf(person)).toEqual(original);

  // What comes after the restore is undone and redone as usual, and only that.
  await typeInBody(bob, ' After the restore.');
  const after = ['First sentence. Second sentence. Third sentence. After the restore.'];
  await expect.poll(() => paragraphsOf(alice)).toEqual(after);
  // Typing may make more than one undo step: undo until there is nothing left to undo.
  await pressUntilDisabled(bob, 'ControlOrMeta+z', 'Undo');
  expect(await paragraphsOf(bob)).toEqual(original);
  await pressAndCheck(bob, 'ControlOrMeta+z', 3, original);
  await pressUntilDisabled(bob, 'ControlOrMeta+Shift+z', 'Redo');
  expect(await paragraphsOf(bob)).toEqual(after);
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  await expect.poll(() => paragraphsOf(alice)).toEqual(after);
  await pressAndCheck(alice, 'ControlOrMeta+z', 3, after);
  await bob.context().close();
});
