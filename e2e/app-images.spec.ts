import type { Page } from '@playwright/test';
import { gifImage, pngImage } from '../testing/images';
import { downloadFromMenu, freshPage, linkParts, saveStatusOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';
import { dropFiles, imagesOf, type PageFile, paste, shownImages } from './image-helpers';

/**
 * [M10] Images in the app, in real Chromium under the real Content-Security-Policy: added from
 * the image dialog, pasted (files, and `data:` images in pasted HTML) and dropped, stored by the
 * server and seen by everyone, also after the server restarts; resized and described with the
 * keyboard; never wider than the page; shown but never added through a view link.
 */

const png = (name: string, width: number, height: number, rgb: [number, number, number]): PageFile => ({
  name,
  type: 'image/png',
  bytes: pngImage(width, height, rgb),
});

const imageButton = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' }).getByRole('button', { name: 'Image', exact: true });

/** The body's blocks in order: `img`, or the text of a paragraph (empty paragraphs, other people's carets and placeholders left out). */
function blocksOf(page: Page): Promise<string[]> {
  return editorOf(page).evaluate((body) =>
    [...body.children].flatMap((block) => {
      if (block.matches('.image-node')) return ['img'];
      const copy = block.cloneNode(true) as HTMLElement;
      for (const extra of copy.querySelectorAll('.collaboration-carets__caret, .image-placeholder')) extra.remove();
      const text = copy.textContent?.trim() ?? '';
      return text ? [text] : [];
    }),
  );
}

/** The loaded widths of the body's images, as the browser decoded them (0 for a broken one), in order. */
async function loadedWidths(page: Page): Promise<number[]> {
  return (await shownImages(page)).map((image) => image.loadedWidth);
}

test('[M10] upload, paste and drop of an image seen by a second window and after a restart', async ({ app, page, browser }) => {
  const url = await createDocument(page, app);
  await typeInBody(page, 'Holiday pictures');

  // From the image dialog's file picker.
  await imageButton(page).click();
  const dialog = page.getByRole('dialog', { name: 'Insert image' });
  await dialog.getByLabel('Image file').setInputFiles({ name: 'red.png', mimeType: 'image/png', buffer: pngImage(120, 80, [220, 0, 0]) });
  await expect(dialog).toHaveCount(0);
  await expect.poll(() => loadedWidths(page)).toEqual([120]);
  expect((await shownImages(page))[0].src).toMatch(/^\/images\/[^/]+\/[0-9a-f]{64}\.[\w-]{22}$/);

  // Pasted: a file on the clipboard, then HTML holding a data: image.
  await editorOf(page).click();
  await page.keyboard.press('ControlOrMeta+End');
  await paste(page, { files: [png('green.png', 90, 60, [0, 160, 0])] });
  await expect.poll(() => loadedWidths(page)).toHaveLength(2);
  await page.keyboard.press('ControlOrMeta+End');
  const inline = pngImage(50, 40, [120, 0, 160]).toString('base64');
  await paste(page, { html: `<p>Copied from a page</p><img src="data:image/png;base64,${inline}" alt="purple">` });
  await expect(editorOf(page)).toContainText('Copied from a page');
  await expect.poll(() => loadedWidths(page)).toHaveLength(3);

  // Dropped on the page.
  await dropFiles(page, editorOf(page).getByText('Holiday pictures'), [png('blue.png', 70, 50, [0, 0, 200])]);
  await expect.poll(async () => (await loadedWidths(page)).sort((a, b) => a - b)).toEqual([50, 70, 90, 120]);
  await expect(saveStatusOf(page)).toHaveText('Saved');
  const sources = (await shownImages(page)).map((image) => image.src);
  expect(new Set(sources).size).toBe(4);

  // Everyone else sees the same images, loaded from the server.
  const other = await freshPage(browser);
  await other.goto(url);
  await expect.poll(async () => (await shownImages(other)).map((image) => [image.src, image.loadedWidth > 0])).toEqual(sources.map((src) => [src, true]));

  // And after the server restarts.
  await app.restart();
  await other.reload();
  await expect.poll(async () => (await shownImages(other)).map((image) => [image.src, image.loadedWidth > 0])).toEqual(sources.map((src) => [src, true]));
  await other.context().close();
});

test('[M10] an image being uploaded shows only here, and lands where its place has moved meanwhile', async ({ sharedApp: app, page, browser }) => {
  const url = await createDocument(page, app);
  await typeInBody(page, 'Intro');
  await page.keyboard.press('Enter');
  await page.keyboard.type('First line');
  await page.keyboard.press('Enter');
  await page.keyboard.type('Second line');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  const other = await freshPage(browser);
  await other.goto(url);
  await expect(editorOf(other)).toContainText('Second line');

  // The upload is held on its way to the server.
  let release!: () => void;
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  await page.route('**/api/docs/*/images', async (route) => {
    await held;
    await route.continue();
  });
  await editorOf(page).getByText('First line').click();
  await page.keyboard.press('End');
  await paste(page, { files: [png('held.png', 64, 64, [10, 200, 200])] });
  await expect(page.locator('.image-placeholder')).toContainText('Uploading held.png');

  // Meanwhile someone else writes above it, a paragraph and at the start of its line; they see nothing of the upload.
  await editorOf(other).getByText('Intro').click();
  await other.keyboard.press('End');
  await other.keyboard.press('Enter');
  await other.keyboard.type('Added by someone else');
  await editorOf(other).getByText('First line').click();
  await other.keyboard.press('Home');
  await other.keyboard.type('Note: ');
  await expect.poll(() => blocksOf(page)).toEqual(['Intro', 'Added by someone else', 'Note: First line', 'Second line']);
  await expect(page.locator('.image-placeholder')).toBeVisible();
  expect(await other.locator('.image-placeholder, .image-node').count()).toBe(0);

  release();
  const expected = ['Intro', 'Added by someone else', 'Note: First line', 'img', 'Second line'];
  await expect.poll(() => blocksOf(page)).toEqual(expected);
  await expect.poll(() => blocksOf(other)).toEqual(expected);
  await expect.poll(() => loadedWidths(other)).toEqual([64]);
  await expect(page.locator('.image-placeholder')).toHaveCount(0);
  await page.unrouteAll();
  await other.context().close();
});

test('[M10] resized and described with the keyboard, never wider than the page; a view link shows images and adds none', async ({
  sharedApp: app,
  page,
  browser,
}) => {
  const url = await createDocument(page, app);
  await typeInBody(page, 'A banner follows');
  const banner = png('banner.png', 2400, 200, [240, 160, 0]);
  await paste(page, { files: [banner] });
  await expect.poll(() => loadedWidths(page)).toEqual([2400]);
  const image = imagesOf(page).first();
  const pageWidth = await editorOf(page).evaluate((body) => body.clientWidth);
  // Layout widths are fractional: within half a pixel of the page's is as wide as the page.
  expect((await image.boundingBox())?.width).toBeLessThanOrEqual(pageWidth + 0.5);

  // Selected, then Tab reaches its width slider; End is the page's width, arrows 10 pixels each.
  await image.click();
  await page.keyboard.press('Tab');
  const slider = page.getByRole('slider', { name: 'Image width' });
  await expect(slider).toBeFocused();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('Shift+ArrowLeft');
  const resized = pageWidth - 70;
  const shownWidth = async () => Math.round((await image.boundingBox())?.width ?? 0);
  await expect(slider).toHaveAttribute('aria-valuenow', String(resized));
  await expect.poll(shownWidth).toBe(resized);

  // By its handle, with the mouse: dragged 100 pixels to the left.
  const grip = await slider.boundingBox();
  if (!grip) throw new Error('the resize handle is not shown');
  const [x, y] = [grip.x + grip.width / 2, grip.y + grip.height / 2];
  await page.mouse.move(x, y);
  await page.mouse.down();
  await page.mouse.move(x - 100, y, { steps: 5 });
  await page.mouse.up();
  await expect(slider).toHaveAttribute('aria-valuenow', String(resized - 100));
  await expect.poll(shownWidth).toBe(resized - 100);
  await expect(slider).toHaveAttribute('aria-valuetext', `${resized - 100} pixels wide`);

  // The size buttons and the alt text, in the bar that opens with the selection.
  await page.getByRole('button', { name: 'Small' }).click();
  await expect.poll(shownWidth).toBe(Math.round(pageWidth * 0.25));
  await page.getByRole('textbox', { name: 'Alt text' }).fill('An orange banner');
  await expect(image).toHaveAttribute('alt', 'An orange banner');
  await expect(saveStatusOf(page)).toHaveText('Saved');

  // The downloads hold it: the HTML file the image's own bytes, the Markdown file its address on this server.
  const src = (await shownImages(page))[0].src;
  const html = await downloadFromMenu(page, /HTML/);
  expect(html).toContain(`src="data:image/png;base64,${banner.bytes.toString('base64')}"`);
  expect(html).toContain('alt="An orange banner"');
  expect(await downloadFromMenu(page, /Markdown/)).toContain(`![An orange banner](${app.url}${src})`);

  const other = await freshPage(browser);
  await other.goto(url);
  await expect(imagesOf(other).first()).toHaveAttribute('alt', 'An orange banner');
  await expect.poll(async () => Math.round((await imagesOf(other).first().boundingBox())?.width ?? 0)).toBe(Math.round(pageWidth * 0.25));
  await other.context().close();

  // Through the view link: the image shows, nothing can be added.
  const { name, key } = linkParts(url);
  const shown = await page.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/links`, { data: { key } });
  const view = ((await shown.json()) as { links: Array<{ kind: string; secret: string }> }).links.find((link) => link.kind === 'view')?.secret as string;
  const viewer = await freshPage(browser);
  const uploads: string[] = [];
  viewer.on('request', (request) => {
    if (request.method() === 'POST' && request.url().includes('/images')) uploads.push(request.url());
  });
  await viewer.goto(`${app.url}/d/${encodeURIComponent(name)}#${view}`);
  await expect.poll(() => loadedWidths(viewer)).toEqual([2400]);
  await expect(imageButton(viewer)).toHaveCount(0);
  await dropFiles(viewer, editorOf(viewer), [{ name: 'nope.gif', type: 'image/gif', bytes: gifImage() }]);
  await expect(viewer.getByRole('alert').filter({ hasText: 'Images can only be added with the edit link' })).toBeVisible();
  expect(await imagesOf(viewer).count()).toBe(1);
  expect(uploads).toEqual([]);
  await viewer.context().close();
});

test('[M10] a refused image says why, and leaves nothing in the document', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  await typeInBody(page, 'Trying files');
  // An SVG, refused in the page; a "PNG" that is text, refused by the server after reading it.
  await paste(page, { files: [{ name: 'drawing.svg', type: 'image/svg+xml', bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"/>') }] });
  await expect(page.getByRole('alert').filter({ hasText: '“drawing.svg” was not added: SVG images can carry scripts' })).toBeVisible();
  await paste(page, { files: [{ name: 'notes.png', type: 'image/png', bytes: Buffer.from('just some text, not a picture at all') }] });
  await expect(
    page.getByRole('alert').filter({ hasText: '“notes.png” was not added: not an image Quire accepts: the file is not a PNG, JPEG, GIF or WebP image' }),
  ).toBeVisible();
  await expect(page.locator('.image-placeholder')).toHaveCount(0);
  expect(await imagesOf(page).count()).toBe(0);
});
