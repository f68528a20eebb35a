import type { Page } from '@playwright/test';
import { freshPage, saveStatusOf, selectionSettled, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const toolbarOf = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' });

/** Selects the whole of the last paragraph typed. */
async function selectCurrentBlock(page: Page) {
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await selectionSettled(page);
}

/** What a reader of the document sees of the formatting of the paragraph holding "Styled words". */
function formattingOf(page: Page) {
  return editorOf(page)
    .locator('p', { hasText: 'Styled words' })
    .evaluate((paragraph) => {
      const span = paragraph.querySelector('span[style]:not([class])');
      return {
        indent: paragraph.getAttribute('data-indent'),
        margin: getComputedStyle(paragraph).marginLeft,
        // As the browser shows it: a colour in rgb(), a size in pixels (carets are spans with a class).
        color: span ? getComputedStyle(span).color : null,
        fontSize: span ? getComputedStyle(span).fontSize : null,
        highlight: paragraph.querySelector('mark')?.getAttribute('data-color') ?? null,
      };
    });
}

test('text colour, highlight colour, font size and indent apply from the toolbar and the keyboard, reach another browser, survive a reload and clear', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser);
  const url = await createDocument(alice, app);
  const body = editorOf(alice);
  await typeInBody(alice, 'Styled words');
  await selectCurrentBlock(alice);
  const toolbar = toolbarOf(alice);

  // Text colour from the palette with the mouse.
  await toolbar.getByRole('button', { name: 'Text colour' }).click();
  const textPalette = alice.getByRole('menu', { name: 'Text colour' });
  await expect(textPalette.getByRole('group', { name: 'Text colour' }).getByRole('menuitemradio')).toHaveCount(40);
  await textPalette.getByRole('menuitemradio', { name: 'Dark red berry' }).click();
  await expect(body.locator('span[style]:not([class])')).toHaveCSS('color', 'rgb(133, 32, 12)');

  // Highlight colour with the keyboard only: open, down into the grid, across and down, Enter.
  await toolbar.getByRole('button', { name: 'Highlight colour' }).focus();
  await alice.keyboard.press('ArrowDown');
  const highlightPalette = alice.getByRole('menu', { name: 'Highlight colour' });
  await expect(highlightPalette.getByRole('menuitemradio', { name: 'No highlight' })).toBeFocused();
  await alice.keyboard.press('ArrowDown');
  await expect(highlightPalette.getByRole('menuitemradio', { name: 'Black' })).toBeFocused();
  await alice.keyboard.press('ArrowRight');
  await alice.keyboard.press('ArrowRight');
  await alice.keyboard.press('ArrowRight');
  await alice.keyboard.press('ArrowDown');
  await alice.keyboard.press('ArrowDown');
  await expect(highlightPalette.getByRole('menuitemradio', { name: 'Light yellow' })).toBeFocused();
  await alice.keyboard.press('Enter');
  await expect(body.locator('mark')).toHaveAttribute('data-color', '#fff2cc');
  await toolbar.getByRole('button', { name: 'Highlight colour' }).click();
  await expect(highlightPalette.getByRole('menuitemradio', { name: 'Light yellow' })).toHaveAttribute('aria-checked', 'true');
  await alice.keyboard.press('Escape');

  // Font size from the list; the button says the size.
  await toolbar.getByRole('button', { name: /^Font size/ }).click();
  await alice.getByRole('menuitemcheckbox', { name: '18 pt' }).click();
  await expect(body.locator('span[style]:not([class])')).toHaveCSS('font-size', '24px');
  await expect(toolbar.getByRole('button', { name: 'Font size: 18 pt' })).toBeVisible();

  // Indent: twice from the toolbar, then back one and forward one with Ctrl+[ and Ctrl+].
  await toolbar.getByRole('button', { name: 'Increase indent' }).click();
  await toolbar.getByRole('button', { name: 'Increase indent' }).click();
  await expect(body.locator('p').first()).toHaveAttribute('data-indent', '2');
  await alice.keyboard.press('ControlOrMeta+BracketLeft');
  await expect(body.locator('p').first()).toHaveAttribute('data-indent', '1');
  await alice.keyboard.press('ControlOrMeta+BracketRight');
  await alice.keyboard.press('ControlOrMeta+BracketRight');
  await expect(body.locator('p').first()).toHaveAttribute('data-indent', '3');
  await expect(saveStatusOf(alice)).toHaveText('Saved');
  const applied = { indent: '3', margin: '144px', color: 'rgb(133, 32, 12)', fontSize: '24px', highlight: '#fff2cc' };
  expect(await formattingOf(alice)).toEqual(applied);

  // Another browser sees all of it, and so does Alice after a reload.
  const bob = await freshPage(browser);
  await bob.goto(url);
  await expect(editorOf(bob).locator('mark')).toHaveAttribute('data-color', '#fff2cc');
  expect(await formattingOf(bob)).toEqual(applied);
  await alice.reload();
  await expect(editorOf(alice).locator('mark')).toHaveAttribute('data-color', '#fff2cc');
  expect(await formattingOf(alice)).toEqual(applied);

  // Clear formatting (Ctrl+\) takes colour, highlight, size and indent away, for Bob too.
  await editorOf(alice).click();
  await alice.keyboard.press('ControlOrMeta+End');
  await selectCurrentBlock(alice);
  await alice.keyboard.press('ControlOrMeta+Backslash');
  const cleared = { indent: null, margin: '0px', color: null, fontSize: null, highlight: null };
  await expect.poll(() => formattingOf(alice)).toEqual(cleared);
  await expect.poll(() => formattingOf(bob)).toEqual(cleared);
  await expect(editorOf(bob)).toContainText('Styled words');

  // The shortcut list names the new shortcuts.
  await alice.keyboard.press('ControlOrMeta+Slash');
  const shortcuts = alice.getByRole('dialog', { name: 'Keyboard shortcuts' });
  for (const action of ['Clear formatting', 'Increase indent', 'Decrease indent']) await expect(shortcuts).toContainText(action);
  await expect(shortcuts).toContainText(/Increase indent\s*Ctrl\+]/);
});

test('dark scheme: coloured text is shown with its lightness inverted and highlighted text is dark on its highlight, so both stay readable', async ({
  sharedApp: app,
  browser,
}) => {
  const page = await freshPage(browser, { colorScheme: 'dark' });
  await createDocument(page, app);
  await typeInBody(page, 'Black words');
  await selectCurrentBlock(page);
  const toolbar = toolbarOf(page);
  await toolbar.getByRole('button', { name: 'Text colour' }).click();
  await page.getByRole('menu', { name: 'Text colour' }).getByRole('menuitemradio', { name: 'Black', exact: true }).click();
  const span = editorOf(page).locator('span[style]:not([class])');
  await expect(span).toHaveCSS('color', 'rgb(0, 0, 0)');
  await expect(span).toHaveCSS('filter', 'invert(1) hue-rotate(180deg)');
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  // Clear formatting at the caret: the new text is not black.
  await page.keyboard.press('ControlOrMeta+Backslash');
  await page.keyboard.type('Marked words');
  await expect(editorOf(page).locator('p', { hasText: 'Marked words' }).locator('span[style]:not([class])')).toHaveCount(0);
  await selectCurrentBlock(page);
  await toolbar.getByRole('button', { name: 'Highlight colour' }).click();
  await page.getByRole('menu', { name: 'Highlight colour' }).getByRole('menuitemradio', { name: 'Yellow', exact: true }).click();
  const mark = editorOf(page).locator('mark');
  await expect(mark).toHaveCSS('background-color', 'rgb(255, 255, 0)');
  await expect(mark).toHaveCSS('color', 'rgb(28, 32, 36)');
});
