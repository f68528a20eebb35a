import type { Page } from '@playwright/test';
import { chooseFromDocumentMenu, freshPage, saveStatusOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const outlineOf = (page: Page) => page.getByRole('navigation', { name: 'Outline' });

test('the outline lists the headings, follows edits made in another window, and takes the caret to a heading', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser, { viewport: { width: 1366, height: 800 } });
  const url = await createDocument(alice, app);
  // Wide enough: the outline is open from the start, beside the page.
  await expect(outlineOf(alice)).toBeVisible();
  await expect(outlineOf(alice)).toContainText('Headings you add to the document appear here.');
  const page = await editorOf(alice).boundingBox();
  const panel = await outlineOf(alice).boundingBox();
  expect(panel && page && panel.x + panel.width <= page.x).toBe(true);

  const bob = await freshPage(browser);
  await bob.goto(url);
  await editorOf(bob).click();
  await bob.keyboard.type('# Introduction\nSome text.\n## Details\n');
  // A long stretch of text, so that reaching the last heading means scrolling.
  await bob.evaluate(() => {
    const editor = (document.querySelector('.tiptap') as HTMLElement & { editor: { commands: { insertContent(value: string): void } } }).editor;
    editor.commands.insertContent(Array.from({ length: 60 }, (_, line) => `<p>Filler line ${line}.</p>`).join(''));
  });
  await bob.keyboard.press('Enter');
  await bob.keyboard.type('### Deep part\nMore.\n#### Too deep\n');
  const items = outlineOf(alice).getByRole('list').getByRole('button');
  await expect(items).toHaveText(['Introduction', 'Details', 'Deep part']);
  await expect(outlineOf(alice).locator('.outline-level-3')).toHaveText('Deep part');

  // Bob renames a heading and turns another into text: Alice's outline follows.
  await editorOf(bob).locator('h2').click();
  await bob.keyboard.press('End');
  await bob.keyboard.type(' and more');
  await bob.keyboard.press('ControlOrMeta+Alt+0');
  await expect(items).toHaveText(['Introduction', 'Deep part']);
  await bob.keyboard.press('ControlOrMeta+Alt+2');
  await expect(items).toHaveText(['Introduction', 'Details and more', 'Deep part']);

  // Choosing a heading scrolls to it and puts the caret at its start: typing lands there.
  await items.filter({ hasText: 'Deep part' }).click();
  await expect(editorOf(alice).locator('h3')).toBeInViewport();
  await expect(editorOf(alice)).toBeFocused();
  await alice.keyboard.type('The ');
  await expect(editorOf(alice).locator('h3')).toHaveText('The Deep part');
  await expect
    .poll(() =>
      editorOf(bob)
        .locator('h3')
        .evaluate((heading) => {
          const copy = heading.cloneNode(true) as HTMLElement;
          for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
          return copy.textContent;
        }),
    )
    .toBe('The Deep part');
  await expect(items).toHaveText(['Introduction', 'Details and more', 'The Deep part']);

  // It can be hidden, from itself or the document menu, and stays hidden on this browser.
  await outlineOf(alice).getByRole('button', { name: 'Hide outline' }).click();
  await expect(outlineOf(alice)).toHaveCount(0);
  await alice.reload();
  await expect(editorOf(alice)).toBeEditable();
  await expect(outlineOf(alice)).toHaveCount(0);
  await alice.getByRole('button', { name: 'Document menu' }).click();
  await expect(alice.getByRole('menuitemcheckbox', { name: 'Outline' })).toHaveAttribute('aria-checked', 'false');
  await alice.getByRole('menuitemcheckbox', { name: 'Outline' }).click();
  await expect(outlineOf(alice)).toBeVisible();
});

test('on a phone the outline starts hidden and opens from the document menu', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser, { viewport: { width: 376, height: 740 }, isMobile: true, hasTouch: true });
  await createDocument(page, app);
  await editorOf(page).click();
  await page.keyboard.type('# Only heading\n');
  await expect(outlineOf(page)).toHaveCount(0);
  await page.getByRole('button', { name: 'Document menu' }).click();
  await page.getByRole('menuitemcheckbox', { name: 'Outline' }).click();
  await expect(outlineOf(page).getByRole('button', { name: 'Only heading' })).toBeVisible();
  // Over the page there, it gets out of the way once a heading is chosen.
  await outlineOf(page).getByRole('button', { name: 'Only heading' }).click();
  await expect(outlineOf(page)).toHaveCount(0);
});

test('the / menu inserts blocks from the keyboard: filter, arrows, Enter, Escape', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  await body.click();
  await page.keyboard.type('/');
  const list = page.getByRole('listbox', { name: 'Insert a block' });
  await expect(list).toBeVisible();
  await expect(list.getByRole('option')).toHaveCount(12);
  await expect(list.getByRole('option', { selected: true })).toHaveText('Text');
  await expect(body).toHaveAttribute('aria-expanded', 'true');
  await expect(body).toHaveAttribute('aria-activedescendant', /slash-menu-option-0/);

  // Filter, move with the arrows, choose with Enter: "/head", down twice → Heading 3.
  await page.keyboard.type('head');
  await expect(list.getByRole('option')).toHaveText(['Heading 1', 'Heading 2', 'Heading 3']);
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await expect(list.getByRole('option', { selected: true })).toHaveText('Heading 3');
  await page.keyboard.press('Enter');
  await expect(list).toHaveCount(0);
  await expect(body).not.toHaveAttribute('aria-expanded', 'true');
  await page.keyboard.type('A third-level heading');
  await expect(body.locator('h3')).toHaveText('A third-level heading');
  await expect(body).not.toContainText('/head');

  // Words people use: "/todo" is the checklist.
  await page.keyboard.press('Enter');
  await page.keyboard.type('/todo');
  await expect(list.getByRole('option')).toHaveText(['Checklist']);
  await page.keyboard.press('Enter');
  await page.keyboard.type('Buy milk');
  await expect(body.locator('ul[data-type="taskList"] li > div')).toHaveText('Buy milk');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');

  // Escape closes the menu and keeps what was typed; "/" inside a word or in code is just a character.
  await page.keyboard.type('/quote');
  await expect(list).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(list).toHaveCount(0);
  await page.keyboard.type(' and/or');
  await expect(list).toHaveCount(0);
  await expect(body.locator('p').last()).toHaveText('/quote and/or');
  await page.keyboard.press('Enter');
  await page.keyboard.type('``` ');
  await page.keyboard.type('/usr/bin');
  await expect(list).toHaveCount(0);
  await expect(body.locator('pre')).toHaveText('/usr/bin');
  for (let press = 0; press < 3; press++) await page.keyboard.press('Enter');

  // ArrowUp wraps to the last item, ArrowDown back to the first; then a filter and Enter.
  await page.keyboard.type('/');
  await page.keyboard.press('ArrowUp');
  await expect(list.getByRole('option', { selected: true })).toHaveText('Image');
  await page.keyboard.press('ArrowDown');
  await expect(list.getByRole('option', { selected: true })).toHaveText('Text');
  await page.keyboard.type('tab');
  await expect(list.getByRole('option')).toHaveText(['Table']);
  await page.keyboard.press('Enter');
  await expect(body.locator('table')).toHaveCount(1);
  await expect(body.locator('th')).toHaveCount(3);
  await expect(saveStatusOf(page)).toHaveText('Saved');
});

test('the keyboard shortcut list opens with Ctrl+/ and from the menu, filters, and names Ctrl or ⌘ as the platform has it', async ({
  sharedApp: app,
  page,
}) => {
  await createDocument(page, app);
  await typeInBody(page, 'Text');
  await page.keyboard.press('ControlOrMeta+/');
  const dialog = page.getByRole('dialog', { name: 'Keyboard shortcuts' });
  await page.keyboard.type('bold');
  // The keys typed at once went to the search field, not into the text.
  await expect(dialog.getByRole('searchbox', { name: 'Search shortcuts' })).toHaveValue('bold');
  await expect(editorOf(page)).toHaveText('Text');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.press('Backspace');
  await expect(dialog).toBeVisible();
  const isApple = await page.evaluate(() => /Mac|iPhone|iPad/.test(navigator.platform));
  const mod = isApple ? '⌘' : 'Ctrl+';
  await expect(dialog.getByRole('region', { name: 'Text' })).toContainText(`Bold${mod}B`);
  await expect(dialog).toContainText(`Find${mod}F`);
  await expect(dialog).toContainText(`Keyboard shortcuts${mod}/`);
  await page.keyboard.type('alt+1');
  await expect(dialog.locator('dt')).toHaveText(['Heading 1, 2, 3']);
  await page.keyboard.type('zzz');
  await expect(dialog).toContainText('No shortcut matches');
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(editorOf(page)).toBeFocused();
  await chooseFromDocumentMenu(page, 'Keyboard shortcuts');
  await expect(dialog).toBeVisible();
  await dialog.getByRole('button', { name: 'Done' }).click();
  await expect(dialog).toHaveCount(0);
});
