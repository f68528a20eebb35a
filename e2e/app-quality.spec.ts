import type { Page } from '@playwright/test';
import { createTitledDocument, freshPage, saveStatusOf, selectionSettled, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const toolbarOf = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' });
const tool = (page: Page, name: string) => toolbarOf(page).getByRole('button', { name, exact: true });

/** Controls on the page that have no accessible name (by label, text, aria-label or title). */
function unlabelledControls(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const controls = document.querySelectorAll<HTMLElement>('button, a[href], input, [role="menuitem"], [role="textbox"]');
    return Array.from(controls)
      .filter((element) => element.getClientRects().length > 0)
      .filter((element) => {
        const labelled = element.getAttribute('aria-label') || element.getAttribute('aria-labelledby') || element.getAttribute('title');
        const text = element.textContent?.trim();
        const label = element instanceof HTMLInputElement && element.labels && element.labels.length > 0;
        return !labelled && !text && !label;
      })
      .map((element) => element.outerHTML.slice(0, 120));
  });
}

/** True when the page scrolls sideways (something is wider than the window). */
const overflowsSideways = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);

test('from 360 px wide to desktop: nothing overflows sideways, every control is reachable and labelled', async ({ sharedApp: app, browser }) => {
  for (const viewport of [
    { width: 360, height: 740 },
    { width: 1280, height: 800 },
  ]) {
    const page = await freshPage(browser, { viewport });
    await createTitledDocument(page, app, 'A title long enough to need shortening on a small phone screen');
    await typeInBody(page, 'Some text in the body.');
    await expect(saveStatusOf(page)).toHaveText('Saved');
    expect(await overflowsSideways(page), `editor page overflows at ${viewport.width} px`).toBe(false);
    expect(await unlabelledControls(page)).toEqual([]);
    for (const name of ['Share', 'Document menu', 'All documents']) {
      const box = await page.getByRole(name === 'All documents' ? 'link' : 'button', { name }).boundingBox();
      expect(box && box.x >= 0 && box.x + box.width <= viewport.width, `${name} is inside the window at ${viewport.width} px`).toBe(true);
    }
    // The toolbar fits the window: what does not fit on a narrow screen is in its "More" menu.
    const toolbar = page.getByRole('toolbar', { name: 'Formatting' });
    const last = viewport.width < 600 ? toolbar.getByRole('button', { name: 'More formatting' }) : toolbar.getByRole('button', { name: 'Table' });
    await expect(last).toBeInViewport({ ratio: 1 });
    await page.getByRole('button', { name: 'Share' }).click();
    await expect(page.getByRole('dialog', { name: 'Share' })).toBeInViewport({ ratio: 1 });
    await page.keyboard.press('Escape');

    await page.goto(app.url);
    await expect(page.getByRole('list', { name: 'Documents' })).toBeVisible();
    expect(await overflowsSideways(page), `home page overflows at ${viewport.width} px`).toBe(false);
    expect(await unlabelledControls(page)).toEqual([]);
    await page.context().close();
  }
});

test('opening a document does not shift the layout while it loads', async ({ sharedApp: app, browser }) => {
  const alice = await freshPage(browser);
  const url = await createTitledDocument(alice, app, 'Stable layout');
  await typeInBody(alice, 'First paragraph.\nSecond paragraph.\nThird paragraph.');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  const bob = await freshPage(browser);
  await bob.addInitScript(() => {
    const shifts: number[] = [];
    (window as unknown as { layoutShifts: number[] }).layoutShifts = shifts;
    new PerformanceObserver((list) => {
      for (const entry of list.getEntries() as Array<PerformanceEntry & { value: number; hadRecentInput: boolean }>) {
        if (!entry.hadRecentInput) shifts.push(entry.value);
      }
    }).observe({ type: 'layout-shift', buffered: true });
  });
  await bob.goto(url);
  await expect(editorOf(bob)).toContainText('Third paragraph.');
  await expect(saveStatusOf(bob)).toHaveText('Saved');
  const shift = await bob.evaluate(() => (window as unknown as { layoutShifts: number[] }).layoutShifts.reduce((sum, value) => sum + value, 0));
  // Cumulative layout shift: 0.1 is the threshold browsers' own guidance calls "good".
  expect(shift).toBeLessThan(0.1);
});

test('errors are shown as messages a person can act on', async ({ sharedApp: app, page }) => {
  await page.goto(app.url);
  await page.route('**/api/app/documents', (route) =>
    route.fulfill({ status: 503, contentType: 'application/json', body: JSON.stringify({ error: 'the server is shutting down' }) }),
  );
  await page.getByRole('button', { name: 'New document' }).click();
  await expect(page.getByRole('alert').filter({ hasText: 'Could not create a document' })).toContainText('The server is shutting down');
  await expect(page.getByRole('button', { name: 'New document' })).toBeEnabled();
  await page.unroute('**/api/app/documents');

  // The server cannot be reached while opening a link this browser never opened: a message and a way to retry.
  await page.route('**/api/app/session', (route) => route.abort('internetdisconnected'));
  await page.goto(`${app.url}/d/some-document#${'A'.repeat(22)}`);
  await expect(page.getByRole('alert').filter({ hasText: 'You are offline' })).toBeVisible();
  await page.unroute('**/api/app/session');
  await page.getByRole('button', { name: 'Try again' }).click();
  await expect(page.getByRole('heading', { name: 'Document not found' })).toBeVisible();
});

test('the toolbar is one Tab stop; arrow keys move between labelled controls with a visible focus ring', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  await typeInBody(page, 'Keyboard only');
  // The request for a name that follows the first edit sits between the header and the toolbar.
  await page.getByRole('button', { name: 'Not now' }).click();
  await page.keyboard.press('Shift+Home');
  await selectionSettled(page);
  const controls = toolbarOf(page).locator('button');
  const count = await controls.count();
  for (let index = 0; index < count; index++) {
    const control = controls.nth(index);
    expect((await control.getAttribute('aria-label'))?.length, `toolbar control ${index} has a label`).toBeGreaterThan(0);
  }
  // The header comes first; from its last control, Tab enters the toolbar.
  await page.getByRole('button', { name: 'Document menu' }).focus();
  await page.keyboard.press('Tab');
  // Undo is the first control and is enabled (there was typing), so it takes the Tab stop.
  await expect(tool(page, 'Undo')).toBeFocused();
  const outline = await tool(page, 'Undo').evaluate((element) => getComputedStyle(element).outlineStyle);
  expect(outline).not.toBe('none');
  // Redo is disabled (nothing was undone), so the arrow skips it.
  await page.keyboard.press('ArrowRight');
  await expect(page.getByRole('button', { name: /^Text style/ })).toBeFocused();
  // Menus open from the keyboard with focus on their first item; Escape closes and returns.
  await page.keyboard.press('Enter');
  await expect(page.getByRole('menuitem', { name: 'Normal text' })).toBeFocused();
  await page.keyboard.press('Escape');
  await expect(page.getByRole('menu')).toHaveCount(0);
  await expect(page.getByRole('button', { name: /^Text style/ })).toBeFocused();
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowDown');
  await expect(page.getByRole('menuitem', { name: 'Heading 1' })).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(editorOf(page).locator('h1')).toHaveText('Keyboard only');
  await expect(editorOf(page)).toBeFocused();
  await tool(page, 'Undo').focus();
  // Redo (disabled) is skipped: text style, then size, then Bold.
  for (let step = 0; step < 3; step++) await page.keyboard.press('ArrowRight');
  await expect(tool(page, 'Bold')).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(editorOf(page).locator('strong')).toHaveText('Keyboard only');
  // Tab leaves the toolbar at once instead of walking through every button.
  await tool(page, 'Bold').focus();
  await page.keyboard.press('Tab');
  const stillInToolbar = await toolbarOf(page).evaluate((toolbar) => toolbar.contains(document.activeElement));
  expect(stillInToolbar).toBe(false);
});
