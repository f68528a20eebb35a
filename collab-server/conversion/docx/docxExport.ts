import type { Mark, Node } from '@tiptap/pm/model';
import {
  AlignmentType,
  BorderStyle,
  Document,
  ExternalHyperlink,
  HeadingLevel,
  ImageRun,
  type IRunOptions,
  LevelFormat,
  Packer,
  Paragraph,
  type ParagraphChild,
  ShadingType,
  Table,
  TableCell,
  TableRow,
  TextRun,
  WidthType,
} from 'docx';
import { INDENT_STEP_PT } from '../../../shared/formatPalette';
import { absoluteImageSrc } from '../../../shared/imagePaths';
import { type ExportImages, PictureLookup } from './embeddedImages';

/**
 * A document node as a .docx file (Word, LibreOffice, Google Docs): headings, paragraphs with
 * their alignment and indent, bold/italic/underline/strike/code, text colour, font size and
 * highlight colour, links, bullet, numbered and task lists at any depth, quotes, code blocks,
 * tables and horizontal rules. A stored image of the document (its bytes in `images`) is embedded
 * as a picture at its size, with its description as alt text; any other image (an outside
 * address, a WebP file Word cannot show) becomes a link to its address on this server
 * (`imageBase`), with its description as the link's text.
 */
export async function exportDocx(body: Node, title: string, imageBase?: string, images?: ExportImages): Promise<Uint8Array> {
  const context: Context = { imageBase, lists: 0, pictures: new PictureLookup(images) };
  // The title leads as a level-1 heading, as in the Markdown and HTML exports, so an import gives it back as the title.
  const titled = title.trim() ? [new Paragraph({ heading: HeadingLevel.HEADING_1, children: [new TextRun(title.trim())] })] : [];
  const children = [...titled, ...blocks(body, context, { depth: 0, quote: false })];
  const document = new Document({
    title,
    numbering: {
      config: Array.from({ length: context.lists }, (_, index) => ({ reference: `ordered-${index}`, levels: ORDERED_LEVELS })),
    },
    styles: {
      paragraphStyles: [{ id: 'Code', name: 'Code', basedOn: 'Normal', run: { font: 'Courier New', size: 20 }, paragraph: { spacing: { after: 0 } } }],
    },
    sections: [{ children: children.length > 0 ? children : [new Paragraph('')] }],
  });
  return new Uint8Array(await Packer.toBuffer(document));
}

interface Context {
  imageBase: string | undefined;
  pictures: PictureLookup;
  /** Numbered lists so far: each gets its own numbering, so each starts at its own first number. */
  lists: number;
}

/** Where a block sits: how deep in lists, and whether in a quote. */
interface Place {
  depth: number;
  quote: boolean;
  list?: { reference: string } | 'bullet';
  /** The numbering of the outermost numbered list this block is in: nested numbered lists are its deeper levels, so readers keep them one list. */
  numbering?: string;
  prefix?: string;
}

const ORDERED_LEVELS = Array.from({ length: 9 }, (_, level) => ({
  level,
  format: [LevelFormat.DECIMAL, LevelFormat.LOWER_LETTER, LevelFormat.LOWER_ROMAN][level % 3],
  text: `%${level + 1}.`,
  alignment: AlignmentType.START,
  style: { paragraph: { indent: { left: 720 * (level + 1), hanging: 360 } } },
}));

const HEADINGS = [
  HeadingLevel.HEADING_1,
  HeadingLevel.HEADING_2,
  HeadingLevel.HEADING_3,
  HeadingLevel.HEADING_4,
  HeadingLevel.HEADING_5,
  HeadingLevel.HEADING_6,
];

const ALIGNMENTS: Record<string, (typeof AlignmentType)[keyof typeof AlignmentType]> = {
  left: AlignmentType.LEFT,
  center: AlignmentType.CENTER,
  right: AlignmentType.RIGHT,
  justify: AlignmentType.JUSTIFIED,
};

/** The Word blocks of `parent`'s children. */
function blocks(parent: Node, context: Context, place: Place): Array<Paragraph | Table> {
  const out: Array<Paragraph | Table> = [];
  parent.forEach((node) => {
    out.push(...block(node, context, place));
  });
  return out;
}

function block(node: Node, context: Context, place: Place): Array<Paragraph | Table> {
  const quote = place.quote ? { indent: { left: 720 }, border: { left: { style: BorderStyle.SINGLE, size: 12, color: 'AAAAAA', space: 8 } } } : {};
  const listing =
    place.list === 'bullet'
      ? { bullet: { level: Math.min(place.depth - 1, 8) } }
      : place.list
        ? { numbering: { reference: place.list.reference, level: Math.min(place.depth - 1, 8) } }
        : {};
  switch (node.type.name) {
    case 'paragraph':
    case 'heading': {
      const heading = node.type.name === 'heading' ? { heading: HEADINGS[Math.min(Math.max(Number(node.attrs.level) || 1, 1), 6) - 1] } : {};
      const alignment = ALIGNMENTS[node.attrs.textAlign as string];
      const prefix = place.prefix ? [new TextRun(place.prefix)] : [];
      const steps = Number(node.attrs.indent) || 0;
      // One indent step is INDENT_STEP_PT points, 20 twips each; a quote's own indent adds to it.
      const indent = steps > 0 && !place.list ? { indent: { left: steps * INDENT_STEP_PT * 20 + (place.quote ? 720 : 0) } } : {};
      return [
        new Paragraph({ ...heading, ...quote, ...indent, ...listing, ...(alignment ? { alignment } : {}), children: [...prefix, ...inline(node, context)] }),
      ];
    }
    case 'blockquote':
      return blocks(node, context, { ...place, quote: true });
    case 'codeBlock':
      return node.textContent
        .split('\n')
        .map((line) => new Paragraph({ style: 'Code', ...quote, children: [new TextRun({ text: line, font: 'Courier New' })] }));
    case 'horizontalRule':
      return [new Paragraph({ border: { bottom: { style: BorderStyle.SINGLE, size: 6, color: '999999', space: 1 } }, children: [] })];
    case 'bulletList':
    case 'taskList':
      return listItems(node, context, place, 'bullet');
    case 'orderedList':
      return listItems(node, context, place, { reference: place.numbering ?? `ordered-${context.lists++}` });
    case 'image':
      return [new Paragraph({ ...quote, children: [image(node, context)] })];
    case 'table':
      return [table(node, context)];
    default:
      return node.isTextblock ? [new Paragraph({ children: inline(node, context) })] : blocks(node, context, place);
  }
}

/** A list's items: the first paragraph of an item carries its bullet or number, what follows is indented under it. */
function listItems(list: Node, context: Context, place: Place, kind: Place['list']): Array<Paragraph | Table> {
  const out: Array<Paragraph | Table> = [];
  const depth = place.depth + 1;
  const numbering = kind !== 'bullet' && kind ? kind.reference : place.numbering;
  list.forEach((item) => {
    item.forEach((child, _offset, index) => {
      if (index === 0 && child.isTextblock) {
        const prefix = item.type.name === 'taskItem' ? (item.attrs.checked ? '☑ ' : '☐ ') : undefined;
        out.push(...block(child, context, { depth, quote: place.quote, list: kind, prefix }));
      } else if (child.type.name === 'bulletList' || child.type.name === 'orderedList' || child.type.name === 'taskList') {
        out.push(...block(child, context, { depth, quote: place.quote, numbering }));
      } else {
        out.push(...block(child, context, { depth: 0, quote: place.quote }));
      }
    });
  });
  return out;
}

function table(node: Node, context: Context): Table {
  const rows: TableRow[] = [];
  node.forEach((row) => {
    const cells: TableCell[] = [];
    row.forEach((cell) => {
      const content = blocks(cell, context, { depth: 0, quote: false });
      cells.push(
        new TableCell({
          children: content.length > 0 ? content : [new Paragraph('')],
          columnSpan: Number(cell.attrs.colspan) || 1,
          rowSpan: Number(cell.attrs.rowspan) || 1,
        }),
      );
    });
    rows.push(new TableRow({ children: cells, tableHeader: row.firstChild?.type.name === 'tableHeader' }));
  });
  return new Table({ rows, width: { size: 100, type: WidthType.PERCENTAGE } });
}

/** The runs of a text block: each text node with its marks; links wrap their runs. */
function inline(node: Node, context: Context): ParagraphChild[] {
  const out: ParagraphChild[] = [];
  node.forEach((child) => {
    if (child.type.name === 'hardBreak') out.push(new TextRun({ text: '', break: 1 }));
    else if (child.type.name === 'image') out.push(image(child, context));
    else if (child.isText) {
      const run = new TextRun({ text: child.text ?? '', ...runStyle(child.marks) });
      const link = child.marks.find((mark) => mark.type.name === 'link');
      const href = typeof link?.attrs.href === 'string' ? link.attrs.href : null;
      out.push(
        href ? new ExternalHyperlink({ link: href, children: [new TextRun({ text: child.text ?? '', ...runStyle(child.marks), style: 'Hyperlink' })] }) : run,
      );
    }
  });
  return out;
}

function runStyle(marks: readonly Mark[]): Omit<IRunOptions, 'text'> {
  const has = (name: string) => marks.some((mark) => mark.type.name === name);
  const attribute = (mark: string, name: string) => marks.find((each) => each.type.name === mark)?.attrs[name];
  const color = attribute('textStyle', 'color');
  const size = attribute('textStyle', 'fontSize');
  const highlight = attribute('highlight', 'color');
  return {
    ...(typeof color === 'string' && /^#[0-9a-f]{6}$/i.test(color) ? { color: color.slice(1) } : {}),
    // Word counts font sizes in half points.
    ...(typeof size === 'string' && Number.parseFloat(size) > 0 ? { size: Math.round(Number.parseFloat(size) * 2) } : {}),
    ...(has('bold') ? { bold: true } : {}),
    ...(has('italic') ? { italics: true } : {}),
    ...(has('underline') ? { underline: {} } : {}),
    ...(has('strike') ? { strike: true } : {}),
    ...(has('code') ? { font: 'Courier New' } : {}),
    // Word's highlight has 16 named colours; any other colour is the run's shading, which Word and LibreOffice show alike.
    ...(has('highlight')
      ? typeof highlight === 'string' && /^#[0-9a-f]{6}$/i.test(highlight)
        ? { shading: { type: ShadingType.CLEAR, color: 'auto', fill: highlight.slice(1) } }
        : { highlight: 'yellow' }
      : {}),
  };
}

/** Pixels of the widest picture: an A4 page's width within its one-inch margins, at 96 pixels an inch. */
const MAX_PICTURE_WIDTH = 600;

/** An image as a picture in the file when its bytes are at hand and Word shows its format; else as a link. */
function image(node: Node, context: Context): ParagraphChild {
  const picture = context.pictures.of(node, MAX_PICTURE_WIDTH);
  const type = picture ? ({ 'image/png': 'png', 'image/jpeg': 'jpg', 'image/gif': 'gif' } as const)[picture.type as 'image/png'] : undefined;
  if (!picture || !type) return imageLink(node, context);
  const alt = typeof node.attrs.alt === 'string' ? node.attrs.alt : '';
  const title = typeof node.attrs.title === 'string' ? node.attrs.title : '';
  return new ImageRun({
    type,
    data: picture.bytes,
    transformation: { width: picture.width, height: picture.height },
    altText: { name: alt || 'image', description: alt, title },
  });
}

/** An image as a link to where it is stored, named by its description. */
function imageLink(node: Node, context: Context): ParagraphChild {
  const src = typeof node.attrs.src === 'string' ? absoluteImageSrc(node.attrs.src, context.imageBase) : '';
  const text = `[image${node.attrs.alt ? `: ${node.attrs.alt}` : ''}]`;
  return /^https?:\/\//.test(src) ? new ExternalHyperlink({ link: src, children: [new TextRun({ text, style: 'Hyperlink' })] }) : new TextRun(text);
}
