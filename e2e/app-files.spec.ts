import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { chooseFromDocumentMenu, freshPage, saveStatusOf, titleOf } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

// Markdown as the converter writes it (tables padded), so a round trip gives back the same text.
const MARKDOWN = [
  '# Release notes',
  '',
  'Version **2.0** brings *faster* sync and `offline` editing. See [the docs](https://example.com/docs).',
  '',
  '## Changes',
  '',
  '- Faster startup',
  '- Smaller bundle',
  '',
  '1. Install',
  '2. Restart',
  '',
  '> Upgrade soon.',
  '',
  '```',
  'npm start',
  '```',
  '',
  '| Feature | Status |',
  '| ------- | ------ |',
  '| Sync    | Done   |',
].join('\n');

/** Imports `content` as a Markdown file from the home page; returns the new document's URL. */
async function importFile(page: Page, url: string, fileName: string, content: string | Buffer) {
  await page.goto(url);
  await page.getByLabel('Markdown file to import').setInputFiles({ name: fileName, mimeType: 'text/markdown', buffer: Buffer.from(content) });
}

/** Downloads the document in `format` from the document menu; returns its name and text. */
async function download(page: Page, item: RegExp): Promise<{ name: string; text: string }> {
  const downloaded = page.waitForEvent('download');
  await chooseFromDocumentMenu(page, item);
  const file = await downloaded;
  return { name: file.suggestedFilename(), text: await readFile(await file.path(), 'utf8') };
}

test('a Markdown file imports as a new document, its first heading as the title, and another browser exports the same Markdown, HTML and JSON', async ({
  sharedApp: app,
  browser,
}) => {
  const alice = await freshPage(browser);
  await importFile(alice, app.url, 'release.md', MARKDOWN);
  await alice.waitForURL(/\/d\/[^/]+#.+/);
  await expect(titleOf(alice)).toHaveValue('Release notes');
  // The heading became the title: the body starts with what followed it.
  await expect(editorOf(alice).locator('h1')).toHaveCount(0);
  await expect(editorOf(alice).locator(':scope > *').first()).toHaveText(/^Version 2\.0 brings/);
  await expect(editorOf(alice).locator('table td').first()).toHaveText('Sync');
  await expect(saveStatusOf(alice)).toHaveText('Saved');

  const bob = await freshPage(browser);
  await bob.goto(alice.url());
  await expect(editorOf(bob).locator('h2')).toHaveText('Changes');

  // The export starts with the title as a heading: the file as it was imported.
  const markdown = await download(bob, /Markdown/);
  expect(markdown.name).toBe('Release notes.md');
  expect(markdown.text).toBe(MARKDOWN);

  const html = await download(bob, /HTML/);
  expect(html.name).toBe('Release notes.html');
  expect(html.text).toContain('<title>Release notes</title>');
  const bodyHtml = await editorOf(alice).evaluate((element) => (element as HTMLElement & { editor: { getHTML(): string } }).editor.getHTML());
  expect(html.text).toContain(bodyHtml);
  for (const fragment of ['<h1>Release notes</h1>', '<strong>2.0</strong>', '<a target="_blank"', '<blockquote>', '<th', '<pre><code>npm start</code></pre>']) {
    expect(html.text).toContain(fragment);
  }

  const json = await download(bob, /JSON/);
  expect(json.name).toBe('Release notes.json');
  const aliceJson = await editorOf(alice).evaluate((element) => (element as HTMLElement & { editor: { getJSON(): unknown } }).editor.getJSON());
  expect(JSON.parse(json.text)).toEqual(aliceJson);
});

test('an import over the size limit is refused with a clear message and creates nothing', async ({ sharedApp: app, page }) => {
  await importFile(page, app.url, 'huge.md', `# Huge\n\n${'x'.repeat(1024 * 1024)}`);
  await expect(page.getByRole('alert').filter({ hasText: 'Could not import “huge.md”' })).toContainText('too large to import');
  await expect(page).toHaveURL(`${app.url}/`);
  await expect(page.getByText('No documents yet')).toBeVisible();
});

test('printing shows the document alone: title and body, no header, toolbar or counts', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  await titleOf(page).fill('Printable');
  await editorOf(page).click();
  await page.keyboard.type('# Heading\nA paragraph to print.');
  await expect(saveStatusOf(page)).toHaveText('Saved');

  await page.evaluate(() => {
    (window as unknown as { printed: number }).printed = 0;
    window.print = () => {
      (window as unknown as { printed: number }).printed++;
    };
  });
  await chooseFromDocumentMenu(page, 'Print');
  expect(await page.evaluate(() => (window as unknown as { printed: number }).printed)).toBe(1);

  await page.emulateMedia({ media: 'print' });
  await expect(page.getByRole('heading', { level: 1, name: 'Printable' })).toBeVisible();
  await expect(editorOf(page)).toContainText('A paragraph to print.');
  await expect(page.getByRole('toolbar', { name: 'Formatting' })).toBeHidden();
  await expect(page.getByRole('button', { name: 'Share' })).toBeHidden();
  await expect(page.getByText(/words ·/)).toBeHidden();
  const sheet = await page.locator('.page-sheet').evaluate((element) => getComputedStyle(element).boxShadow);
  expect(sheet).toBe('none');
  await page.emulateMedia({ media: 'screen' });
  await expect(page.getByRole('heading', { level: 1, name: 'Printable' })).toBeHidden();
  await expect(page.getByRole('toolbar', { name: 'Formatting' })).toBeVisible();
});
