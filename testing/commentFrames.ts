import * as Y from 'yjs';
import { createThread } from '../shared/comments/threadWrites';
import { BODY_FIELD } from '../shared/documentFields';

/**
 * Hand-built comment writes for tests: updates made on a copy of a live document, as a client
 * holding that document would send them, but with whatever author or shape the test wants.
 */

/** The update `change` makes to a copy of `live` (only what it adds), written under a fresh client id. */
export function updateOn(live: Y.Doc, change: (copy: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc();
  try {
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(live));
    change(copy);
    return Y.encodeStateAsUpdate(copy, Y.encodeStateVector(live));
  } finally {
    copy.destroy();
  }
}

/** Anchor positions over the first `length` characters of the body's first paragraph. */
export function firstWordsAnchor(doc: Y.Doc, length = 5): { start: Uint8Array; end: Uint8Array } {
  const paragraph = doc.getXmlFragment(BODY_FIELD).get(0) as Y.XmlElement;
  const text = paragraph.get(0) as Y.XmlText;
  return {
    start: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, 0, 0)),
    end: Y.encodeRelativePosition(Y.createRelativePositionFromTypeIndex(text, length, -1)),
  };
}

/** An update creating a thread on the body's first word as `author`. */
export function threadUpdate(live: Y.Doc, author: { id: string; name: string }, text: string, id?: string): Uint8Array {
  return updateOn(live, (copy) => {
    const anchor = firstWordsAnchor(copy);
    createThread(copy, author, { ...anchor, quote: 'quote', text, id });
  });
}

/** Writes a paragraph holding `text` into the body of `doc`. */
export function writeParagraph(doc: Y.Doc, text: string): void {
  const paragraph = new Y.XmlElement('paragraph');
  paragraph.insert(0, [new Y.XmlText(text)]);
  doc.getXmlFragment(BODY_FIELD).push([paragraph]);
}
