/**
 * What comment threads cost: bytes stored per thread and per reply (the growth of the document's
 * Yjs state), and the editor's time per keystroke with 200 threads in one document against none
 * (a real Tiptap editor with the app's binding and comments extension, in happy-dom).
 *
 *   npx tsx scripts/commentCost.ts
 */
import { TextSelection } from '@tiptap/pm/state';
import * as Y from 'yjs';
import { anchorAt, Comments } from '../app/components/comments/commentsExtension';
import { addReply, createThread } from '../shared/comments/threadWrites';
import { BODY_FIELD } from '../shared/documentFields';
import { localEditor } from '../testing/tiptapClient';

const PARAGRAPHS = 400;
const THREADS = 200;
const KEYSTROKES = 400;
const TEXT = 'A comment of about a hundred characters, as people write them in the margin of a document they review.';

function bodyDoc(): Y.Doc {
  const doc = new Y.Doc();
  const paragraphs = Array.from({ length: PARAGRAPHS }, (_, index) => {
    const paragraph = new Y.XmlElement('paragraph');
    paragraph.insert(0, [new Y.XmlText(`Paragraph ${index}: the quick brown fox jumps over the lazy dog, again and again.`)]);
    return paragraph;
  });
  doc.getXmlFragment(BODY_FIELD).insert(0, paragraphs);
  return doc;
}

function typingMs(withThreads: boolean): { median: number; p95: number; bytesPerThread: number; bytesPerReply: number } {
  const doc = bodyDoc();
  const { editor, destroy } = localEditor(doc, undefined, withThreads ? [Comments.configure({ onActivate: () => undefined })] : []);
  let bytesPerThread = 0;
  let bytesPerReply = 0;
  if (withThreads) {
    const before = Y.encodeStateAsUpdate(doc).byteLength;
    const ids: string[] = [];
    for (let t = 0; t < THREADS; t++) {
      let start = 0;
      editor.state.doc.forEach((_node, offset, index) => {
        if (index === t * 2) start = offset + 1;
      });
      const anchor = anchorAt(editor.state, start + 13, start + 28);
      if (!anchor) throw new Error('no binding');
      ids.push(createThread(doc, { id: `user-${t % 7}`, name: `Reviewer ${t % 7}` }, { ...anchor, quote: 'quick brown fox', text: TEXT }).threadId);
    }
    const afterThreads = Y.encodeStateAsUpdate(doc).byteLength;
    for (const id of ids) addReply(doc, { id: 'user-1', name: 'Reviewer 1' }, id, TEXT);
    bytesPerThread = (afterThreads - before) / THREADS;
    bytesPerReply = (Y.encodeStateAsUpdate(doc).byteLength - afterThreads) / THREADS;
  }
  const times: number[] = [];
  for (let k = 0; k < KEYSTROKES; k++) {
    // Type inside a commented paragraph, near the middle of the document.
    let start = 0;
    editor.state.doc.forEach((_node, offset, index) => {
      if (index === PARAGRAPHS / 2) start = offset + 1;
    });
    const at = performance.now();
    editor.view.dispatch(editor.state.tr.setSelection(TextSelection.create(editor.state.doc, start + 20)).insertText('x'));
    times.push(performance.now() - at);
  }
  destroy();
  times.sort((a, b) => a - b);
  return { median: times[Math.floor(times.length / 2)], p95: times[Math.floor(times.length * 0.95)], bytesPerThread, bytesPerReply };
}

const without = typingMs(false);
const withThreads = typingMs(true);
console.log(`bytes per thread (with its first comment of ${TEXT.length} characters): ${withThreads.bytesPerThread.toFixed(0)}`);
console.log(`bytes per reply (${TEXT.length} characters): ${withThreads.bytesPerReply.toFixed(0)}`);
console.log(`keystroke, ${PARAGRAPHS} paragraphs, no threads:   median ${without.median.toFixed(2)} ms, p95 ${without.p95.toFixed(2)} ms`);
console.log(`keystroke, ${PARAGRAPHS} paragraphs, ${THREADS} threads: median ${withThreads.median.toFixed(2)} ms, p95 ${withThreads.p95.toFixed(2)} ms`);
