import type { Page, TestInfo } from '@playwright/test';
import { createTitledDocument, freshPage, saveStatusOf, typeInBody } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/** A phone: 376 px wide, touch, as a person holds it. */
const PHONE = { viewport: { width: 376, height: 740 }, isMobile: true, hasTouch: true };

const toolbarOf = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' });

/** Keeps a screenshot of the page with the test's results. */
async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  // A file under test-results/ as well as an attachment of the report.
  const path = testInfo.outputPath(name);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

test('phone: the toolbar fits the screen, the rest is one tap away in "More formatting", and it stays one Tab stop', async ({
  sharedApp: app,
  browser,
}, testInfo) => {
  const page = await freshPage(browser, PHONE);
  await createTitledDocument(page, app, 'On the phone');
  await typeInBody(page, 'Phone words');
  const toolbar = toolbarOf(page);
  // Nothing of the toolbar lies outside the screen, and it does not scroll.
  const box = await toolbar.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width).toBe(true);
  expect(await toolbar.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  const shown = toolbar.locator('.toolbar-item:not([data-overflowed]) button:visible');
  for (const button of await shown.all()) {
    const rect = await button.boundingBox();
    expect(rect && rect.x >= 0 && rect.x + rect.width <= PHONE.viewport.width, `${await button.getAttribute('aria-label')} is on screen`).toBe(true);
  }
  const more = toolbar.getByRole('button', { name: 'More formatting' });
  await expect(more).toBeVisible();
  await expect(toolbar.getByRole('button', { name: 'Bold', exact: true })).toBeVisible();
  await expect(toolbar.getByRole('button', { name: 'Table', exact: true })).toBeHidden();
  await keepScreenshot(page, testInfo, 'phone-editor.png');

  // What did not fit works from the menu: a numbered list.
  await more.click();
  await keepScreenshot(page, testInfo, 'phone-more-menu.png');
  await page.getByRole('menuitemcheckbox', { name: 'Numbered list' }).click();
  await expect(editorOf(page).locator('ol li')).toHaveText('Phone words');
  await more.click();
  await expect(page.getByRole('menuitemcheckbox', { name: 'Numbered list' })).toHaveAttribute('aria-checked', 'true');
  await page.keyboard.press('Escape');

  // The keyboard: one Tab stop, arrows along the visible controls, ending at "More formatting".
  await toolbar.getByRole('button', { name: 'Undo', exact: true }).focus();
  await page.keyboard.press('End');
  await expect(more).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menu', { name: 'More formatting' })).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(more).toBeFocused();
  await page.keyboard.press('Tab');
  expect(await toolbar.evaluate((element) => element.contains(document.activeElement))).toBe(false);
  await expect(saveStatusOf(page)).toHaveText('Saved');

  // Wider, everything fits again and "More" goes away.
  await page.setViewportSize({ width: 1280, height: 800 });
  await expect(toolbar.getByRole('button', { name: 'Table', exact: true })).toBeVisible();
  await expect(more).toBeHidden();
});

test('phone: version history shows the list, then the chosen version with its actions, all on screen', async ({ sharedApp: app, browser }, testInfo) => {
  const page = await freshPage(browser, PHONE);
  await createTitledDocument(page, app, 'History on a phone');
  await typeInBody(page, 'First state.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await page.getByRole('button', { name: 'Version history' }).click();
  const history = page.getByRole('dialog', { name: 'Version history' });
  for (const label of ['One', 'Two']) {
    await history.getByRole('button', { name: 'Name current version' }).click();
    await page.getByRole('textbox', { name: 'Version name' }).fill(label);
    await page.keyboard.press('Enter');
    await expect(history.getByRole('list', { name: 'Versions' })).toContainText(label);
  }
  const list = history.getByRole('list', { name: 'Versions' });
  await expect(list).toBeInViewport();
  expect((await list.boundingBox())?.width).toBeGreaterThan(340);
  await keepScreenshot(page, testInfo, 'phone-history-list.png');

  await list.getByRole('button', { name: /One/ }).click();
  await expect(history.getByRole('document')).toContainText('First state.');
  await expect(list).toBeHidden();
  for (const name of ['Restore this version', 'All versions', 'Back to the document']) {
    const button = history.getByRole('button', { name });
    await expect(button, name).toBeInViewport({ ratio: 1 });
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth)).toBe(true);
  await keepScreenshot(page, testInfo, 'phone-history-version.png');
  await history.getByRole('button', { name: 'All versions' }).click();
  await expect(list).toBeInViewport();
});

test('phone: the two share links can be told apart where the screen cuts them', async ({ sharedApp: app, browser }, testInfo) => {
  const page = await freshPage(browser, PHONE);
  await createTitledDocument(page, app, 'Share on a phone');
  await page.getByRole('button', { name: 'Share' }).click();
  const dialog = page.getByRole('dialog', { name: 'Share' });
  const edit = dialog.getByRole('textbox', { name: 'Edit link' });
  const view = dialog.getByRole('textbox', { name: 'View-only link' });
  await expect(view).toBeVisible();
  // Focus (and its selection of the whole link) on neither field.
  await dialog.getByRole('button', { name: 'Done' }).focus();
  // The links are longer than their fields here.
  expect(await edit.evaluate((input: HTMLInputElement) => input.scrollWidth > input.clientWidth)).toBe(true);
  // What shows of each differs (the shown part is where the links differ), pixel for pixel.
  const [editPixels, viewPixels] = [await edit.screenshot(), await view.screenshot()];
  expect(editPixels.equals(viewPixels)).toBe(false);
  await expect(dialog).toBeInViewport({ ratio: 1 });
  await keepScreenshot(page, testInfo, 'phone-share.png');
});

test('phone: text colour, highlight, size, indent and clear formatting are in "More formatting", and the toolbar still fits', async ({
  sharedApp: app,
  browser,
}) => {
  const page = await freshPage(browser, PHONE);
  await createTitledDocument(page, app, 'Colours on a phone');
  await typeInBody(page, 'Coloured on a phone');
  await page.keyboard.press('Shift+Home');
  const toolbar = toolbarOf(page);
  expect(await toolbar.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  const more = toolbar.getByRole('button', { name: 'More formatting' });
  const menu = page.getByRole('menu', { name: 'More formatting' });
  await more.click();
  await menu.getByRole('group', { name: 'Text colour' }).getByRole('menuitemradio', { name: 'Blue', exact: true }).click();
  await expect(editorOf(page).locator('span[style]')).toHaveCSS('color', 'rgb(0, 0, 255)');
  await more.click();
  await menu.getByRole('menuitem', { name: 'Increase indent' }).click();
  await expect(editorOf(page).locator('p').first()).toHaveAttribute('data-indent', '1');
  // The palette fits the screen.
  await more.click();
  const grid = menu.getByRole('group', { name: 'Highlight colour' });
  await grid.scrollIntoViewIfNeeded();
  const box = await grid.boundingBox();
  expect(box && box.x >= 0 && box.x + box.width <= PHONE.viewport.width).toBe(true);
  await menu.getByRole('menuitem', { name: 'Clear formatting' }).click();
  await expect(editorOf(page).locator('span[style]')).toHaveCount(0);
  await expect(editorOf(page).locator('p').first()).not.toHaveAttribute('data-indent');
  expect(await toolbar.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
  await expect(saveStatusOf(page)).toHaveText('Saved');
});
