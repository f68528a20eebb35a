/**
 * What the document schema costs the server, measured on this machine (not a test: numbers vary
 * with the machine and its load). Run: `npx tsx scripts/schemaGuardCost.ts`.
 *
 * - a keystroke (one character into an existing paragraph of a 2,000-paragraph document): the
 *   check before applying, and the second application Hocuspocus makes (which changes nothing),
 *   against the application itself;
 * - a paste of about 1 MB (5,000 formatted paragraphs, and one 1 MB paragraph);
 * - the check at load (the repair finding nothing to do) and the tolerant read of a whole body.
 */
import { prosemirrorJSONToYXmlFragment } from '@tiptap/y-tiptap';
import * as Y from 'yjs';
import { repairBody } from '../collab-server/schema/repairBody';
import { checkUpdate } from '../collab-server/schema/updateGuard';
import { LiveTypes } from '../collab-server/schema/updateStructs';
import { documentSchema, readBodyOf } from '../shared/conversion';
import { BODY_FIELD } from '../shared/documentFields';
import { schemaRulesOf } from '../shared/schemaRules';

const rules = schemaRulesOf(documentSchema());
const options = { rules, live: new LiveTypes(), maxPendingBytes: 1024 * 1024 };

function time<T>(run: () => T): { ms: number; result: T } {
  const started = performance.now();
  const result = run();
  return { ms: performance.now() - started, result };
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** A document of `count` paragraphs of about 100 characters, some of them formatted. */
function documentOf(count: number): Y.Doc {
  const doc = new Y.Doc();
  const content = Array.from({ length: count }, (_, index) => ({
    type: 'paragraph',
    content: [
      {
        type: 'text',
        text: `Paragraph ${index} with some words to make it about a hundred characters long, `,
        marks: index % 3 === 0 ? [{ type: 'bold' }] : [],
      },
      { type: 'text', text: 'and a tail.' },
    ],
  }));
  prosemirrorJSONToYXmlFragment(documentSchema(), { type: 'doc', content }, doc.getXmlFragment(BODY_FIELD));
  return doc;
}

/** A client's copy of `doc`. */
function copyOf(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

function keystrokes(): void {
  const server = documentOf(2000);
  const client = copyOf(server);
  const check: number[] = [];
  const apply: number[] = [];
  const again: number[] = [];
  let bytes = 0;
  for (let i = 0; i < 3000; i++) {
    const before = Y.encodeStateVector(client);
    const paragraph = client.getXmlFragment(BODY_FIELD).get((i * 37) % 2000) as Y.XmlElement;
    const text = paragraph.get(0) as Y.XmlText;
    text.insert(i % text.length, 'x');
    const update = Y.encodeStateAsUpdate(client, before);
    bytes += update.byteLength;
    const checked = time(() => checkUpdate(server, update, options));
    if (checked.result.refusal) throw new Error(`a keystroke was refused: ${checked.result.refusal.message}`);
    check.push(checked.ms);
    apply.push(time(() => Y.applyUpdate(server, update)).ms);
    again.push(time(() => Y.applyUpdate(server, update)).ms);
  }
  const row = (label: string, values: number[]) =>
    console.log(`  ${label.padEnd(34)} median ${(percentile(values, 50) * 1000).toFixed(1)} µs, p99 ${(percentile(values, 99) * 1000).toFixed(1)} µs`);
  console.log(`keystroke into a 2,000-paragraph document (${Math.round(bytes / 3000)} bytes per update, 3,000 keystrokes):`);
  row('check (the guard)', check.slice(100));
  row('apply (Yjs, as before)', apply.slice(100));
  row('second apply (Hocuspocus; no-op)', again.slice(100));
}

function paste(label: string, content: object[]): void {
  const server = documentOf(200);
  const results = { check: [] as number[], apply: [] as number[], again: [] as number[], bytes: 0 };
  for (let round = 0; round < 5; round++) {
    const live = copyOf(server);
    const client = copyOf(server);
    const before = Y.encodeStateVector(client);
    const scratch = new Y.Doc();
    prosemirrorJSONToYXmlFragment(documentSchema(), { type: 'doc', content }, scratch.getXmlFragment(BODY_FIELD));
    const fragment = client.getXmlFragment(BODY_FIELD);
    fragment.insert(
      100,
      scratch
        .getXmlFragment(BODY_FIELD)
        .toArray()
        .map((block) => (block as Y.XmlElement).clone()),
    );
    const update = Y.encodeStateAsUpdate(client, before);
    results.bytes = update.byteLength;
    const checked = time(() => checkUpdate(live, update, { ...options, live: new LiveTypes() }));
    if (checked.result.refusal) throw new Error(`the paste was refused: ${checked.result.refusal.message}`);
    results.check.push(checked.ms);
    results.apply.push(time(() => Y.applyUpdate(live, update)).ms);
    results.again.push(time(() => Y.applyUpdate(live, update)).ms);
  }
  const median = (values: number[]) => `${percentile(values, 50).toFixed(1)} ms`;
  console.log(`${label} (${(results.bytes / 1024 / 1024).toFixed(2)} MB update, median of 5):`);
  console.log(`  check ${median(results.check)}, apply ${median(results.apply)}, second apply (no-op) ${median(results.again)}`);
}

function load(): void {
  const doc = documentOf(10_000);
  const size = Y.encodeStateAsUpdate(doc).byteLength;
  const repair = time(() => doc.transact(() => repairBody(doc.getXmlFragment(BODY_FIELD), documentSchema())));
  if (repair.result.length > 0) throw new Error('a valid document was repaired');
  const read = time(() => readBodyOf(doc));
  console.log(`a 10,000-paragraph document (${(size / 1024 / 1024).toFixed(2)} MB):`);
  console.log(`  check at load (repair finding nothing) ${repair.ms.toFixed(1)} ms, tolerant read of the whole body ${read.ms.toFixed(1)} ms`);
}

const formatted = Array.from({ length: 5000 }, (_, index) => ({
  type: 'paragraph',
  content: [
    { type: 'text', text: `Pasted paragraph ${index}: `, marks: [{ type: 'bold' }] },
    {
      type: 'text',
      text: 'lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod tempor incididunt ut labore et dolore magna aliqua. '.repeat(2),
    },
  ],
}));
keystrokes();
paste('paste of 5,000 formatted paragraphs', formatted);
paste('paste of one 1 MB paragraph', [{ type: 'paragraph', content: [{ type: 'text', text: 'x'.repeat(1024 * 1024) }] }]);
load();
