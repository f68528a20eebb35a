import { CLIPBOARD_SOURCES, clipboardHtml, STYLED_CLIPBOARD_HTML } from '../testing/clipboardFixtures';
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

test("pasting Word's, Google Docs' and LibreOffice's coloured, sized and highlighted text shows it so", async ({ sharedApp: app, page }) => {
  await createDocument(page, app);
  const body = editorOf(page);
  const red = { word: 'rgb(192, 0, 0)', 'google-docs': 'rgb(255, 0, 0)', libreoffice: 'rgb(201, 33, 30)' };
  for (const source of CLIPBOARD_SOURCES) {
    await body.click();
    await page.keyboard.press('Control+End');
    await body.evaluate((element, html) => {
      const data = new DataTransfer();
      data.setData('text/html', html);
      element.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
    }, STYLED_CLIPBOARD_HTML[source]);
    const styled = body.getByText('styled words').last();
    await expect(styled, source).toHaveCSS('color', red[source]);
    // 14pt, in pixels as the browser gives it.
    await expect(styled, source).toHaveCSS('font-size', '18.6667px');
    await expect(styled, source).toHaveCSS('background-color', 'rgb(255, 255, 0)');
    await expect(body.getByText('coloured words').last(), source).toHaveCSS('color', 'rgb(255, 0, 0)');
    await expect(body.getByText('styled words'), source).toHaveCount(CLIPBOARD_SOURCES.indexOf(source) + 1);
  }
  await expect(saveStatusOf(page)).toHaveText('Saved');
});
