/**
 * What the server's check of a commenter's suggestion costs ([SG7], [SG10] in
 * `shared/suggestions/SUGGESTIONS.md`): the time `suggestionProblem` takes for one typed
 * character, in documents of 200, 2,000 and 160,000 paragraphs, beside what applying it to a copy
 * of the whole document (as the check did before it copied only the texts it touches) takes.
 *
 *   npx tsx scripts/suggestionCost.ts
 */
import * as Y from 'yjs';
import { problemOnCopy, suggestionProblem } from '../collab-server/suggestions/suggestionGuard';
import { BODY_FIELD } from '../shared/documentFields';
import { updateOn } from '../testing/commentFrames';
import { largeDocument } from '../testing/largeDocument';

const textAt = (doc: Y.Doc, index: number) => (doc.getXmlFragment(BODY_FIELD).get(index) as Y.XmlElement).get(0) as Y.XmlText;

/** Median and 90th percentile of `runs` runs of `check`, in ms. */
function timing(runs: number, check: () => string | null): string {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    if (check() !== null) throw new Error('the keystroke should be a valid suggestion');
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return `median ${times[Math.floor(runs / 2)].toFixed(2)} ms, p90 ${times[Math.floor(runs * 0.9)].toFixed(2)} ms`;
}

for (const paragraphs of [200, 2000, 160_000]) {
  const doc = largeDocument(paragraphs);
  const stamp = { id: 'a', author: 'me', authorName: 'Me', time: 1 };
  const update = updateOn(doc, (copy) => textAt(copy, paragraphs - 1).insert(3, 'x', { suggestionInsert: stamp }));
  const bytes = Y.encodeStateAsUpdate(doc).length;
  const wholeRuns = paragraphs > 10_000 ? 3 : 31;
  const whole = timing(wholeRuns, () => {
    const copy = new Y.Doc({ gc: false });
    Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
    return problemOnCopy(doc, copy, update, 'me');
  });
  console.log(
    `${paragraphs} paragraphs (${bytes} bytes): ${timing(31, () => suggestionProblem(doc, update, 'me'))} per keystroke; a copy of the whole document: ${whole}`,
  );
}
