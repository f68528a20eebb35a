import type { Node } from '@tiptap/pm/model';
import PDFDocument from 'pdfkit';
import { absoluteImageSrc } from '../../../shared/imagePaths';

/**
 * A document node as a PDF, drawn with pdfkit from the document tree (no browser, no print
 * dialog): headings, paragraphs, bold/italic/underline/strike/code, links, lists at any depth,
 * quotes, code blocks, tables (one line per row) and rules. The standard PDF fonts are used, so
 * the file needs no font files; they cover Latin scripts. An image is a link to its address.
 */
export function exportPdf(body: Node, title: string, imageBase?: string): Promise<Uint8Array> {
  const pdf = new PDFDocument({ size: 'A4', margin: 56, info: { Title: title }, bufferPages: false });
  const chunks: Buffer[] = [];
  const done = new Promise<Uint8Array>((resolve, reject) => {
    pdf.on('data', (chunk: Buffer) => chunks.push(chunk));
    pdf.on('end', () => resolve(new Uint8Array(Buffer.concat(chunks))));
    pdf.on('error', reject);
  });
  if (title) {
    pdf.font(FONTS.bold).fontSize(22).text(title);
    pdf.moveDown(0.5);
  }
  drawBlocks(pdf, body, { indent: 0, imageBase });
  pdf.end();
  return done;
}

interface Place {
  indent: number;
  imageBase: string | undefined;
  prefix?: string;
}

const FONTS = { regular: 'Helvetica', bold: 'Helvetica-Bold', italic: 'Helvetica-Oblique', boldItalic: 'Helvetica-BoldOblique', code: 'Courier' };
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
      drawInline(pdf, node, { x, width, size, bold: true, align: node.attrs.textAlign, prefix: place.prefix, imageBase: place.imageBase });
      pdf.moveDown(0.2);
      return;
    }
    case 'paragraph':
      drawInline(pdf, node, { x, width, size: BODY_SIZE, bold: false, align: node.attrs.textAlign, prefix: place.prefix, imageBase: place.imageBase });
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
    case 'codeBlock':
      pdf
        .font(FONTS.code)
        .fontSize(BODY_SIZE - 1)
        .fillColor('black')
        .text(node.textContent, x, pdf.y, { width, lineGap: 1 });
      pdf.moveDown(0.4);
      return;
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
        pdf
          .font(row.firstChild?.type.name === 'tableHeader' ? FONTS.bold : FONTS.regular)
          .fontSize(BODY_SIZE)
          .fillColor('black')
          .text(cells.join('  |  '), x, pdf.y, { width });
      });
      pdf.moveDown(0.4);
      return;
    case 'image':
      drawInline(pdf, { forEach: (visit: (child: Node) => void) => visit(node) } as unknown as Node, {
        x,
        width,
        size: BODY_SIZE,
        bold: false,
        imageBase: place.imageBase,
      });
      pdf.moveDown(0.4);
      return;
    default:
      if (node.isTextblock) drawInline(pdf, node, { x, width, size: BODY_SIZE, bold: false, imageBase: place.imageBase });
      else drawBlocks(pdf, node, place);
  }
}

interface Line {
  x: number;
  width: number;
  size: number;
  bold: boolean;
  align?: unknown;
  prefix?: string;
  imageBase: string | undefined;
}

/** A text block's runs, each in its marks' font, continued on one flowing paragraph. */
function drawInline(pdf: PDFKit.PDFDocument, node: Node, line: Line): void {
  const runs: Array<{ text: string; font: string; link?: string; underline?: boolean; strike?: boolean }> = [];
  if (line.prefix) runs.push({ text: line.prefix, font: line.bold ? FONTS.bold : FONTS.regular });
  node.forEach((child) => {
    if (child.type.name === 'hardBreak') runs.push({ text: '\n', font: FONTS.regular });
    else if (child.type.name === 'image') {
      const src = typeof child.attrs.src === 'string' ? absoluteImageSrc(child.attrs.src, line.imageBase) : '';
      runs.push({ text: `[image${child.attrs.alt ? `: ${child.attrs.alt}` : ''}]`, font: FONTS.italic, ...(/^https?:\/\//.test(src) ? { link: src } : {}) });
    } else if (child.isText) {
      const has = (name: string) => child.marks.some((mark) => mark.type.name === name);
      const bold = line.bold || has('bold');
      const font = has('code') ? FONTS.code : bold && has('italic') ? FONTS.boldItalic : bold ? FONTS.bold : has('italic') ? FONTS.italic : FONTS.regular;
      const href = child.marks.find((mark) => mark.type.name === 'link')?.attrs.href;
      runs.push({
        text: child.text ?? '',
        font,
        underline: has('underline') || typeof href === 'string',
        strike: has('strike'),
        ...(typeof href === 'string' ? { link: href } : {}),
      });
    }
  });
  if (runs.length === 0) runs.push({ text: ' ', font: FONTS.regular });
  const align = (['left', 'center', 'right', 'justify'] as const).find((value) => value === line.align) ?? 'left';
  runs.forEach((run, index) => {
    pdf
      .font(run.font)
      .fontSize(line.size)
      .fillColor(run.link ? '#1a56db' : 'black');
    const options = {
      width: line.width,
      align,
      continued: index < runs.length - 1,
      underline: run.underline ?? false,
      strike: run.strike ?? false,
      link: run.link,
    };
    if (index === 0) pdf.text(run.text, line.x, pdf.y, options);
    else pdf.text(run.text, options);
  });
  pdf.fillColor('black');
}
