import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { gunzipSync } from 'node:zlib';
import * as Y from 'yjs';

/**
 * Real editing traces (`josephg/editing-traces`, kept in the shared traces folder) and their
 * replay into the editor's document shape: body `default` XmlFragment > paragraph > text.
 */

/** One keystroke: `[position, deleted count, inserted text]`, like `Array.prototype.splice`. */
export type Patch = [number, number, string];

/** A sequential trace: the text it starts from, every patch in order, the text it ends with. */
export interface Trace {
  name: string;
  startContent: string;
  endContent: string;
  patches: Patch[];
}

const here = path.dirname(fileURLToPath(import.meta.url));
/** Where the traces live: `TRACES_DIR`, else the shared folder next to the repository. */
export const TRACES_DIR = process.env.TRACES_DIR ?? path.resolve(here, '..', '..', 'shared', 'traces');

/** The sequential traces, by file name without `.json.gz`. */
export const SEQUENTIAL_TRACES = ['automerge-paper', 'seph-blog1'] as const;
export type TraceName = (typeof SEQUENTIAL_TRACES)[number];

const cache = new Map<string, Trace>();

/** Reads a sequential trace; throws when it is missing or is not a sequential trace. */
export function loadTrace(name: TraceName, dir = TRACES_DIR): Trace {
  const cached = cache.get(`${dir}/${name}`);
  if (cached) return cached;
  const file = path.join(dir, `${name}.json.gz`);
  const raw = JSON.parse(gunzipSync(readFileSync(file)).toString()) as {
    startContent?: string;
    endContent?: string;
    txns?: Array<{ patches: Patch[]; parents?: unknown }>;
  };
  if (typeof raw.endContent !== 'string' || !Array.isArray(raw.txns)) {
    throw new Error(`${file} is not an editing trace: expected { startContent, endContent, txns: [{ patches }] }`);
  }
  if (raw.txns.some((txn) => txn.parents !== undefined)) {
    throw new Error(`${file} is a concurrent trace; only sequential traces replay as one author's keystrokes`);
  }
  const trace: Trace = { name, startContent: raw.startContent ?? '', endContent: raw.endContent, patches: raw.txns.flatMap((txn) => txn.patches) };
  cache.set(`${dir}/${name}`, trace);
  return trace;
}

/** Applies `patches` to a string, as the trace format defines (positions count code points). */
export function applyToString(start: string, patches: Iterable<Patch>): string {
  const chars = [...start];
  for (const [position, deleted, inserted] of patches) chars.splice(position, deleted, ...inserted);
  return chars.join('');
}

/** The body field of the editor's documents (see `shared/documentFields.ts`). */
export const BODY_FIELD = 'default';

/** Adds an empty paragraph to the end of `doc`'s body and returns its text, where one author types. */
export function addParagraph(doc: Y.Doc): Y.XmlText {
  const paragraph = new Y.XmlElement('paragraph');
  const text = new Y.XmlText();
  paragraph.insert(0, [text]);
  const body = doc.getXmlFragment(BODY_FIELD);
  body.insert(body.length, [paragraph]);
  return text;
}

/**
 * Applies one patch to `text`, in its own transaction, as an editor does for one keystroke.
 * Positions are code points in the trace and UTF-16 units in Yjs: the traces are plain
 * text, but convert anyway so a trace with astral characters replays correctly.
 */
export function applyPatch(text: Y.XmlText | Y.Text, patch: Patch, offsets?: CodePointIndex): void {
  const [position, deleted, inserted] = patch;
  const doc = text.doc;
  const apply = () => {
    const at = offsets ? offsets.toUnits(position) : position;
    const deleteUnits = offsets ? offsets.toUnits(position + deleted) - at : deleted;
    if (deleteUnits > 0) text.delete(at, deleteUnits);
    if (inserted.length > 0) text.insert(at, inserted);
    offsets?.splice(position, deleted, inserted);
  };
  if (doc) doc.transact(apply);
  else apply();
}

/**
 * Maps code point positions to UTF-16 positions for a text that only has BMP characters
 * until told otherwise. Cheap for plain text; exact when astral characters appear.
 */
export class CodePointIndex {
  private chars: string[] | null = null;

  constructor(private readonly start: string) {
    if ([...start].length !== start.length) this.chars = [...start];
  }

  toUnits(position: number): number {
    if (!this.chars) return position;
    let units = 0;
    for (let i = 0; i < position; i++) units += this.chars[i].length;
    return units;
  }

  splice(position: number, deleted: number, inserted: string): void {
    const insertedChars = [...inserted];
    if (!this.chars && insertedChars.length !== inserted.length) this.chars = [...this.start];
    this.chars?.splice(position, deleted, ...insertedChars);
  }
}

/** Replays a whole trace into a new document; returns it and every update it emitted, in order. */
export function replayTrace(trace: Trace, options: { limit?: number } = {}): { doc: Y.Doc; text: Y.XmlText; updates: Uint8Array[] } {
  const doc = new Y.Doc();
  const updates: Uint8Array[] = [];
  doc.on('update', (update: Uint8Array) => updates.push(update));
  const text = addParagraph(doc);
  const offsets = new CodePointIndex(trace.startContent);
  if (trace.startContent) text.insert(0, trace.startContent);
  const limit = Math.min(options.limit ?? trace.patches.length, trace.patches.length);
  for (let i = 0; i < limit; i++) applyPatch(text, trace.patches[i], offsets);
  // A whole replay must end on the trace's own endContent; anything else means the replay is wrong
  // and every number built on it would be too.
  if (limit === trace.patches.length && text.toString() !== trace.endContent) {
    throw new Error(`replaying the ${trace.name} trace did not reproduce its endContent: the replay is wrong`);
  }
  return { doc, text, updates };
}

/** The plain text of the paragraph `replayTrace` typed into. */
export function replayedText(doc: Y.Doc): string {
  const paragraph = doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement;
  return (paragraph.get(0) as Y.XmlText).toString();
}

/**
 * One author's keystrokes, looping over a trace: the paragraph is cleared and the trace starts
 * again when it ends, so a typist can go on for as long as a workload runs.
 */
export class Typist {
  private next = 0;
  private offsets: CodePointIndex;

  constructor(
    private readonly trace: Trace,
    private readonly text: Y.XmlText,
  ) {
    this.offsets = new CodePointIndex(trace.startContent);
    if (trace.startContent) text.insert(0, trace.startContent);
  }

  /** Types the next keystroke; returns true when it inserted text (so its clock identifies it). */
  type(): boolean {
    if (this.next >= this.trace.patches.length) {
      this.text.doc?.transact(() => this.text.delete(0, this.text.length));
      this.offsets = new CodePointIndex('');
      this.next = 0;
    }
    const patch = this.trace.patches[this.next++];
    applyPatch(this.text, patch, this.offsets);
    return patch[2].length > 0;
  }
}
