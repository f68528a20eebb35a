import { CLIPBOARD_SOURCES, clipboardHtml } from '../testing/clipboardFixtures';
import { saveStatusOf } from './app-helpers';
import { createDocument, editorOf, expect, test } from './fixtures';

for (const source of CLIPBOARD_SOURCES) {
  test(`pasting ${source}'s HTML gives nested bulleted and numbered lists and real marks, not marker characters`, async ({ sharedApp: app, page }) => {
    await createDocument(page, app);
    const body = editorOf(page);
    await body.click();
    // A paste as Chromium delivers one: a ClipboardEvent whose DataTransfer holds the program's HTML.
    await body.evaluate((element, html) => {
      const data = new DataTransfer();
      data.setData('text/html', html);
      data.setData('text/plain', 'plain text the editor must not use');
      element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, clipboardHtml(source));

    await expect(body.locator(':scope > ul > li > ul > li > ul > li')).toHaveText('Sour');
    await expect(body.locator(':scope > ul > li > ul > li > p')).toHaveText('Green Granny Smith');
    await expect(body.locator(':scope > ul > li > ul > li strong')).toHaveText('Granny Smith');
    await expect(body.locator(':scope > ul > li > p')).toHaveText(['Apples', 'Pears']);
    await expect(body.locator(':scope > ul > li > p em')).toHaveText('Pears');
    await expect(body.locator(':scope > ol > li > p')).toHaveText(['Wash', 'Eat']);
    await expect(body.locator(':scope > ol > li > ol > li')).toHaveText('In cold water');
    for (const [tag, text] of [
      ['strong', 'bold'],
      ['em', 'italic'],
      ['u', 'underlined'],
      ['s', 'struck'],
    ]) {
      await expect(body.locator(`:scope > p ${tag}`).first()).toHaveText(text);
    }
    await expect(body.locator(':scope > p strong').last()).toHaveText('The end');
    const text = (await body.textContent()) ?? '';
    for (const marker of ['·', '§', 'plain text the editor must not use']) expect(text).not.toContain(marker);
    expect(text).not.toMatch(/\bo\s+Green/);
    await expect(saveStatusOf(page)).toHaveText('Saved');
  });
}
