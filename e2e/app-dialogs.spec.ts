import type { Locator, Page } from '@playwright/test';
import { chooseFromDocumentMenu, createTitledDocument, freshPage, saveStatusOf, selectionSettled, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const toolbarOf = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' });

/** The text of the editor's selection, as the editor holds it. */
const selectedText = (page: Page) =>
  page.evaluate(() => {
    const editor = (
      document.querySelector('.tiptap') as HTMLElement & {
        editor: { state: { selection: { from: number; to: number }; doc: { textBetween(a: number, b: number): string } } };
      }
    ).editor;
    return editor.state.doc.textBetween(editor.state.selection.from, editor.state.selection.to);
  });

test('keyboard only: select text, Ctrl+K, type the address, Enter: the link is applied and focus is back in the editor with the text still selected', async ({
  sharedApp: app,
  page,
}) => {
  await createDocument(page, app);
  await typeInBody(page, 'Read the manual today');
  // Select "manual" with the keyboard: End, then back over " today", then Shift over "manual".
  await page.keyboard.press('End');
  for (let step = 0; step < ' today'.length; step++) await page.keyboard.press('ArrowLeft');
  for (let step = 0; step < 'manual'.length; step++) await page.keyboard.press('Shift+ArrowLeft');
  await selectionSettled(page);
  // No pause between the shortcut and the typing: the first key must already reach the field.
  await page.keyboard.press('ControlOrMeta+k');
  await page.keyboard.type('example.com/manual');
  const dialog = page.getByRole('dialog', { name: 'Add link' });
  await expect(dialog.getByRole('textbox', { name: 'Address' })).toBeFocused();
  await expect(dialog.getByRole('textbox', { name: 'Address' })).toHaveValue('example.com/manual');
  await page.keyboard.press('Enter');
  await expect(dialog).toHaveCount(0);
  const link = editorOf(page).locator('a');
  await expect(link).toHaveAttribute('href', 'https://example.com/manual');
  await expect(link).toHaveText('manual');
  await expect(editorOf(page)).toHaveText('Read the manual today');
  await expect(editorOf(page)).toBeFocused();
  await expect.poll(() => selectedText(page)).toBe('manual');
  // Typing goes on in the text: it replaces the selection, as in any editor.
  await page.keyboard.type('guide');
  await expect(editorOf(page)).toHaveText('Read the guide today');
  await expect(saveStatusOf(page)).toHaveText('Saved');
});

/** Opens a dialog with `open`, checks where focus starts, closes it with Escape and checks focus went back. */
async function checkDialog(page: Page, open: () => Promise<void>, name: string, firstFocus: (dialog: Locator) => Locator, opener: Locator) {
  await open();
  const dialog = page.getByRole('dialog', { name });
  await expect(dialog).toBeVisible();
  await expect(firstFocus(dialog), `${name}: focus starts there`).toBeFocused();
  await expect(dialog.getByRole('button', { name: 'Close' }), `${name}: not on the close button`).not.toBeFocused();
  await page.keyboard.press('Escape');
  await expect(dialog).toHaveCount(0);
  await expect(opener, `${name}: Escape returns focus`).toBeFocused();
}

test('every dialog starts on its first field (or its safest action) and Escape returns focus where it was', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser);
  await createTitledDocument(page, app, 'Dialog check');
  await typeInBody(page, 'Some words');
  const menuButton = page.getByRole('button', { name: 'Document menu' });

  // From the editor: link and image (the text has focus, and gets it back).
  await checkDialog(
    page,
    () => page.keyboard.press('ControlOrMeta+k'),
    'Add link',
    (d) => d.getByRole('textbox', { name: 'Text' }),
    editorOf(page),
  );
  await editorOf(page).focus();
  await checkDialog(
    page,
    async () => {
      await toolbarOf(page).getByRole('button', { name: 'Image', exact: true }).focus();
      await page.keyboard.press('Enter');
    },
    'Insert image',
    (d) => d.getByRole('textbox', { name: 'Image address' }),
    toolbarOf(page).getByRole('button', { name: 'Image', exact: true }),
  );
  // From the header and the document menu: focus returns to the button that opened them.
  await checkDialog(
    page,
    () => page.getByRole('button', { name: 'Share' }).click(),
    'Share',
    (d) => d.getByRole('textbox', { name: 'Edit link' }),
    page.getByRole('button', { name: 'Share' }),
  );
  await checkDialog(
    page,
    () => chooseFromDocumentMenu(page, 'Your name…'),
    'Your name',
    (d) => d.getByRole('textbox'),
    menuButton,
  );
  // No field: the least destructive action.
  await checkDialog(
    page,
    () => chooseFromDocumentMenu(page, 'Delete document…'),
    'Delete document?',
    (d) => d.getByRole('button', { name: 'Cancel' }),
    menuButton,
  );
  await checkDialog(
    page,
    () => chooseFromDocumentMenu(page, 'Keyboard shortcuts'),
    'Keyboard shortcuts',
    (d) => d.getByRole('searchbox', { name: 'Search shortcuts' }),
    menuButton,
  );

  // Enter submits: the name dialog saves what was typed.
  await chooseFromDocumentMenu(page, 'Your name…');
  await page.keyboard.press('ControlOrMeta+a');
  await page.keyboard.type('Keyboard Kim');
  await page.keyboard.press('Enter');
  await expect(page.getByRole('dialog', { name: 'Your name' })).toHaveCount(0);
  await expect.poll(() => page.evaluate(() => JSON.parse(localStorage.getItem('quire.identity') ?? '{}').name)).toBe('Keyboard Kim');

  // Inside version history: naming a version, and restoring one.
  await page.getByRole('button', { name: 'Version history' }).click();
  const history = page.getByRole('dialog', { name: 'Version history' });
  const nameCurrent = history.getByRole('button', { name: 'Name current version' });
  await checkDialog(
    page,
    () => nameCurrent.click(),
    'Name current version',
    (d) => d.getByRole('textbox', { name: 'Version name' }),
    nameCurrent,
  );
  await nameCurrent.click();
  await page.keyboard.type('First');
  await page.keyboard.press('Enter');
  await expect(history.getByRole('list', { name: 'Versions' })).toContainText('First');
  const restore = history.getByRole('button', { name: 'Restore this version' });
  await checkDialog(
    page,
    () => restore.click(),
    'Restore this version?',
    (d) => d.getByRole('button', { name: 'Cancel' }),
    restore,
  );
  await page.keyboard.press('Escape');
  await expect(history).toHaveCount(0);

  // On the home page: rename and delete from a row's menu.
  await page.goto(app.url);
  const rowMenu = page.getByRole('button', { name: 'Actions for Dialog check' });
  await checkDialog(
    page,
    async () => {
      await rowMenu.click();
      await page.getByRole('menuitem', { name: 'Rename…' }).click();
    },
    'Rename document',
    (d) => d.getByRole('textbox', { name: 'Title' }),
    rowMenu,
  );
  await checkDialog(
    page,
    async () => {
      await rowMenu.click();
      await page.getByRole('menuitem', { name: 'Delete…' }).click();
    },
    'Delete document?',
    (d) => d.getByRole('button', { name: 'Cancel' }),
    rowMenu,
  );
  await checkDialog(
    page,
    () => page.getByRole('button', { name: /^Your name/ }).click(),
    'Your name',
    (d) => d.getByRole('textbox'),
    page.getByRole('button', { name: /^Your name/ }),
  );
  await page.context().close();
});

test('a new document takes typing at once: the caret is in the text right after "New document"', async ({ sharedApp: app, page }) => {
  await page.goto(app.url);
  await page.getByRole('button', { name: 'New document' }).click();
  await expect(editorOf(page)).toBeEditable();
  // No click into the text: the first keys typed must land there.
  await page.keyboard.type('First words');
  await expect(editorOf(page)).toHaveText('First words');
  await expect(saveStatusOf(page)).toHaveText('Saved');
});
