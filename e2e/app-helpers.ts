import { readFile } from 'node:fs/promises';
import type { Browser, BrowserContext, Locator, Page } from '@playwright/test';
import { type App, createDocument, editorOf, expect } from './fixtures';

/** A page in a new browser context: no cookies, storage or IndexedDB shared with any other. */
export async function freshPage(browser: Browser, options: Parameters<Browser['newContext']>[0] = {}): Promise<Page> {
  const context = await browser.newContext(options);
  return context.newPage();
}

/** The save indicator of an editor page. */
export const saveStatusOf = (page: Page) => page.getByRole('status');

/** The title input of an editor page. */
export const titleOf = (page: Page) => page.getByRole('textbox', { name: 'Document title' });

/** Creates a document in `page`, gives it a title, and waits until the server has it. */
export async function createTitledDocument(page: Page, app: App, title: string): Promise<string> {
  const url = await createDocument(page, app);
  await titleOf(page).fill(title);
  await expect(saveStatusOf(page)).toHaveText('Saved');
  return url;
}

/** The text of the document body without the name labels of remote carets. */
export function bodyTextOf(page: Page): Promise<string> {
  return textWithoutCarets(editorOf(page));
}

/** The text of an editor (the app's, an embed's) without the name labels of remote carets. */
export function textWithoutCarets(editor: Locator): Promise<string> {
  return editor.evaluate((element) => {
    const copy = element.cloneNode(true) as HTMLElement;
    for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove();
    return copy.textContent ?? '';
  });
}

/**
 * Waits until the editor has read a keyboard selection: ProseMirror picks up DOM selection
 * changes on the next `selectionchange` event, so a shortcut pressed at once would see none.
 */
export async function selectionSettled(page: Page): Promise<void> {
  await expect
    .poll(() =>
      page.evaluate(
        () => (document.querySelector('.tiptap') as HTMLElement & { editor: { state: { selection: { empty: boolean } } } }).editor.state.selection.empty,
      ),
    )
    .toBe(false);
}

/** Types into the document body at its end. */
export async function typeInBody(page: Page, text: string): Promise<void> {
  await editorOf(page).click();
  await page.keyboard.press('ControlOrMeta+End');
  await page.keyboard.type(text);
}

/** The `{ name, key }` of an editor URL (`/d/<name>#<key>`). */
export function linkParts(url: string): { name: string; key: string } {
  const parsed = new URL(url);
  return { name: decodeURIComponent(parsed.pathname.split('/').pop() ?? ''), key: parsed.hash.slice(1) };
}

/** Records every request URL a context makes (HTTP and WebSocket), for checking what leaks into them. */
export function recordRequestUrls(context: BrowserContext): string[] {
  const urls: string[] = [];
  context.on('request', (request) => urls.push(request.url()));
  context.on('page', (page) => page.on('websocket', (socket) => urls.push(socket.url())));
  for (const page of context.pages()) page.on('websocket', (socket) => urls.push(socket.url()));
  return urls;
}

/** Opens the document menu of an editor page and chooses `item`. */
export async function chooseFromDocumentMenu(page: Page, item: string | RegExp): Promise<void> {
  await page.getByRole('button', { name: 'Document menu' }).click();
  await page.getByRole('menuitem', { name: item }).click();
}

/** Downloads the document from the document menu's `item` (a format); returns the file's text. */
export async function downloadFromMenu(page: Page, item: string | RegExp): Promise<string> {
  const downloaded = page.waitForEvent('download');
  await chooseFromDocumentMenu(page, item);
  return readFile(await (await downloaded).path(), 'utf8');
}

/** The list of people in a document (the avatars in the header). */
export const peopleOf = (page: Page) => page.getByRole('list', { name: /here/ });

/** Sets this browser's name from the editor page (the avatar of "you" opens the name dialog). */
export async function setName(page: Page, name: string): Promise<void> {
  await page.getByRole('button', { name: /^You: / }).click();
  const dialog = page.getByRole('dialog', { name: 'Your name' });
  await dialog.getByRole('textbox').fill(name);
  await dialog.getByRole('button', { name: 'Save' }).click();
  await expect(dialog).toHaveCount(0);
}

/**
 * Resolves once every change the page has written to its IndexedDB copy of `documentName` so far
 * is committed: a read of the updates store waits for the writes queued before it (IndexedDB runs
 * transactions on one store in the order they were made). "Saved" says the server holds a change,
 * not that this browser's copy does; close a page only after this if the test reads that copy.
 */
export async function localCopyWritten(page: Page, documentName: string): Promise<void> {
  await page.evaluate(
    (database) =>
      new Promise<void>((resolve, reject) => {
        const open = indexedDB.open(database);
        open.onerror = () => reject(open.error);
        open.onsuccess = () => {
          const transaction = open.result.transaction('updates', 'readonly');
          transaction.objectStore('updates').count();
          transaction.oncomplete = () => {
            open.result.close();
            resolve();
          };
          transaction.onerror = () => reject(transaction.error);
        };
      }),
    `quire-doc:${documentName}`,
  );
}

/**
 * Closes `page` once it has stopped running. `page.close()` resolves while the closing page's
 * scripts may still run for a moment (hundreds of milliseconds on a busy machine) with their
 * connection open: a document deleted then still reaches it, and the app, told so, rightly clears
 * its IndexedDB copy. Navigating away first unloads the page (its connection closes, its scripts
 * stop) before anything else happens.
 */
export async function leavePage(page: Page): Promise<void> {
  await page.goto('about:blank');
  await page.close();
}
