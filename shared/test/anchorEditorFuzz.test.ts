import type { Editor } from '@tiptap/core';
import { TextSelection } from '@tiptap/pm/state';
import { describe, it } from 'vitest';
import * as Y from 'yjs';
import { anchorAt, Comments } from '../../app/components/comments/commentsExtension';
import { fuzzSeed, SeededRandom } from '../../testing/seededRandom';
import { localEditor } from '../../testing/tiptapClient';
import { mappingOf, resolveAnchor } from '../comments/anchors';
import { readThreads } from '../comments/threadModel';
import { createThread } from '../comments/threadWrites';
import { bodyNode } from '../conversion';
import { BODY_FIELD } from '../documentFields';

/**
 * Anchors through editors' splits and joins ([AN3], [AN4], [AN5] of
 * `shared/comments/COMMENTS.md`): two real Tiptap editors with the comments extension, each on its
 * own copy, take turns typing, deleting, pressing Enter and Backspace at a paragraph's start, each
 * change reaching the other editor before the next one (as over a network). After every edit,
 * every thread covers all the surviving characters of its text and nothing outside it, or is on
 * deleted text only when none of them is left. Concurrent splits of one paragraph are a known
 * limit ([AN8]) and not made here; nor are undo and redo (`anchorEditing.test.ts` checks them):
 * undoing one's edit after someone else split or joined its paragraph writes the text again
 * beside the other's copy, so "its characters" is no longer one set.
 *
 * Characters of the starting text say whose they are (`.` outside every thread, an uppercase
 * letter its thread's); editors type lowercase letters.
 *
 * Replay one seed: FUZZ_SEED=<seed> npx vitest run shared/test/anchorEditorFuzz.test.ts
 */

const STEPS = Number(process.env.FUZZ_STEPS ?? 120);
const FRESH_SEEDS = Number(process.env.FUZZ_RUNS ?? 3);
const START = ['AAAA....BBBB', '..CCCCCC..', 'DDDD....', '......EEEE'];
const LETTERS = ['A', 'B', 'C', 'D', 'E'];

/** A macrotask: what a network would leave between two messages. */
const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

function randomEdit(editor: Editor, random: SeededRandom): string {
  const { doc } = editor.state;
  const roll = random.next();
  const textPositions: number[] = [];
  const paragraphStarts: number[] = [];
  doc.descendants((node, pos) => {
    if (node.isTextblock) {
      paragraphStarts.push(pos + 1);
      for (let offset = 0; offset <= node.content.size; offset++) textPositions.push(pos + 1 + offset);
      return false;
    }
    return true;
  });
  const at = random.pick(textPositions);
  if (roll < 0.45) {
    const typed = Array.from({ length: random.int(1, 3) }, () => random.pick([...'abcdefghijklmnopqrstuvwxyz'])).join('');
    editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(doc, at)).insertText(typed));
    return `type "${typed}" at ${at}`;
  }
  if (roll < 0.65) {
    const $at = doc.resolve(at);
    const end = Math.min($at.end(), at + random.int(1, 3));
    if (end <= at) return 'nothing';
    editor.view.dispatch(editor.state.tr.delete(at, end));
    return `delete ${at}-${end}`;
  }
  if (roll < 0.85) {
    editor.chain().setTextSelection(at).splitBlock().run();
    return `split at ${at}`;
  }
  if (paragraphStarts.length < 2) return 'nothing';
  const start = random.pick(paragraphStarts.slice(1));
  editor.chain().setTextSelection(start).joinBackward().run();
  return `join at ${start}`;
}

/** Checks every thread of `doc`; returns how many cover their text and how many are on deleted text. */
function checkAnchors(doc: Y.Doc, label: string, log: string[]): { covering: number; onDeleted: number } {
  let covering = 0;
  let onDeleted = 0;
  const body = bodyNode(doc);
  const fragment = doc.getXmlFragment(BODY_FIELD);
  const mapping = mappingOf(fragment, body);
  const whole = body.textBetween(0, body.content.size, '');
  for (const thread of readThreads(doc)) {
    const letter = thread.id.slice(1);
    const left = [...whole].filter((char) => char === letter).length;
    const range = resolveAnchor(doc, fragment, mapping, thread.start, thread.end, body);
    const where = `${label}, thread ${letter} (${left} of its characters left) in "${body.textBetween(0, body.content.size, '|')}"; last edits: ${log.slice(-6).join('; ')}`;
    if (!range) {
      onDeleted += 1;
      if (left > 0) throw new Error(`on deleted text although its text is left: ${where}`);
      continue;
    }
    covering += 1;
    const covered = body.textBetween(range.from, range.to, '');
    if (/[.A-Z]/.test(covered.replaceAll(letter, ''))) throw new Error(`covers "${covered}", text outside it: ${where}`);
    if ([...covered].filter((char) => char === letter).length !== left) throw new Error(`covers "${covered}", not all of its text: ${where}`);
  }
  return { covering, onDeleted };
}

async function runSeed(seed: number): Promise<{ covering: number; onDeleted: number }> {
  const random = new SeededRandom(seed);
  const docs = [new Y.Doc(), new Y.Doc()];
  docs[0].getXmlFragment(BODY_FIELD).insert(
    0,
    START.map((text) => {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(text)]);
      return paragraph;
    }),
  );
  Y.applyUpdate(docs[1], Y.encodeStateAsUpdate(docs[0]));
  for (const [index, doc] of docs.entries()) {
    const other = docs[1 - index];
    doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== other) Y.applyUpdate(other, update, doc);
    });
  }
  const editors = docs.map((doc) => localEditor(doc, undefined, [Comments.configure({ onActivate: () => undefined })]));
  const log: string[] = [];
  try {
    await tick();
    // A thread on each letter's run, made by the first editor.
    const first = editors[0].editor;
    for (const letter of LETTERS) {
      let from = -1;
      let length = 0;
      first.state.doc.descendants((node, pos) => {
        const index = node.isText ? (node.text ?? '').indexOf(letter) : -1;
        if (from === -1 && index !== -1) {
          from = pos + index;
          length = (node.text ?? '').split('').filter((char) => char === letter).length;
        }
      });
      const anchor = anchorAt(first.state, from, from + length);
      if (!anchor) throw new Error('no collaboration binding');
      createThread(docs[0], { id: 'fuzz', name: 'Fuzz' }, { ...anchor, quote: letter.repeat(length), text: letter, id: `t${letter}` });
    }
    await tick();
    for (let step = 0; step < STEPS; step++) {
      const who = random.int(0, 1);
      log.push(`${who}: ${randomEdit(editors[who].editor, random)}`);
      await tick();
      // After every edit, so a failure names the edit that broke an anchor.
      checkAnchors(docs[0], 'copy 0', log);
    }
    await tick();
    let covering = 0;
    let onDeleted = 0;
    for (const [index, doc] of docs.entries()) {
      const counts = checkAnchors(doc, `copy ${index}`, log);
      covering += counts.covering;
      onDeleted += counts.onDeleted;
    }
    return { covering, onDeleted };
  } finally {
    for (const { destroy } of editors) destroy();
    for (const doc of docs) doc.destroy();
  }
}

async function fuzz(seed: number): Promise<void> {
  console.log(`anchor editor fuzz seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run shared/test/anchorEditorFuzz.test.ts)`);
  try {
    const result = await runSeed(seed);
    console.log(`anchor editor fuzz seed ${seed}: ${STEPS} edits; anchors covering their text ${result.covering}, on deleted text ${result.onDeleted}`);
  } catch (error) {
    throw new Error(`anchor editor fuzz failed with seed ${seed}: ${(error as Error).message}`, { cause: error });
  }
}

describe('anchor editor fuzz', () => {
  const fixed = process.env.FUZZ_SEED !== undefined && process.env.FUZZ_SEED !== '';
  const seeds = fixed ? [fuzzSeed()] : Array.from({ length: FRESH_SEEDS }, () => fuzzSeed());
  for (const [index, seed] of seeds.entries()) {
    it(`[AN3] [AN4] [AN5] fresh seed ${index + 1} of ${seeds.length}: two editors typing, deleting, splitting and joining in turn leave each anchor on its own text or on deleted text`, () =>
      fuzz(seed));
  }
});
