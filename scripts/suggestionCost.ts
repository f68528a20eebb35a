/**
 * What the server's check of a commenter's suggestion costs ([SG7], [SG10] in
 * `shared/suggestions/SUGGESTIONS.md`): the time `suggestionProblem` takes for one typed
 * character, in documents of 200 and 2,000 paragraphs (it applies the update to a copy).
 *
 *   npx tsx scripts/suggestionCost.ts
 */
import * as Y from 'yjs';
import { suggestionProblem } from '../collab-server/suggestions/suggestionGuard';
import { BODY_FIELD } from '../shared/documentFields';
import { updateOn, writeParagraph } from '../testing/commentFrames';

const lastText = (doc: Y.Doc, n: number) => (doc.getXmlFragment(BODY_FIELD).get(n - 1) as Y.XmlElement).get(0) as Y.XmlText;

for (const paragraphs of [200, 2000]) {
  const doc = new Y.Doc();
  for (let i = 0; i < paragraphs; i++) writeParagraph(doc, `Paragraph ${i} with some ordinary words in it, about as long as a typical sentence.`);
  const stamp = { id: 'a', author: 'me', authorName: 'Me', time: 1 };
  const update = updateOn(doc, (copy) => lastText(copy, paragraphs).insert(3, 'x', { suggestionInsert: stamp }));
  const times: number[] = [];
  for (let i = 0; i < 31; i++) {
    const start = performance.now();
    if (suggestionProblem(doc, update, 'me') !== null) throw new Error('the keystroke should be a valid suggestion');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  const bytes = Y.encodeStateAsUpdate(doc).length;
  console.log(`${paragraphs} paragraphs (${bytes} bytes): median ${times[15].toFixed(2)} ms, p90 ${times[27].toFixed(2)} ms per keystroke`);
}
