import * as Y from 'yjs';
import { BODY_FIELD } from '../shared/documentFields';

/** The text of paragraph `index` of `largeDocument`: short, each one different. */
export function largeParagraphText(index: number): string {
  return `Paragraph ${index} says a few ordinary words.`;
}

/**
 * A document of `paragraphs` short paragraphs (`largeParagraphText`), written in one transaction
 * under `clientID` (about 85 bytes of Yjs state per paragraph), for tests of what a request costs
 * at the size limits.
 */
export function largeDocument(paragraphs: number, clientID = 1): Y.Doc {
  const doc = new Y.Doc();
  doc.clientID = clientID;
  doc.transact(() => {
    const elements: Y.XmlElement[] = [];
    for (let index = 0; index < paragraphs; index++) {
      const paragraph = new Y.XmlElement('paragraph');
      paragraph.insert(0, [new Y.XmlText(largeParagraphText(index))]);
      elements.push(paragraph);
    }
    doc.getXmlFragment(BODY_FIELD).push(elements);
  });
  return doc;
}

/** ProseMirror's position of the start of paragraph `index`'s text in a `largeDocument` (each paragraph takes its text and two positions). */
export function largeParagraphPosition(index: number): number {
  let position = 0;
  for (let before = 0; before < index; before++) position += largeParagraphText(before).length + 2;
  return position + 1;
}
