import type { Locator, Page, TestInfo } from '@playwright/test';
import { createTitledDocument, freshPage, saveStatusOf, selectionSettled } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/**
 * The WCAG contrast ratio of an element's text (or of one of its pseudo-elements) against the
 * first opaque background behind it, from the colours the browser computed.
 */
function contrastOf(locator: Locator, pseudo?: '::before' | '::placeholder'): Promise<number> {
  return locator.evaluate((element, pseudoElement) => {
    const rgb = (value: string) => {
      const parts = value.match(/[\d.]+/g)?.map(Number) ?? [0, 0, 0, 0];
      return { r: parts[0], g: parts[1], b: parts[2], a: parts.length > 3 ? parts[3] : 1 };
    };
    const luminance = ({ r, g, b }: { r: number; g: number; b: number }) => {
      const channel = (value: number) => {
        const c = value / 255;
        return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    };
    const text = rgb(getComputedStyle(element, pseudoElement ?? null).color);
    let background = { r: 255, g: 255, b: 255, a: 1 };
    for (let node: Element | null = element; node; node = node.parentElement) {
      const color = rgb(getComputedStyle(node).backgroundColor);
      if (color.a >= 0.99) {
        background = color;
        break;
      }
    }
    const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
    return (light + 0.05) / (dark + 0.05);
  }, pseudo);
}

/** Asserts WCAG AA (4.5:1) for each named element's text. */
async function expectReadable(elements: Record<string, Locator | [Locator, '::before' | '::placeholder']>): Promise<void> {
  for (const [name, target] of Object.entries(elements)) {
    const ratio = Array.isArray(target) ? await contrastOf(target[0], target[1]) : await contrastOf(target);
    expect(ratio, `${name}: contrast ${ratio.toFixed(2)}:1`).toBeGreaterThanOrEqual(4.5);
  }
}

async function keepScreenshot(page: Page, testInfo: TestInfo, name: string): Promise<void> {
  // A file under test-results/ as well as an attachment of the report.
  const path = testInfo.outputPath(name);
  await page.screenshot({ path });
  await testInfo.attach(name, { path, contentType: 'image/png' });
}

/** The page's background colour, as computed. */
const pageBackground = (page: Page) => page.evaluate(() => getComputedStyle(document.documentElement).backgroundColor);

for (const scheme of ['dark', 'light'] as const) {
  test(`${scheme} mode follows the system setting on every screen, with text at AA contrast (screenshots attached)`, async ({
    sharedApp: app,
    browser,
  }, testInfo) => {
    const page = await freshPage(browser, { colorScheme: scheme });
    await page.emulateMedia({ colorScheme: scheme });
    const url = await createTitledDocument(page, app, `The ${scheme} document`);
    expect(await pageBackground(page)).toBe(scheme === 'dark' ? 'rgb(17, 17, 19)' : 'rgb(244, 245, 247)');
    await editorOf(page).click();
    await page.keyboard.type('# A heading\nBody text with a link');
    for (let step = 0; step < 'link'.length; step++) await page.keyboard.press('Shift+ArrowLeft');
    await selectionSettled(page);
    await page.keyboard.press('ControlOrMeta+k');
    await page.keyboard.type('example.com');
    await page.keyboard.press('Enter');
    await page.keyboard.press('End');
    await expect(saveStatusOf(page)).toHaveText('Saved');
    await expectReadable({
      'body text': editorOf(page).locator('p').first(),
      heading: editorOf(page).locator('h1'),
      link: editorOf(page).locator('a'),
      title: page.getByRole('textbox', { name: 'Document title' }),
      'save status': saveStatusOf(page),
      'word count': page.locator('.word-count'),
      'text style button': page.getByRole('button', { name: /^Text style/ }),
      'share button': page.getByRole('button', { name: 'Share' }),
    });
    await keepScreenshot(page, testInfo, `${scheme}-editor.png`);

    await page.keyboard.press('ControlOrMeta+f');
    await page.keyboard.type('text');
    await expect(page.getByRole('searchbox', { name: 'Find in document' })).toHaveValue('text');
    await expectReadable({ 'find count': page.locator('.find-count'), 'find match': editorOf(page).locator('.find-match-current') });
    await keepScreenshot(page, testInfo, `${scheme}-find.png`);
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Share' }).click();
    const share = page.getByRole('dialog', { name: 'Share' });
    await expectReadable({
      'dialog title': share.getByRole('heading'),
      'dialog text': share.locator('.link-field-description').first(),
      'dialog field': share.getByRole('textbox', { name: 'Edit link' }),
    });
    await keepScreenshot(page, testInfo, `${scheme}-share-dialog.png`);
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Document menu' }).click();
    await expectReadable({ 'menu item': page.getByRole('menuitem', { name: /Download Markdown/ }) });
    await keepScreenshot(page, testInfo, `${scheme}-menu.png`);
    await page.keyboard.press('Escape');

    await page.getByRole('button', { name: 'Version history' }).click();
    const history = page.getByRole('dialog', { name: 'Version history' });
    await history.getByRole('button', { name: 'Name current version' }).click();
    await page.getByRole('textbox', { name: 'Version name' }).fill('Named');
    await page.keyboard.press('Enter');
    await expect(history.getByRole('list', { name: 'Versions' })).toContainText('Named');
    await expectReadable({
      'version name': history.locator('.version-label').first(),
      'version time': history.locator('.version-meta').first(),
      'version text': history.getByRole('document'),
      'history title': history.getByRole('heading', { name: 'Version history' }),
    });
    await keepScreenshot(page, testInfo, `${scheme}-history.png`);
    await page.keyboard.press('Escape');

    await page.goto(app.url);
    await expect(page.getByRole('list', { name: 'Documents' })).toBeVisible();
    await expectReadable({
      'document title': page.locator('.document-row-title').first(),
      'document time': page.locator('.document-row-meta').first(),
      'page heading': page.getByRole('heading', { name: 'Documents' }),
      'search placeholder': [page.getByRole('searchbox'), '::placeholder'],
      'new document button': page.getByRole('button', { name: 'New document' }),
    });
    await keepScreenshot(page, testInfo, `${scheme}-home.png`);

    await page.goto(`${app.url}/nowhere`);
    await expectReadable({ heading: page.getByRole('heading', { name: 'Page not found' }), text: page.locator('main p').nth(1) });
    expect(await pageBackground(page)).toBe(scheme === 'dark' ? 'rgb(17, 17, 19)' : 'rgb(244, 245, 247)');
    await keepScreenshot(page, testInfo, `${scheme}-not-found.png`);
    expect(url).toContain('/d/');
    await page.context().close();
  });
}
