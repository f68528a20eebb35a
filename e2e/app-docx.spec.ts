import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { Document, HeadingLevel, Packer, Paragraph, TextRun } from 'docx';
import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { chooseFromDocumentMenu, freshPage, saveStatusOf, titleOf } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/** A Word file as another program writes it (the docx package): a heading, bold words and a bulleted list. */
async function wordFile(): Promise<Buffer> {
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.HEADING_1, text: 'Site survey' }),
          new Paragraph({ children: [new TextRun('The roof is '), new TextRun({ text: 'sound', bold: true }), new TextRun('.')] }),
          new Paragraph({ text: 'gutters', bullet: { level: 0 } }),
          new Paragraph({ text: 'chimney', bullet: { level: 0 } }),
        ],
      },
    ],
  });
  return Packer.toBuffer(document);
}

/** Downloads from the document menu; returns the file's name and bytes. */
async function download(page: Page, item: RegExp): Promise<{ name: string; bytes: Buffer }> {
  const downloaded = page.waitForEvent('download');
  await chooseFromDocumentMenu(page, item);
  const file = await downloaded;
  return { name: file.suggestedFilename(), bytes: await readFile(await file.path()) };
}

test('a Word file imports as a new document, and the menu downloads it as Word and PDF files made by the server', async ({ sharedApp: app, browser }) => {
  const page = await freshPage(browser);
  await page.goto(app.url);
  await page.getByLabel('Markdown file to import').setInputFiles({
    name: 'Survey.docx',
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    buffer: await wordFile(),
  });
  await page.waitForURL(/\/d\/[^/]+#.+/);
  // The leading heading becomes the title, as with Markdown and HTML files.
  await expect(titleOf(page)).toHaveValue('Site survey');
  await expect(editorOf(page).locator('h1')).toHaveCount(0);
  await expect(editorOf(page).locator('strong')).toHaveText('sound');
  await expect(editorOf(page).locator('ul li')).toHaveText(['gutters', 'chimney']);
  await expect(saveStatusOf(page)).toHaveText('Saved');

  const word = await download(page, /Word/);
  expect(word.name).toBe('Site survey.docx');
  expect(word.bytes.subarray(0, 2).toString()).toBe('PK');
  const { value } = await mammoth.convertToHtml({ buffer: word.bytes });
  expect(value).toBe('<h1>Site survey</h1><p>The roof is <strong>sound</strong>.</p><ul><li>gutters</li><li>chimney</li></ul>');

  const pdf = await download(page, /PDF/);
  expect(pdf.name).toBe('Site survey.pdf');
  expect(pdf.bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const parser = new PDFParse({ data: new Uint8Array(pdf.bytes) });
  const { text } = await parser.getText();
  await parser.destroy();
  expect(text.replace(/\s+/g, ' ')).toContain('Site survey The roof is sound. • gutters • chimney');
});
