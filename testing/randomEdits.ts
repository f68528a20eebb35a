import type { Editor } from '@tiptap/core';
import * as Y from 'yjs';
import { BODY_FIELD, TITLE_FIELD } from '../shared/documentFields';
import type { SeededRandom } from './seededRandom';

/**
 * Random edits for fuzz and soak tests. Y-level edits keep the body valid for the editor schema
 * (paragraphs and headings holding text with bold/italic marks), so a Tiptap client bound to the
 * same document sees legal content and never has to repair it.
 */

const BLOCKS = ['paragraph', 'heading'] as const;
const MARKS = ['bold', 'italic', 'strike'] as const;

/** The text nodes of the body's top-level blocks. */
function textsOf(body: Y.XmlFragment): Y.XmlText[] {
  const texts: Y.XmlText[] = [];
  for (const block of body.toArray()) {
    if (!(block instanceof Y.XmlElement)) continue;
    for (const child of block.toArray()) if (child instanceof Y.XmlText) texts.push(child);
  }
  return texts;
}

/**
 * `offset`, moved off the middle of a surrogate pair. Real editors never split an emoji, and Yjs
 * replaces a split pair with U+FFFD on the splitting peer only, so random splits would make peers
 * differ for reasons that have nothing to do with the server.
 */
function boundary(text: Y.XmlText | Y.Text, offset: number): number {
  const plain = text
    .toDelta()
    .map((op: { insert: unknown }) => (typeof op.insert === 'string' ? op.insert : ' '))
    .join('');
  const before = plain.charCodeAt(offset - 1);
  return before >= 0xd800 && before <= 0xdbff ? offset + 1 : offset;
}

function newBlock(random: SeededRandom): Y.XmlElement {
  const kind = random.pick(BLOCKS);
  const block = new Y.XmlElement(kind);
  if (kind === 'heading') block.setAttribute('level', random.int(1, 3) as unknown as string);
  block.insert(0, [new Y.XmlText(random.word(12))]);
  return block;
}

/** Applies one random edit to `doc` in one transaction; returns a short description of it. */
export function randomYEdit(doc: Y.Doc, random: SeededRandom): string {
  const body = doc.getXmlFragment(BODY_FIELD);
  const title = doc.getText(TITLE_FIELD);
  let done = 'nothing';
  doc.transact(() => {
    const texts = textsOf(body);
    const roll = random.next();
    if (roll < 0.15 || texts.length === 0) {
      const index = random.int(0, body.length);
      body.insert(index, [newBlock(random)]);
      done = `insert block at ${index}`;
    } else if (roll < 0.55) {
      const text = random.pick(texts);
      const at = boundary(text, random.int(0, text.length));
      text.insert(at, random.word(6));
      done = `insert text at ${at}`;
    } else if (roll < 0.7) {
      const text = random.pick(texts);
      if (text.length > 0) {
        const at = boundary(text, random.int(0, text.length - 1));
        const length = boundary(text, Math.min(text.length, at + random.int(1, 5))) - at;
        if (length > 0) text.delete(at, length);
        done = `delete ${length} at ${at}`;
      }
    } else if (roll < 0.8) {
      const text = random.pick(texts);
      if (text.length > 0) {
        const at = boundary(text, random.int(0, text.length - 1));
        const length = boundary(text, random.int(at, text.length)) - at;
        const mark = random.pick(MARKS);
        if (length > 0) text.format(at, length, { [mark]: random.chance(0.8) ? {} : null });
        done = `format ${mark} ${at}+${length}`;
      }
    } else if (roll < 0.85) {
      if (body.length > 1) {
        const index = random.int(0, body.length - 1);
        body.delete(index, 1);
        done = `delete block ${index}`;
      }
    } else if (roll < 0.95) {
      if (random.chance(0.7) || title.length === 0) {
        title.insert(boundary(title, random.int(0, title.length)), random.word(4));
        done = 'title insert';
      } else {
        const at = boundary(title, random.int(0, title.length - 1));
        const length = boundary(title, Math.min(title.length, at + 1)) - at;
        if (length > 0) title.delete(at, length);
        done = 'title delete';
      }
    } else {
      doc.getMap('settings').set(random.pick(['a', 'b', 'c']), random.int(0, 1000));
      done = 'map set';
    }
  });
  return done;
}

/**
 * `pos`, moved past the second half of an emoji when it falls between the two UTF-16 halves
 * (ProseMirror counts UTF-16 units; a browser never puts the cursor there).
 */
function outsideSurrogatePair(editor: Editor, pos: number): number {
  const $pos = editor.state.doc.resolve(pos);
  if (!$pos.parent.isTextblock) return pos;
  const text = $pos.parent.textContent;
  const before = text.charCodeAt($pos.parentOffset - 1);
  return before >= 0xd800 && before <= 0xdbff ? pos + 1 : pos;
}

/**
 * Applies one random editing command through Tiptap (what a user's keyboard and toolbar do):
 * typing, deleting, marks, block types, lists, undo and redo. Returns a description.
 */
export function randomTiptapEdit(editor: Editor, random: SeededRandom): string {
  try {
    return tiptapCommand(editor, random);
  } catch (error) {
    // A few commands throw on some document shapes (ProseMirror refuses the transaction, so the
    // document is unchanged); in an editor that is a key press that did nothing.
    return `a command the editor refused (${(error as Error).message})`;
  }
}

function tiptapCommand(editor: Editor, random: SeededRandom): string {
  const size = editor.state.doc.content.size;
  const pos = () => outsideSurrogatePair(editor, random.int(1, Math.max(1, size - 1)));
  const range = () => {
    const from = pos();
    return { from, to: outsideSurrogatePair(editor, Math.min(size - 1, from + random.int(0, 6))) };
  };
  const roll = random.next();
  const chain = editor.chain();
  if (roll < 0.35) {
    const at = pos();
    const word = random.word(6);
    chain.setTextSelection(at).insertContent(word).run();
    return `type "${word}" at ${at}`;
  }
  if (roll < 0.5) {
    const { from, to } = range();
    chain.setTextSelection({ from, to }).deleteSelection().run();
    return `delete ${from}-${to}`;
  }
  if (roll < 0.62) {
    const { from, to } = range();
    const mark = random.pick(['bold', 'italic', 'strike'] as const);
    chain.setTextSelection({ from, to }).toggleMark(mark).run();
    return `toggle ${mark} ${from}-${to}`;
  }
  if (roll < 0.72) {
    const at = pos();
    chain.setTextSelection(at).splitBlock().run();
    return `split at ${at}`;
  }
  if (roll < 0.8) {
    const at = pos();
    if (random.chance(0.5))
      chain
        .setTextSelection(at)
        .setHeading({ level: random.pick([1, 2, 3] as const) })
        .run();
    else chain.setTextSelection(at).setParagraph().run();
    return `block type at ${at}`;
  }
  if (roll < 0.86) {
    const at = pos();
    chain.setTextSelection(at).toggleBulletList().run();
    return `bullet list at ${at}`;
  }
  if (roll < 0.93) {
    editor.commands.undo();
    return 'undo';
  }
  editor.commands.redo();
  return 'redo';
}
