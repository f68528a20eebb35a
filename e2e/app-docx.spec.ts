import { readFile } from 'node:fs/promises';
import type { Page } from '@playwright/test';
import { Document, HeadingLevel, ImageRun, Packer, Paragraph, TextRun } from 'docx';
import mammoth from 'mammoth';
import { PDFParse } from 'pdf-parse';
import { checkZip, DOCX_ZIP_LIMITS } from '../collab-server/conversion/docx/zipLimits';
import { pngImage } from '../testing/images';
import { chooseFromDocumentMenu, freshPage, saveStatusOf, titleOf } from './app-helpers';
import { editorOf, expect, test } from './fixtures';

/** A Word file as another program writes it (the docx package): a heading, bold words in red at 14 points on a cyan highlight, and a bulleted list. */
async function wordFile(): Promise<Buffer> {
  const document = new Document({
    sections: [
      {
        children: [
          new Paragraph({ heading: HeadingLevel.HEADING_1, text: 'Site survey' }),
          new Paragraph({
            children: [new TextRun('The roof is '), new TextRun({ text: 'sound', bold: true, color: 'CC0000', size: 28, highlight: 'cyan' }), new TextRun('.')],
          }),
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

test('a Word file imports as a new document with its text colour, size and highlight, and the menu downloads it as Word and PDF files made by the server', async ({
  sharedApp: app,
  browser,
}) => {
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
  // Its colour, size (14pt, in pixels as the browser gives it) and highlight are kept and rendered.
  const styled = editorOf(page).getByText('sound');
  await expect(styled).toHaveCSS('color', 'rgb(204, 0, 0)');
  await expect(styled).toHaveCSS('font-size', '18.6667px');
  await expect(styled).toHaveCSS('background-color', 'rgb(0, 255, 255)');
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

test('a Word file with a picture imports with the picture shown in the editor, and the Word download holds the picture itself', async ({
  sharedApp: app,
  browser,
}) => {
  const png = pngImage(120, 80, [30, 140, 60]);
  const file = await Packer.toBuffer(
    new Document({
      sections: [
        {
          children: [
            new Paragraph({ heading: HeadingLevel.HEADING_1, text: 'Garden plan' }),
            new Paragraph('The beds, from above:'),
            new Paragraph({
              children: [
                new ImageRun({
                  type: 'png',
                  data: png,
                  transformation: { width: 120, height: 80 },
                  altText: { name: 'beds', description: 'the vegetable beds' },
                }),
              ],
            }),
            new Paragraph('Water on Sundays.'),
          ],
        },
      ],
    }),
  );
  const page = await freshPage(browser);
  await page.goto(app.url);
  await page.getByLabel('Markdown file to import').setInputFiles({
    name: 'Garden.docx',
    mimeType: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
    buffer: file,
  });
  await page.waitForURL(/\/d\/[^/]+#.+/);
  await expect(titleOf(page)).toHaveValue('Garden plan');
  // The picture is one of the document's stored images, loaded from the server, with its alt text.
  const picture = editorOf(page).locator('img');
  await expect(picture).toHaveCount(1);
  await expect(picture).toHaveAttribute('alt', 'the vegetable beds');
  await expect(picture).toHaveAttribute('src', /^\/images\/[^/]+\/[0-9a-f]{64}\.[A-Za-z0-9_-]{22}$/);
  await expect.poll(() => picture.evaluate((image: HTMLImageElement) => `${image.naturalWidth}x${image.naturalHeight}`)).toBe('120x80');
  await expect(editorOf(page).locator(':scope > *').last()).toHaveText('Water on Sundays.');
  await expect(saveStatusOf(page)).toHaveText('Saved');

  const word = await download(page, /Word/);
  // The file holds the picture's own bytes, as a picture (not a link), with its alt text.
  const media = checkZip(word.bytes, DOCX_ZIP_LIMITS).filter((entry) => entry.name.startsWith('word/media/'));
  expect(media.map((entry) => entry.uncompressedBytes)).toEqual([png.byteLength]);
  const { value } = await mammoth.convertToHtml({ buffer: word.bytes });
  const embedded = /<img alt="the vegetable beds" src="data:image\/png;base64,([^"]+)" \/>/.exec(value);
  expect(embedded, value.slice(0, 300)).not.toBeNull();
  expect(Buffer.from(embedded?.[1] ?? '', 'base64').equals(png)).toBe(true);
});
