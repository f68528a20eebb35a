import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { fuzzSeed, SeededRandom } from '../../testing/seededRandom';
import { encodeAnchor, mappingOf, resolveAnchor } from '../comments/anchors';
import { bodyNode } from '../conversion';
import { BODY_FIELD } from '../documentFields';

/**
 * Anchors under concurrent editing ([AN3], [AN5] of `shared/comments/COMMENTS.md`): several
 * clients type and delete characters, add and remove paragraphs around and inside commented
 * ranges, each on its own copy, and exchange their updates in random order and direction (as
 * offline clients merging late do). Once all have everything, every thread's anchor, resolved in
 * each copy, covers exactly the surviving characters of its text (and whatever was typed between
 * them), never a character outside it; or it is on deleted text, which is allowed only when none
 * of its characters is left or a paragraph holding it was removed.
 *
 * Every character of the starting text says whose it is: `.` lies outside every thread, an
 * uppercase letter belongs to the thread of that letter; clients type only lowercase letters.
 *
 * Replay one seed: FUZZ_SEED=<seed> npx vitest run shared/test/anchorFuzz.test.ts
 */

const STEPS = Number(process.env.FUZZ_STEPS ?? 200);
const FRESH_SEEDS = Number(process.env.FUZZ_RUNS ?? 4);
const CLIENTS = 3;

/** The starting paragraphs: A at the document's first character, C across a paragraph boundary, D at a paragraph's end. */
const START = ['AAAAAA......', '..BBBBBB..CCC', 'CCC....DDDD', '......'];
/** Each thread: its letter and its range as [paragraph, offset] of its first character and after its last. */
const THREADS: Array<{ letter: string; from: [number, number]; to: [number, number] }> = [
  { letter: 'A', from: [0, 0], to: [0, 6] },
  { letter: 'B', from: [1, 2], to: [1, 8] },
  { letter: 'C', from: [1, 10], to: [2, 3] },
  { letter: 'D', from: [2, 7], to: [2, 11] },
];

/** The ProseMirror position of `offset` in paragraph `index` of a body of single-text paragraphs. */
function position(doc: Y.Doc, [index, offset]: [number, number]): number {
  const body = doc.getXmlFragment(BODY_FIELD);
  let pos = 0;
  for (let i = 0; i < index; i++) pos += (body.get(i) as Y.XmlElement).toArray().reduce((size, text) => size + (text as Y.XmlText).length, 0) + 2;
  return pos + 1 + offset;
}

function startingDoc(): { doc: Y.Doc; anchors: Map<string, { start: Uint8Array; end: Uint8Array; blocks: string[] }> } {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment(BODY_FIELD);
  body.insert(
    0,
    START.map((text) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(text)]);
      return paragraph;
    }),
  );
  const node = bodyNode(doc);
  const mapping = mappingOf(body, node);
  const anchors = new Map<string, { start: Uint8Array; end: Uint8Array; blocks: string[] }>();
  for (const thread of THREADS) {
    const from = position(doc, thread.from);
    const to = position(doc, thread.to);
    expect(node.textBetween(from, to, '')).toMatch(new RegExp(`^${thread.letter}+$`));
    const blocks = [thread.from[0], thread.to[0]].map((index) => idOf(body.get(index) as Y.XmlElement));
    anchors.set(thread.letter, { ...encodeAnchor(doc, body, mapping, from, to), blocks });
  }
  return { doc, anchors };
}

const idOf = (type: Y.XmlElement) => `${type._item?.id.client}:${type._item?.id.clock}`;

/** One random edit of one client, in one transaction; returns what it did (for the failure message). */
function randomEdit(doc: Y.Doc, random: SeededRandom, removedBlocks: Set<string>): string {
  const body = doc.getXmlFragment(BODY_FIELD);
  const roll = random.next();
  if (body.length === 0 || roll < 0.02) {
    const index = random.int(0, body.length);
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(random.pick(['x', 'yy', 'zzz']))]);
    body.insert(index, [paragraph]);
    return `new paragraph at ${index}`;
  }
  const index = random.int(0, body.length - 1);
  const block = body.get(index) as Y.XmlElement;
  if (roll < 0.01) {
    removedBlocks.add(idOf(block));
    body.delete(index, 1);
    return `remove paragraph ${index}`;
  }
  let text = block.get(0) as Y.XmlText | undefined;
  if (!text) {
    text = new Y.XmlText();
    block.insert(0, [text]);
  }
  if (roll < 0.75 || text.length === 0) {
    const at = random.int(0, text.length);
    const typed = Array.from({ length: random.int(1, 3) }, () => random.pick([...'abcdefghijklmnopqrstuvwxyz'])).join('');
    text.insert(at, typed);
    return `type "${typed}" at ${index}:${at}`;
  }
  const at = random.int(0, text.length - 1);
  const length = random.int(1, Math.min(3, text.length - at));
  text.delete(at, length);
  return `delete ${length} at ${index}:${at}`;
}

/** Sends what `from` has and `to` lacks. */
function sync(from: Y.Doc, to: Y.Doc): void {
  Y.applyUpdate(to, Y.encodeStateAsUpdate(from, Y.encodeStateVector(to)));
}

function runSeed(seed: number): { edits: number; onDeleted: number; covering: number } {
  const random = new SeededRandom(seed);
  const { doc: origin, anchors } = startingDoc();
  const clients = Array.from({ length: CLIENTS }, () => {
    const doc = new Y.Doc();
    sync(origin, doc);
    return doc;
  });
  const removedBlocks = new Set<string>();
  const log: string[] = [];
  for (let step = 0; step < STEPS; step++) {
    const client = random.int(0, CLIENTS - 1);
    log.push(`${client}: ${randomEdit(clients[client], random, removedBlocks)}`);
    // Updates travel late and in any direction, as between clients offline for a while.
    if (random.chance(0.25)) {
      const from = random.int(0, CLIENTS - 1);
      const to = random.int(0, CLIENTS - 1);
      if (from !== to) sync(clients[from], clients[to]);
    }
  }
  for (const from of clients) for (const to of clients) if (from !== to) sync(from, to);

  let onDeleted = 0;
  let covering = 0;
  for (const [index, doc] of clients.entries()) {
    const body = bodyNode(doc);
    const fragment = doc.getXmlFragment(BODY_FIELD);
    const mapping = mappingOf(fragment, body);
    const whole = body.textBetween(0, body.content.size, '');
    for (const [letter, anchor] of anchors) {
      const range = resolveAnchor(doc, fragment, mapping, anchor.start, anchor.end, body);
      const left = [...whole].filter((char) => char === letter).length;
      const where = `client ${index}, thread ${letter} (${left} of its characters left) in "${body.textBetween(0, body.content.size, '|')}"; edits: ${log.slice(-12).join('; ')}`;
      if (!range) {
        onDeleted += 1;
        // On deleted text only when nothing of it is left, or a paragraph holding an end went ([AN5]).
        if (left > 0 && !anchor.blocks.some((block) => removedBlocks.has(block))) throw new Error(`[AN5] on deleted text although its text is left: ${where}`);
        continue;
      }
      covering += 1;
      const covered = body.textBetween(range.from, range.to, '');
      // Only its own characters and typed ones; all of its own that are left ([AN3]).
      if (/[.A-Z]/.test(covered.replaceAll(letter, ''))) throw new Error(`[AN3] covers "${covered}", text outside it: ${where}`);
      if ([...covered].filter((char) => char === letter).length !== left) throw new Error(`[AN3] covers "${covered}", not all of its text: ${where}`);
    }
  }
  for (const doc of clients) doc.destroy();
  origin.destroy();
  return { edits: STEPS, onDeleted, covering };
}

function fuzz(seed: number): void {
  console.log(`anchor fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run shared/test/anchorFuzz.test.ts)`);
  try {
    const result = runSeed(seed);
    console.log(
      `anchor fuzz seed ${seed}: ${result.edits} edits by ${CLIENTS} clients; anchors covering their text ${result.covering}, on deleted text ${result.onDeleted}`,
    );
  } catch (error) {
    throw new Error(`anchor fuzz failed with seed ${seed}: ${(error as Error).message}`, { cause: error });
  }
}

describe('anchor fuzz', () => {
  const fixed = process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== '';
  const seeds = fixed ? [fuzzSeed()] : Array.from({ length: FRESH_SEEDS }, () => fuzzSeed());
  for (const [index, seed] of seeds.entries()) {
    it(`[AN3] [AN5] fresh seed ${index + 1} of ${seeds.length}: concurrent typing, deletions and paragraphs by ${CLIENTS} clients merged in any order leave each anchor on its own text or on deleted text`, () =>
      fuzz(seed));
  }
});
