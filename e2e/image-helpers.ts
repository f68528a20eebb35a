import type { Locator, Page } from '@playwright/test';
import { editorOf } from './fixtures';

/** A file to hand to the page: its name, type and bytes. */
export interface PageFile {
  name: string;
  type: string;
  bytes: Buffer;
}

/** The image elements of an editor page's document body. */
export const imagesOf = (page: Page): Locator => editorOf(page).locator('.image-node img');

/** Each image of the body as the browser shows it: its address and its loaded width (0 while not loaded, or broken). */
export function shownImages(page: Page): Promise<Array<{ src: string; loadedWidth: number; alt: string }>> {
  return imagesOf(page).evaluateAll((images) =>
    (images as HTMLImageElement[]).map((image) => ({
      src: image.getAttribute('src') ?? '',
      loadedWidth: image.complete ? image.naturalWidth : 0,
      alt: image.alt,
    })),
  );
}

/** Pastes into the focused editor what a clipboard would hold: `files`, and HTML. */
export async function paste(page: Page, { files = [], html }: { files?: PageFile[]; html?: string }): Promise<void> {
  await page.evaluate(
    ({ files, html }) => {
      const data = new DataTransfer();
      for (const file of files) data.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
      if (html) data.setData('text/html', html);
      const target = document.activeElement ?? document.body;
      target.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    },
    { files: files.map(encoded), html },
  );
}

/** Drags `files` over `target` (at its center) and drops them there, as a file manager does. */
export async function dropFiles(page: Page, target: Locator, files: PageFile[]): Promise<void> {
  const box = await target.boundingBox();
  if (!box) throw new Error('the drop target is not visible');
  await page.evaluate(
    ({ files, x, y }) => {
      const data = new DataTransfer();
      for (const file of files) data.items.add(new File([Uint8Array.from(atob(file.base64), (c) => c.charCodeAt(0))], file.name, { type: file.type }));
      const element = document.elementFromPoint(x, y) ?? document.body;
      for (const type of ['dragenter', 'dragover', 'drop']) {
        element.dispatchEvent(new DragEvent(type, { dataTransfer: data, clientX: x, clientY: y, bubbles: true, cancelable: true }));
      }
    },
    { files: files.map(encoded), x: box.x + box.width / 2, y: box.y + box.height / 2 },
  );
}

function encoded(file: PageFile): { name: string; type: string; base64: string } {
  return { name: file.name, type: file.type, base64: file.bytes.toString('base64') };
}
