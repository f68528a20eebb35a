import type { Page } from '@playwright/test';
import { saveStatusOf, selectionSettled, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

const toolbarOf = (page: Page) => page.getByRole('toolbar', { name: 'Formatting' });
const tool = (page: Page, name: string) => toolbarOf(page).getByRole('button', { name, exact: true });

/** Selects the text of the current paragraph (the last one typed). */
async function selectCurrentBlock(page: Page) {
  await page.keyboard.press('End');
  await page.keyboard.press('Shift+Home');
  await selectionSettled(page);
}

test('toolbar: marks and blocks apply, and each button shows when it is active', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  await typeInBody(page, 'Styled words');
  await selectCurrentBlock(page);
  for (const [button, tag] of [
    ['Bold', 'strong'],
    ['Italic', 'em'],
    ['Underline', 'u'],
    ['Strikethrough', 's'],
    ['Highlight', 'mark'],
  ] as const) {
    await expect(tool(page, button)).toHaveAttribute('aria-pressed', 'false');
    await tool(page, button).click();
    await expect(body.locator(tag)).toHaveText('Styled words');
    await expect(tool(page, button)).toHaveAttribute('aria-pressed', 'true');
  }
  await tool(page, 'Bold').click();
  await expect(body.locator('strong')).toHaveCount(0);
  await expect(tool(page, 'Bold')).toHaveAttribute('aria-pressed', 'false');

  // Block styles from the text style menu.
  await page.getByRole('button', { name: /^Text style/ }).click();
  await page.getByRole('menuitem', { name: 'Heading 2' }).click();
  await expect(body.locator('h2')).toHaveText('Styled words');
  await expect(page.getByRole('button', { name: 'Text style: Heading 2' })).toBeVisible();
  await page.getByRole('button', { name: /^Text style/ }).click();
  await page.getByRole('menuitem', { name: 'Normal text' }).click();
  await expect(body.locator('h2')).toHaveCount(0);

  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await page.keyboard.type('code here');
  await selectCurrentBlock(page);
  await tool(page, 'Inline code').click();
  await expect(body.locator('p code')).toHaveText('code here');
  await expect(tool(page, 'Inline code')).toHaveAttribute('aria-pressed', 'true');

  // Lists, quote and code block toggle on the current block.
  for (const [button, selector] of [
    ['Bulleted list', 'ul:not([data-type]) li'],
    ['Numbered list', 'ol li'],
    ['Checklist', 'ul[data-type="taskList"] li > div'],
    ['Quote', 'blockquote p'],
    ['Code block', 'pre code'],
  ] as const) {
    await tool(page, button).click();
    await expect(body.locator(selector)).toHaveText('code here');
    await expect(tool(page, button)).toHaveAttribute('aria-pressed', 'true');
    await tool(page, button).click();
    await expect(body.locator(selector)).toHaveCount(0);
  }

  // Alignment.
  await tool(page, 'Align center').click();
  await expect(body.locator('p[style*="text-align: center"]')).toHaveCount(1);
  await expect(tool(page, 'Align center')).toHaveAttribute('aria-pressed', 'true');
  await expect(tool(page, 'Align left')).toHaveAttribute('aria-pressed', 'false');
  await tool(page, 'Align right').click();
  await expect(body.locator('p[style*="text-align: right"]')).toHaveCount(1);
  await tool(page, 'Justify').click();
  await expect(body.locator('p[style*="text-align: justify"]')).toHaveCount(1);

  // Horizontal line.
  await page.keyboard.press('End');
  await tool(page, 'Horizontal line').click();
  await expect(body.locator('hr')).toHaveCount(1);
  await expect(saveStatusOf(page)).toHaveText('Saved');
});

test('links can be added, edited and removed; images are inserted by address', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  await typeInBody(page, 'Quire site');
  await selectCurrentBlock(page);
  await tool(page, 'Link').click();
  let dialog = page.getByRole('dialog', { name: 'Add link' });
  await dialog.getByRole('textbox', { name: 'Address' }).fill('javascript:alert(1)');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(dialog.getByRole('alert')).toContainText('Enter a web address');
  await dialog.getByRole('textbox', { name: 'Address' }).fill('example.com/first');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(body.locator('a')).toHaveAttribute('href', 'https://example.com/first');
  await expect(body.locator('a')).toHaveText('Quire site');

  // Edit: the cursor inside the link, Ctrl+K opens the dialog with the current address.
  await body.locator('a').click();
  await page.keyboard.press('ControlOrMeta+k');
  dialog = page.getByRole('dialog', { name: 'Edit link' });
  await expect(dialog.getByRole('textbox', { name: 'Address' })).toHaveValue('https://example.com/first');
  await dialog.getByRole('textbox', { name: 'Address' }).fill('https://example.com/second');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(body.locator('a')).toHaveAttribute('href', 'https://example.com/second');
  await expect(body.locator('a')).toHaveText('Quire site');

  await body.locator('a').click();
  await tool(page, 'Edit link').click();
  await page.getByRole('dialog', { name: 'Edit link' }).getByRole('button', { name: 'Remove link' }).click();
  await expect(body.locator('a')).toHaveCount(0);
  await expect(body).toContainText('Quire site');

  // A link with no selection inserts its own text.
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await tool(page, 'Link').click();
  dialog = page.getByRole('dialog', { name: 'Add link' });
  await dialog.getByRole('textbox', { name: 'Text' }).fill('the docs');
  await dialog.getByRole('textbox', { name: 'Address' }).fill('https://example.com/docs');
  await dialog.getByRole('button', { name: 'Apply' }).click();
  await expect(body.locator('a')).toHaveText('the docs');

  await tool(page, 'Image').click();
  const imageDialog = page.getByRole('dialog', { name: 'Insert image' });
  await imageDialog.getByRole('textbox', { name: 'Image address' }).fill(`${app.url}/icon.svg`);
  await imageDialog.getByRole('textbox', { name: /Description/ }).fill('The Quire logo');
  await imageDialog.getByRole('button', { name: 'Insert' }).click();
  await expect(body.locator('img')).toHaveAttribute('src', `${app.url}/icon.svg`);
  await expect(body.locator('img')).toHaveAttribute('alt', 'The Quire logo');
  await expect(saveStatusOf(page)).toHaveText('Saved');
});

test('tables: insert, add and remove rows and columns, delete', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  await typeInBody(page, 'Before the table');
  const tableMenu = async (item: string) => {
    await toolbarOf(page).getByRole('button', { name: 'Table' }).click();
    await page.getByRole('menuitem', { name: item }).click();
  };
  await tableMenu('Insert table');
  await expect(body.locator('table tr')).toHaveCount(3);
  await expect(body.locator('table tr').first().locator('th')).toHaveCount(3);
  await page.keyboard.type('Name');
  await tableMenu('Add row below');
  await expect(body.locator('table tr')).toHaveCount(4);
  await tableMenu('Add column right');
  await expect(body.locator('table tr').first().locator('th')).toHaveCount(4);
  // Tab moves to the new column's cell; delete that column.
  await page.keyboard.press('Tab');
  await tableMenu('Delete column');
  await expect(body.locator('table tr').first().locator('th')).toHaveCount(3);
  await body.locator('table tr').nth(1).locator('td').first().click();
  await tableMenu('Delete row');
  await expect(body.locator('table tr')).toHaveCount(3);
  await expect(body.locator('th').first()).toHaveText('Name');
  // Inside a table, another table cannot be inserted.
  await toolbarOf(page).getByRole('button', { name: 'Table' }).click();
  await expect(page.getByRole('menuitem', { name: 'Insert table' })).toBeDisabled();
  await expect(page.getByRole('menuitem', { name: 'Delete table' })).toBeEnabled();
  await page.getByRole('menuitem', { name: 'Delete table' }).click();
  await expect(body.locator('table')).toHaveCount(0);
  await toolbarOf(page).getByRole('button', { name: 'Table' }).click();
  await expect(page.getByRole('menuitem', { name: 'Add row below' })).toBeDisabled();
  await page.keyboard.press('Escape');
});

test('keyboard shortcuts and Markdown input rules', async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  await body.click();
  await page.keyboard.type('# Title line\n');
  await expect(body.locator('h1')).toHaveText('Title line');
  await page.keyboard.type('## Second\n### Third\n');
  await expect(body.locator('h2')).toHaveText('Second');
  await expect(body.locator('h3')).toHaveText('Third');
  await page.keyboard.type('Some **bold** and *italic* and `code` and ~~gone~~ text.\n');
  await expect(body.locator('strong')).toHaveText('bold');
  await expect(body.locator('em')).toHaveText('italic');
  await expect(body.locator('code')).toHaveText('code');
  await expect(body.locator('s')).toHaveText('gone');
  await page.keyboard.type('- bullet\n\n1. numbered\n\n[ ] task\n\n> quoted\n\n');
  await expect(body.locator('ul:not([data-type]) li')).toHaveText('bullet');
  await expect(body.locator('ol li')).toHaveText('numbered');
  await expect(body.locator('ul[data-type="taskList"] li > div')).toHaveText('task');
  await expect(body.locator('blockquote')).toHaveText('quoted');
  await page.keyboard.type('```');
  await page.keyboard.press('Space');
  await page.keyboard.type('const x = 1;');
  await expect(body.locator('pre code')).toHaveText('const x = 1;');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Enter');
  await page.keyboard.type('---');
  await expect(body.locator('hr')).toHaveCount(1);

  // Shortcuts on a selection.
  await page.keyboard.type('shortcut text');
  await selectCurrentBlock(page);
  await page.keyboard.press('ControlOrMeta+b');
  await page.keyboard.press('ControlOrMeta+i');
  await page.keyboard.press('ControlOrMeta+u');
  const last = body.locator('p').last();
  await expect(last.locator('strong')).toHaveText('shortcut text');
  await expect(last.locator('em')).toHaveText('shortcut text');
  await expect(last.locator('u')).toHaveText('shortcut text');
  await page.keyboard.press('ControlOrMeta+Alt+2');
  await expect(body.locator('h2').last()).toHaveText('shortcut text');
  await page.keyboard.press('ControlOrMeta+Shift+e');
  await expect(body.locator('h2[style*="text-align: center"]')).toHaveCount(1);
  await expect(saveStatusOf(page)).toHaveText('Saved');
});
