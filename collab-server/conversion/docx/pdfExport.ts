import type { Node } from '@tiptap/pm/model';
import PDFDocument from 'pdfkit';
import { absoluteImageSrc } from '../../../shared/imagePaths';
import { type ExportImages, type Picture, PictureLookup } from './embeddedImages';
import { type FontStyle, PdfFonts } from './pdfFonts';

/**
 * A document node as a PDF, drawn with pdfkit from the document tree (no browser, no print
 * dialog) on A4 pages as the print layout has them: headings, paragraphs, bold/italic/underline/
 * strike/code, text colour and size, links, lists at any depth, quotes, code blocks, tables (one
 * line per row), rules, and pictures. Text is in Noto Sans, embedded (Latin, Greek, Cyrillic…),
 * with a system font for scripts it lacks where there is one (`pdfFonts.ts`). A stored PNG or
 * JPEG picture of the document (its bytes in `images`) is drawn at its size; any other image is a
 * link to its address.
 */
export function exportPdf(body: Node, title: string, imageBase?: string, images?: ExportImages): Promise<Uint8Array> {
  const pdf = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title }, bufferPages: false });
  const fonts = new PdfFonts(pdf);
  const pictures = new PictureLookup(images);
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    pdf.on('error', reject);
  });
  if (title) {
    drawInline(pdf, { forEach: (visit: (child: Node) => void) => visit(body.type.schema.text(title)) } as unknown as Node, {
      x: pdf.page.margins.left,
      width: pdf.page.width - pdf.page.margins.left - pdf.page.margins.right,
      size: 22,
      bold: true,
      imageBase,
      fonts,
    });
    pdf.moveDown(0.5);
  }
  drawBlocks(pdf, body, { indent: 0, imageBase, fonts, pictures });
  pdf.end();
  return done;
}

interface Place {
  indent: number;
  imageBase: string | undefined;
  fonts: PdfFonts;
  pictures: PictureLookup;
  prefix?: string;
}
const HEADING_SIZES = [20, 16, 14, 12, 11, 11];
const BODY_SIZE = 11;
const LIST_INDENT = 18;

function drawBlocks(pdf: PDFKit.PDFDocument, parent: Node, place: Place): void {
  parent.forEach((node) => {
    drawBlock(pdf, node, place);
  });
}

function drawBlock(pdf: PDFKit.PDFDocument, node: Node, place: Place): void {
  const x = pdf.page.margins.left + place.indent;
  const width = pdf.page.width - pdf.page.margins.right - x;
  switch (node.type.name) {
    case 'heading': {
      const size = HEADING_SIZES[Math.min(Math.max(Number(node.attrs.level) || 1, 1), 6) - 1];
      pdf.moveDown(0.3);
      drawInline(pdf, node, {
        x: x + indentOf(node),
        width: width - indentOf(node),
        size,
        bold: true,
        align: node.attrs.textAlign,
        prefix: place.prefix,
        ...place,
      });
      pdf.moveDown(0.2);
      return;
    }
    case 'paragraph':
      drawInline(pdf, node, {
        x: x + indentOf(node),
        width: width - indentOf(node),
        size: BODY_SIZE,
        bold: false,
        align: node.attrs.textAlign,
        prefix: place.prefix,
        ...place,
      });
      pdf.moveDown(0.4);
      return;
    case 'blockquote': {
      const top = pdf.y;
      drawBlocks(pdf, node, { ...place, indent: place.indent + LIST_INDENT });
      if (pdf.y > top)
        pdf
          .save()
          .moveTo(x + 4, top)
          .lineTo(x + 4, pdf.y)
          .lineWidth(2)
          .strokeColor('#aaaaaa')
          .stroke()
          .restore();
      return;
    }
    case 'codeBlock': {
      const pieces = place.fonts.pieces(node.textContent, 'code');
      pieces.forEach((piece, index) => {
        pdf
          .font(piece.font)
          .fontSize(BODY_SIZE - 1)
          .fillColor('black');
        const options = { width, lineGap: 1, continued: index < pieces.length - 1 };
        if (index === 0) pdf.text(piece.text, x, pdf.y, options);
        else pdf.text(piece.text, options);
      });
      pdf.moveDown(0.4);
      return;
    }
    case 'horizontalRule':
      pdf
        .save()
        .moveTo(x, pdf.y)
        .lineTo(x + width, pdf.y)
        .lineWidth(0.5)
        .strokeColor('#999999')
        .stroke()
        .restore();
      pdf.moveDown(0.6);
      return;
    case 'bulletList':
    case 'orderedList':
    case 'taskList': {
      let number = Number(node.attrs.start) || 1;
      node.forEach((item) => {
        const marker = node.type.name === 'orderedList' ? `${number++}. ` : item.type.name === 'taskItem' ? (item.attrs.checked ? '[x] ' : '[ ] ') : '• ';
        item.forEach((child, _offset, index) => {
          drawBlock(pdf, child, { ...place, indent: place.indent + LIST_INDENT, prefix: index === 0 ? marker : undefined });
        });
      });
      return;
    }
    case 'table':
      node.forEach((row) => {
        const cells: string[] = [];
        row.forEach((cell) => {
          cells.push(cell.textContent);
        });
        const text = row.type.schema.text(cells.join('  |  ') || ' ');
        drawInline(pdf, { forEach: (visit: (child: Node) => void) => visit(text) } as unknown as Node, {
          ...place,
          x,
          width,
          size: BODY_SIZE,
          bold: row.firstChild?.type.name === 'tableHeader',
        });
      });
      pdf.moveDown(0.4);
      return;
    case 'image': {
      // Pictures are sized in CSS pixels, 0.75 points each.
      const picture = place.pictures.of(node, width / 0.75);
      if (!picture || !drawPicture(pdf, picture, x))
        drawInline(pdf, { forEach: (visit: (child: Node) => void) => visit(node) } as unknown as Node, { ...place, x, width, size: BODY_SIZE, bold: false });
      pdf.moveDown(0.4);
      return;
    }
    default:
      if (node.isTextblock) drawInline(pdf, node, { ...place, x, width, size: BODY_SIZE, bold: false });
      else drawBlocks(pdf, node, place);
  }
}

/**
 * Pixels of the largest picture drawn: pdfkit unpacks a PNG with transparency to its pixels (four
 * bytes each), so this bounds what one picture costs; a larger one is a link.
 */
const MAX_DRAWN_PIXELS = 12_000_000;

/** Draws a PNG or JPEG picture at `x`, on the next page when it does not fit; false when it is not drawn (another format, too many pixels, a file pdfkit cannot read). */
function drawPicture(pdf: PDFKit.PDFDocument, picture: Picture, x: number): boolean {
  if ((picture.type !== 'image/png' && picture.type !== 'image/jpeg') || picture.pixels > MAX_DRAWN_PIXELS) return false;
  // pdfkit's `openImage` (documented, missing from its types) reads the file before anything is drawn.
  const opener = pdf as unknown as { openImage(src: Buffer): PDFKit.Mixins.ImageSrc };
  let image: PDFKit.Mixins.ImageSrc;
  try {
    image = opener.openImage(Buffer.from(picture.bytes.buffer, picture.bytes.byteOffset, picture.bytes.byteLength));
  } catch {
    // A file the browser shows but pdfkit's reader does not take (a PNG with huge text chunks, say).
    return false;
  }
  // Pictures are sized in CSS pixels, 0.75 points each.
  const size = { width: picture.width * 0.75, height: picture.height * 0.75 };
  if (pdf.y + size.height > pdf.page.height - pdf.page.margins.bottom) pdf.addPage();
  pdf.image(image, x, pdf.y, size);
  pdf.y += size.height;
  return true;
}

interface Line {
  x: number;
  width: number;
  size: number;
  bold: boolean;
  align?: unknown;
  prefix?: string;
  imageBase: string | undefined;
  fonts: PdfFonts;
}

interface Run {
  text: string;
  style: FontStyle;
  link?: string;
  underline?: boolean;
  strike?: boolean;
  color?: string;
  size?: number;
}

/** The left indent of a paragraph or heading with `indent` steps: half an inch each, as the editor shows it. */
function indentOf(node: Node): number {
  return (Number(node.attrs.indent) || 0) * 36;
}

/** A text block's runs, each in its marks' font, colour and size, continued on one flowing paragraph. */
function drawInline(pdf: PDFKit.PDFDocument, node: Node, line: Line): void {
  const runs: Run[] = [];
  if (line.prefix) runs.push({ text: line.prefix, style: line.bold ? 'bold' : 'regular' });
  node.forEach((child) => {
    if (child.type.name === 'hardBreak') runs.push({ text: '\n', style: 'regular' });
    else if (child.type.name === 'image') {
      const src = typeof child.attrs.src === 'string' ? absoluteImageSrc(child.attrs.src, line.imageBase) : '';
      runs.push({ text: `[image${child.attrs.alt ? `: ${child.attrs.alt}` : ''}]`, style: 'italic', ...(/^https?:\/\//.test(src) ? { link: src } : {}) });
    } else if (child.isText) {
      const has = (name: string) => child.marks.some((mark) => mark.type.name === name);
      const bold = line.bold || has('bold');
      const style = has('code') ? 'code' : bold && has('italic') ? 'boldItalic' : bold ? 'bold' : has('italic') ? 'italic' : 'regular';
      const href = child.marks.find((mark) => mark.type.name === 'link')?.attrs.href;
      const textStyle = child.marks.find((mark) => mark.type.name === 'textStyle')?.attrs;
      const size = Number.parseFloat(String(textStyle?.fontSize ?? ''));
      runs.push({
        text: child.text ?? '',
        style,
        underline: has('underline') || typeof href === 'string',
        strike: has('strike'),
        ...(typeof href === 'string' ? { link: href } : {}),
        ...(typeof textStyle?.color === 'string' && /^#[0-9a-f]{6}$/i.test(textStyle.color) ? { color: textStyle.color } : {}),
        ...(size > 0 ? { size } : {}),
      });
    }
  });
  if (runs.length === 0) runs.push({ text: ' ', style: 'regular' });
  const align = (['left', 'center', 'right', 'justify'] as const).find((value) => value === line.align) ?? 'left';
  // Each run in the fonts that have its characters.
  const pieces = runs.flatMap((run) => line.fonts.pieces(run.text, run.style).map((piece) => ({ ...run, ...piece })));
  pieces.forEach((run, index) => {
    pdf
      .font(run.font)
      .fontSize(run.size ?? line.size)
      .fillColor(run.link ? '#1a56db' : (run.color ?? 'black'));
    const options = {
      width: line.width,
      align,
      continued: index < pieces.length - 1,
      underline: run.underline ?? false,
      strike: run.strike ?? false,
      link: run.link,
    };
    if (index === 0) pdf.text(run.text, line.x, pdf.y, options);
    else pdf.text(run.text, options);
  });
  pdf.fillColor('black');
}
