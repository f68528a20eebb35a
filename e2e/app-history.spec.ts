import type { Page } from '@playwright/test';
import { bodyTextOf, freshPage, linkParts, saveStatusOf, typeInBody } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

/** Version history in the editor: name, compare, restore, as two people in two browsers. */

const historyOf = (page: Page) => page.getByRole('dialog', { name: 'Version history' });
const versionItem = (page: Page, name: string | RegExp) => historyOf(page).getByRole('list', { name: 'Versions' }).getByRole('button', { name });

async function openHistory(page: Page): Promise<void> {
  await page.getByRole('button', { name: 'Version history' }).click();
  await expect(historyOf(page)).toBeVisible();
}

async function closeHistory(page: Page): Promise<void> {
  await historyOf(page).getByRole('button', { name: 'Back to the document' }).click();
  await expect(historyOf(page)).toBeHidden();
}

test('name a version, edit more, compare with the current document, restore it for everyone; history outlives a restart', async ({ app, page, browser }) => {
  const url = await createDocument(page, app);
  await typeInBody(page, 'First draft of the plan.');
  await expect(saveStatusOf(page)).toHaveText('Saved');

  await openHistory(page);
  await historyOf(page).getByRole('button', { name: 'Name current version' }).click();
  await page.getByRole('textbox', { name: 'Version name' }).fill('Draft one');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(versionItem(page, /Draft one/)).toBeVisible();
  await expect(historyOf(page).getByRole('document')).toHaveText('First draft of the plan.');
  await closeHistory(page);

  await typeInBody(page, ' Extra words added later.');
  await expect(saveStatusOf(page)).toHaveText('Saved');

  // A second person has the document open in another browser.
  const other = await freshPage(browser);
  await other.goto(url);
  await expect.poll(() => bodyTextOf(other)).toBe('First draft of the plan. Extra words added later.');

  // Compare the named version with the current document: the later words are the insertion.
  await openHistory(page);
  await versionItem(page, /Draft one/).click();
  await historyOf(page).getByRole('checkbox', { name: 'Compare with current' }).check();
  const comparison = historyOf(page).getByRole('document', { name: /changes since the selected version/ });
  await expect(comparison.locator('.diff-inserted')).toHaveText(/Extra words added later\./);
  await expect(historyOf(page).getByText(/Since this version: 1 insertion, 0 deletions/)).toBeVisible();

  // Restore it: a new change, which the other browser receives without doing anything.
  await historyOf(page).getByRole('button', { name: 'Restore this version' }).click();
  await page.getByRole('dialog', { name: 'Restore this version?' }).getByRole('button', { name: 'Restore' }).click();
  await expect(
    historyOf(page)
      .getByRole('status')
      .filter({ hasText: /Restored the version/ }),
  ).toBeVisible();
  await expect.poll(() => bodyTextOf(other)).toBe('First draft of the plan.');
  // Nothing is lost: the state restored over is a version, and the restore says what it restored.
  await expect(versionItem(page, /Restored from Draft one/)).toBeVisible();
  await expect(historyOf(page).getByRole('list', { name: 'Versions' }).getByRole('listitem')).toHaveCount(3);
  await versionItem(page, /Restored from Draft one/).click();
  await expect(historyOf(page).getByRole('document')).toHaveText('First draft of the plan.');
  const before = historyOf(page).getByRole('list', { name: 'Versions' }).getByRole('listitem').nth(1);
  await before.getByRole('button').click();
  await expect(historyOf(page).getByRole('document')).toHaveText('First draft of the plan. Extra words added later.');
  await closeHistory(page);
  await expect.poll(() => bodyTextOf(page)).toBe('First draft of the plan.');

  // After a restart the history is still there, and a version still opens as it was.
  await app.restart();
  await other.reload();
  await expect(editorOf(other)).toBeVisible();
  await openHistory(other);
  await expect(historyOf(other).getByRole('list', { name: 'Versions' }).getByRole('listitem')).toHaveCount(3);
  await versionItem(other, /Draft one/)
    .filter({ hasNotText: 'Restored' })
    .click();
  await expect(historyOf(other).getByRole('document')).toHaveText('First draft of the plan.');
  await other.context().close();
});

test('a view-only link browses history but is not offered naming or restoring', async ({ app, page, browser }) => {
  const url = await createDocument(page, app);
  await typeInBody(page, 'Reviewed text.');
  await expect(saveStatusOf(page)).toHaveText('Saved');
  await openHistory(page);
  await historyOf(page).getByRole('button', { name: 'Name current version' }).click();
  await page.getByRole('textbox', { name: 'Version name' }).fill('For review');
  await page.getByRole('button', { name: 'Save' }).click();
  await expect(versionItem(page, /For review/)).toBeVisible();

  const { name, key } = linkParts(url);
  const shown = await page.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/links`, { data: { key } });
  const view = ((await shown.json()) as { links: Array<{ kind: string; secret: string }> }).links.find((link) => link.kind === 'view')?.secret as string;

  const viewer = await freshPage(browser);
  await viewer.goto(`${app.url}/d/${encodeURIComponent(name)}#${view}`);
  await expect(editorOf(viewer)).toBeVisible();
  await openHistory(viewer);
  await expect(versionItem(viewer, /For review/)).toBeVisible();
  await expect(historyOf(viewer).getByRole('document')).toHaveText('Reviewed text.');
  await expect(historyOf(viewer).getByRole('checkbox', { name: 'Compare with current' })).toBeVisible();
  await expect(historyOf(viewer).getByRole('button', { name: 'Restore this version' })).toHaveCount(0);
  await expect(historyOf(viewer).getByRole('button', { name: /Name current version|Name this version|Rename/ })).toHaveCount(0);
  // The server refuses too, whatever a page shows.
  const refused = await viewer.request.post(`${app.url}/api/app/documents/${encodeURIComponent(name)}/history/restore`, {
    data: { key: view, id: 1, userName: 'Viewer' },
  });
  expect(refused.status()).toBe(403);
  await viewer.context().close();
});
