import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as Y from 'yjs';
import { BODY_FIELD } from '../shared/documentFields';

/**
 * Real editing traces (`josephg/editing-traces`, in the shared traces folder, never copied into
 * the project) replayed into the editor's document shape, one paragraph per line: a newline typed
 * splits a paragraph and deleting one joins two, as the editor does. Each transaction of the
 * trace is one Yjs transaction, stamped with its recorded time.
 */

/** One keystroke: `[position, deleted count, inserted text]`; positions count code points. */
export type Patch = [number, number, string];

/** One recorded transaction. */
export interface TraceTransaction {
  /** Milliseconds since the epoch. */
  time: number;
  patches: Patch[];
}

/** A sequential trace. */
export interface RecordedTrace {
  startContent: string;
  endContent: string;
  transactions: TraceTransaction[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the traces are: `TRACES_DIR`, else the shared folder next to the repository. */
export const TRACES_DIR = process.env.TRACES_DIR ?? path.resolve(here, '..', '..', 'shared', 'traces');

/** Reads `<name>.json.gz` from the traces folder; throws when it is not a sequential trace. */
export function readTrace(name: string, dir = TRACES_DIR): RecordedTrace {
  const file = path.join(dir, `${name}.json.gz`);
  const raw = JSON.parse(gunzipSync(readFileSync(file)).toString()) as {
    startContent?: string;
    endContent?: string;
    txns?: Array<{ time?: string; patches: Patch[]; parents?: unknown }>;
  };
  if (typeof raw.endContent !== 'string' || !Array.isArray(raw.txns) || raw.txns.some((txn) => txn.parents !== undefined)) {
    throw new Error(`${file} is not a sequential editing trace: expected { startContent, endContent, txns: [{ time, patches }] }`);
  }
  return {
    startContent: raw.startContent ?? '',
    endContent: raw.endContent,
    transactions: raw.txns.map((txn) => ({ time: Date.parse(txn.time ?? '') || 0, patches: txn.patches })),
  };
}

/** Types a trace into a document's body as paragraphs. */
export class ParagraphTypist {
  private readonly body: Y.XmlFragment;
  /** Code point length of each paragraph, in order. */
  private readonly lengths: number[] = [];

  constructor(readonly doc: Y.Doc) {
    this.body = doc.getXmlFragment(BODY_FIELD);
    if (this.body.length > 0) throw new Error('ParagraphTypist needs an empty document body');
    this.insertParagraph(0, '');
  }

  /** Applies the transaction's patches in one Yjs transaction. */
  apply(transaction: TraceTransaction): void {
    this.doc.transact(() => {
      for (const patch of transaction.patches) this.patch(patch);
    });
  }

  /** The text as the trace counts it: paragraphs joined by newlines. */
  text(): string {
    return this.body
      .toArray()
      .map((paragraph) => (paragraph as Y.XmlElement).get(0)?.toString() ?? '')
      .join('\n');
  }

  private patch([position, deleted, inserted]: Patch): void {
    if (deleted > 0) this.delete(position, deleted);
    if (inserted.length > 0) this.insert(position, inserted);
  }

  private delete(position: number, count: number): void {
    let remaining = count;
    while (remaining > 0) {
      const [index, offset] = this.locate(position);
      const length = this.lengths[index];
      if (offset < length) {
        const take = Math.min(remaining, length - offset);
        const text = this.textAt(index);
        const [from, to] = units(text.toString(), offset, offset + take);
        text.delete(from, to - from);
        this.lengths[index] -= take;
        remaining -= take;
      } else {
        // The newline after this paragraph: join the next one onto it.
        const next = this.textAt(index + 1).toString();
        const text = this.textAt(index);
        text.insert(text.length, next);
        this.body.delete(index + 1, 1);
        this.lengths[index] += this.lengths[index + 1];
        this.lengths.splice(index + 1, 1);
        remaining -= 1;
      }
    }
  }

  private insert(position: number, inserted: string): void {
    const [index, offset] = this.locate(position);
    const lines = inserted.split('\n');
    const text = this.textAt(index);
    const content = text.toString();
    const [at] = units(content, offset, offset);
    text.insert(at, lines[0]);
    this.lengths[index] += [...lines[0]].length;
    if (lines.length === 1) return;
    // A newline splits the paragraph: what followed the caret moves into the last new paragraph.
    const tail = content.slice(at);
    if (tail) text.delete(at + lines[0].length, tail.length);
    this.lengths[index] -= [...tail].length;
    for (let line = 1; line < lines.length; line++) {
      this.insertParagraph(index + line, line === lines.length - 1 ? lines[line] + tail : lines[line]);
    }
  }

  private insertParagraph(index: number, content: string): void {
    const paragraph = new Y.XmlElement('paragraph');
    const text = new Y.XmlText();
    paragraph.insert(0, [text]);
    this.body.insert(index, [paragraph]);
    if (content) text.insert(0, content);
    this.lengths.splice(index, 0, [...content].length);
  }

  private textAt(index: number): Y.XmlText {
    return (this.body.get(index) as Y.XmlElement).get(0) as Y.XmlText;
  }

  /** The paragraph and the code point offset in it of a trace position. */
  private locate(position: number): [number, number] {
    let rest = position;
    for (let index = 0; index < this.lengths.length; index++) {
      if (rest <= this.lengths[index]) return [index, rest];
      rest -= this.lengths[index] + 1;
    }
    throw new RangeError(`trace position ${position} is past the end of the document`);
  }
}

/** UTF-16 offsets in `text` of the code point offsets `from` and `to`. */
function units(text: string, from: number, to: number): [number, number] {
  if (text.length === [...text].length) return [from, to];
  const chars = [...text];
  const at = (points: number) => chars.slice(0, points).join('').length;
  return [at(from), at(to)];
}
