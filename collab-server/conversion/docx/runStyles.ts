import { randomBytes } from 'node:crypto';
import { createRequire } from 'node:module';
import mammoth from 'mammoth';
import { normalizeAttribute } from '../../../shared/attributeRules';

const require = createRequire(import.meta.url);

/** An element of mammoth's XML tree (`mammoth/lib/xml`). */
interface XmlElement {
  type: 'element' | 'text';
  name: string;
  attributes: Record<string, string | undefined>;
  children: XmlElement[];
  value?: string;
  first(name: string): XmlElement | undefined;
}

/** A .docx opened by mammoth's zip reader (`mammoth/lib/zipfile`, JSZip). */
export interface DocxFile {
  exists(name: string): boolean;
  read(name: string, encoding?: string): Promise<string>;
}

/** mammoth's own zip, part-path and Office XML readers, so the file is read as mammoth reads it (none is in its public API). */
const zipfile = require('mammoth/lib/zipfile') as { openArrayBuffer(data: Buffer): Promise<DocxFile> };
const docxReader = require('mammoth/lib/docx/docx-reader') as { _findPartPaths(file: DocxFile): Promise<{ mainDocument: string }> };
const officeXml = require('mammoth/lib/docx/office-xml-reader') as { read(xml: string): Promise<XmlElement> };
const documents = require('mammoth/lib/documents') as { Text(value: string): MammothNode };
/** mammoth's document transforms (exported as `mammoth.transforms`, missing from its types). */
const transforms = (mammoth as unknown as { transforms: { run<T>(transform: (run: T) => T): (document: unknown) => unknown } }).transforms;

interface MammothNode {
  type: string;
  value?: string;
  children?: MammothNode[];
}

interface MammothRun extends MammothNode {
  type: 'run';
  children: MammothNode[];
  fontSize?: number | null;
  highlight?: string | null;
}

/** What mammoth leaves out of a run: its colour (`w:color`) and its shading (`w:shd`, how Word and this editor's export write highlight colours). */
interface RunColours {
  text: string;
  color: string | null;
  shading: string | null;
}

/** Elements whose runs mammoth reads, in its order (`mammoth/lib/docx/body-reader.js`); it reads nothing inside any other element. */
const CONTAINERS = new Set([
  'w:body',
  'w:p',
  'w:r',
  'w:hyperlink',
  'w:tbl',
  'w:tr',
  'w:tc',
  'w:sdt',
  'w:sdtContent',
  'w:customXml',
  'w:ins',
  'w:moveTo',
  'w:object',
  'w:smartTag',
  'w:drawing',
  'w:pict',
  'v:roundrect',
  'v:shape',
  'v:textbox',
  'w:txbxContent',
  'v:group',
  'v:rect',
]);

/** How far ahead a run of mammoth's is looked for among the file's (mammoth moves a text box's runs after their paragraph). */
const MATCH_WINDOW = 32;

/** Word's 16 highlight colours (`w:highlight`) as the editor's; yellow is the editor's plain highlight. */
const HIGHLIGHTS: Record<string, string | null> = {
  yellow: null,
  black: '#000000',
  blue: '#0000ff',
  cyan: '#00ffff',
  green: '#00ff00',
  magenta: '#ff00ff',
  red: '#ff0000',
  white: '#ffffff',
  darkBlue: '#000080',
  darkCyan: '#008080',
  darkGreen: '#008000',
  darkMagenta: '#800080',
  darkRed: '#800000',
  darkYellow: '#808000',
  darkGray: '#808080',
  lightGray: '#c0c0c0',
};

/** A Word colour (`RRGGBB`; `auto` and anything else give null) as a valid `#rrggbb`, or null. */
function wordColour(value: string | undefined): string | null {
  if (typeof value !== 'string' || !/^[0-9a-f]{6}$/i.test(value)) return null;
  return normalizeAttribute('mark', 'highlight', 'color', `#${value.toLowerCase()}`) as string | null;
}

/**
 * Text colour, font size and highlight colour of a .docx's runs, through mammoth, which reads
 * the size and Word's named highlight but writes neither into its HTML, and does not read the
 * colour or shading: `read` takes those two from the main document part (parsed by mammoth's own
 * XML reader, walked in mammoth's reading order) and `transform` pairs each of mammoth's runs
 * with the file's by their text. A styled run's content is put between two markers carrying a
 * code made for this file (so no text of the file can pass for one), and `apply` turns them into
 * the `<span style>` and `<mark>` the HTML import reads. Every value is first made valid by the
 * schema's rules (`shared/attributeRules.ts`): only `#rrggbb` colours and bounded sizes in points
 * are ever written.
 */
export class RunStyles {
  private readonly code = randomBytes(8).toString('hex');
  private colours: RunColours[] = [];
  private next = 0;

  /** Reads the colours and shadings of the runs of `file`'s main document part (nothing when it has none). */
  async read(file: DocxFile): Promise<void> {
    const { mainDocument } = await docxReader._findPartPaths(file);
    const xml = (await file.read(mainDocument, 'utf-8')).replace(/^\uFEFF/, '');
    // Most files have neither; they cost no second parse.
    if (!/<(?:\w+:)?(?:color|shd)[\s/>]/.test(xml)) return;
    const root = await officeXml.read(xml);
    // An explicit stack, in document order: a deeply nested file cannot exhaust the call stack.
    const stack: XmlElement[] = [root.first('w:body') ?? root];
    while (stack.length > 0) {
      const element = stack.pop() as XmlElement;
      if (element.name === 'w:r') this.colours.push(coloursOf(element));
      const inner = element.name === 'w:sdt' ? (element.first('w:sdtContent')?.children ?? []) : element.children;
      for (let index = inner.length - 1; index >= 0; index--) {
        const child = inner[index];
        if (child.type === 'element' && CONTAINERS.has(child.name)) stack.push(child);
      }
    }
  }

  /** mammoth's `transformDocument` for runs: marks each run with a colour, size or highlight. */
  readonly transform = transforms.run((run: MammothRun) => {
    const text = textOf(run.children);
    const colours = this.match(text);
    const color = colours?.color ?? null;
    const size = typeof run.fontSize === 'number' ? normalizeAttribute('mark', 'textStyle', 'fontSize', `${run.fontSize}pt`) : null;
    // Word shows a named highlight over the run's shading; '-' is the plain highlight, '' none.
    const named = run.highlight && Object.hasOwn(HIGHLIGHTS, run.highlight) ? (HIGHLIGHTS[run.highlight] ?? '-') : null;
    const highlight = named ?? colours?.shading ?? '';
    if ((!color && !size && !highlight) || run.children.length === 0) return { ...run, highlight: null };
    const styles = `${color ?? ''}|${size ?? ''}|${highlight}`;
    const start = documents.Text(`\u2063${this.code}|${styles}\u2063`);
    // The end repeats the styles, so `apply` can join runs styled alike.
    const end = documents.Text(`\u2063${this.code}/${styles}\u2063`);
    return { ...run, highlight: null, children: [start, ...run.children, end] };
  });

  /**
   * mammoth's HTML with each pair of markers made into the styles they carry; where a run ends
   * right where the next, styled alike, starts (Word splits runs for many reasons), the two
   * share one span, so the HTML import has fewer elements to read.
   */
  apply(html: string): string {
    const code = this.code;
    return html
      .replace(new RegExp(`\u2063${code}/([^\u2063]*)\u2063\u2063${code}\\|\\1\u2063`, 'g'), '')
      .replace(
        new RegExp(`\u2063${code}\\|(#[0-9a-f]{6})?\\|(\\d{1,3}(?:\\.\\d)?pt)?\\|(#[0-9a-f]{6}|-)?\u2063`, 'g'),
        (_whole, color: string | undefined, size: string | undefined, highlight: string | undefined) => {
          const style = [color ? `color: ${color}` : '', size ? `font-size: ${size}` : ''].filter(Boolean).join('; ');
          const mark = !highlight ? '' : highlight === '-' ? '<mark>' : `<mark data-color="${highlight}">`;
          return `<span${style ? ` style="${style}"` : ''}>${mark}`;
        },
      )
      .replace(new RegExp(`\u2063${code}/[^\u2063]*\\|([^|\u2063]*)\u2063`, 'g'), (_whole, highlight: string) => `${highlight ? '</mark>' : ''}</span>`);
  }

  /** The file's run with `text`: the next one, or one a little further on (then the runs between are passed over). */
  private match(text: string): RunColours | null {
    const limit = Math.min(this.colours.length, this.next + MATCH_WINDOW);
    for (let index = this.next; index < limit; index++) {
      if (this.colours[index].text === text) {
        this.next = index + 1;
        return this.colours[index];
      }
    }
    return null;
  }
}

function coloursOf(run: XmlElement): RunColours {
  const properties = run.first('w:rPr');
  const shading = properties?.first('w:shd');
  return {
    text: run.children.map(textOfElement).join(''),
    color: wordColour(properties?.first('w:color')?.attributes['w:val']),
    shading: shading && shading.attributes['w:val'] !== 'nil' ? wordColour(shading.attributes['w:fill']) : null,
  };
}

/** The text mammoth makes of a run's child element (`w:t` and the hyphens it writes as characters). */
function textOfElement(child: XmlElement): string {
  if (child.type !== 'element') return '';
  if (child.name === 'w:t') return child.children.map((node) => node.value ?? '').join('');
  if (child.name === 'w:noBreakHyphen') return '\u2011';
  if (child.name === 'w:softHyphen') return '\u00ad';
  return '';
}

/** The text of mammoth's run, as `coloursOf` reads it from the file. */
function textOf(nodes: MammothNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (node.type === 'text') text += node.value ?? '';
    else if (node.type === 'hyperlink' && node.children) text += textOf(node.children);
  }
  return text;
}

/** Opens `bytes` (a .docx) with mammoth's zip reader, to read it once for both mammoth and `RunStyles`. */
export function openDocx(bytes: Uint8Array): Promise<DocxFile> {
  return zipfile.openArrayBuffer(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
}
