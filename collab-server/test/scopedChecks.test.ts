import { describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { documentSchema } from '../../shared/conversion';
import { BODY_FIELD } from '../../shared/documentFields';
import { schemaRulesOf } from '../../shared/schemaRules';
import { SeededRandom } from '../../testing/seededRandom';
import { repairBody, repairElements } from '../schema/repairBody';
import { elementsToRepair } from '../schema/structureCheck';
import { LiveTypes } from '../schema/updateStructs';
import { problemOnCopy, suggestionProblem } from '../suggestions/suggestionGuard';

/**
 * The checks that look only at what an update touches decide exactly as the checks over the
 * whole document did ([SG7] in `shared/suggestions/SUGGESTIONS.md`, [R3] in
 * `shared/SCHEMA-RULES.md`): random documents (several writers, formatting, suggestions,
 * deleted text, lists) and random updates, each judged both ways.
 *
 * Replay one seed: FUZZ_SEED=<seed> npx vitest run collab-server/test/scopedChecks.test.ts
 */

const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : Math.floor(Math.random() * 2 ** 31);
const ROUNDS = 300;
const schema = documentSchema();
const rules = schemaRulesOf(schema);

const stamp = (author: string, id = `s-${author}`) => ({ id, author, authorName: author, time: 1_700_000_000_000 });

/** A paragraph holding `text` (with `attributes`), or a list of such items. */
function paragraph(text: string, attributes?: Record<string, unknown>): Y.XmlElement {
  const element = new Y.XmlElement('paragraph');
  const content = new Y.XmlText();
  content.insert(0, text, attributes);
  element.insert(0, [content]);
  return element;
}

function list(items: string[]): Y.XmlElement {
  const element = new Y.XmlElement('bulletList');
  element.insert(
    0,
    items.map((text) => {
      const item = new Y.XmlElement('listItem');
      item.insert(0, [paragraph(text)]);
      return item;
    }),
  );
  return element;
}

/** The texts of the body's paragraphs and list items, in order. */
function texts(doc: Y.Doc): Y.XmlText[] {
  const found: Y.XmlText[] = [];
  const visit = (element: Y.XmlElement | Y.XmlFragment) => {
    for (const child of element.toArray()) {
      if (child instanceof Y.XmlText) found.push(child);
      else if (child instanceof Y.XmlElement) visit(child);
    }
  };
  visit(doc.getXmlFragment(BODY_FIELD));
  return found;
}

/** A document several writers made: plain and formatted text, suggestions by "me" and "other", deletions, a list. */
function randomDocument(random: SeededRandom): Y.Doc {
  const doc = new Y.Doc();
  const body = doc.getXmlFragment(BODY_FIELD);
  doc.clientID = 100;
  body.push([paragraph(`first ${random.word()}`), paragraph(`second ${random.word()}`, { bold: {} }), list([`one ${random.word()}`, 'two'])]);
  for (let step = 0; step < random.int(3, 12); step++) {
    doc.clientID = random.pick([101, 102, 103, 104]);
    const all = texts(doc);
    const text = random.pick(all);
    const at = random.int(0, text.length);
    switch (random.int(0, 5)) {
      case 0:
        text.insert(at, random.word(), random.pick([undefined, { italic: {} }]));
        break;
      case 1:
        text.insert(at, random.word(), { suggestionInsert: stamp(random.pick(['me', 'other'])) });
        break;
      case 2:
        if (text.length > 1) text.delete(random.int(0, text.length - 2), 1);
        break;
      case 3:
        if (text.length > 2) text.format(random.int(0, text.length - 2), 2, { suggestionDelete: stamp(random.pick(['me', 'other']), `d${step}`) });
        break;
      case 4:
        body.insert(random.int(0, body.length), [paragraph(random.word())]);
        break;
      default:
        if (text.length > 1) text.format(0, random.int(1, text.length), { bold: {} });
    }
  }
  return doc;
}

/** A change "me" (a commenter) might send: suggestions of theirs, or something that is not one. */
function randomChange(random: SeededRandom, doc: Y.Doc): void {
  for (let op = 0; op < random.int(1, 3); op++) {
    const all = texts(doc);
    const text = random.pick(all);
    const at = random.int(0, text.length);
    const body = doc.getXmlFragment(BODY_FIELD);
    switch (random.int(0, 9)) {
      case 0:
      case 1:
      case 2:
        text.insert(at, random.word(), { suggestionInsert: stamp('me') });
        break;
      case 3:
        text.insert(at, random.word(), random.pick([undefined, { suggestionInsert: stamp('other') }, { bold: {} }]));
        break;
      case 4: {
        // Deleting what lies there: their own suggestion, or someone else's text.
        const length = text.length - at;
        if (length > 0) text.delete(at, random.int(1, Math.min(3, length)));
        break;
      }
      case 5:
        if (text.length - at > 0) text.format(at, 1, { suggestionDelete: random.pick([stamp('me', `m${op}`), stamp('other', `o${op}`), null]) });
        break;
      case 6:
        if (text.length - at > 0) text.format(at, 1, { italic: {} });
        break;
      case 7:
        body.insert(random.int(0, body.length), [paragraph(random.word(), { suggestionInsert: stamp('me') })]);
        break;
      case 8:
        (text.parent as Y.XmlElement).setAttribute('textAlign', 'center');
        break;
      default:
        if (body.length > 1) body.delete(random.int(0, body.length - 1), 1);
    }
  }
}

/** The update `change` makes to a copy of `doc`, under a client id of its own. */
function updateOf(doc: Y.Doc, change: (copy: Y.Doc) => void): Uint8Array {
  const copy = new Y.Doc();
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  copy.clientID = 999;
  change(copy);
  const update = Y.encodeStateAsUpdate(copy, Y.encodeStateVector(doc));
  copy.destroy();
  return update;
}

/** A copy of the whole of `doc`, as the check used to make. */
function wholeCopy(doc: Y.Doc): Y.Doc {
  const copy = new Y.Doc({ gc: false });
  Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc));
  return copy;
}

describe('checks scoped to what an update touches', () => {
  it('[SG7] a commenter’s update is judged on a copy of the texts it writes into exactly as on a copy of the whole document', () => {
    console.log(`scoped checks seed ${seed} (replay: FUZZ_SEED=${seed} npx vitest run collab-server/test/scopedChecks.test.ts)`);
    const random = new SeededRandom(seed);
    let accepted = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const doc = randomDocument(random);
      const update = updateOf(doc, (copy) => randomChange(random, copy));
      const whole = problemOnCopy(doc, wholeCopy(doc), update, 'me');
      const scoped = suggestionProblem(doc, update, 'me', new LiveTypes());
      expect(scoped === null, `round ${round} (seed ${seed}): the whole copy says ${whole}, the scoped copy ${scoped}`).toBe(whole === null);
      if (whole === null) accepted += 1;
    }
    // Both outcomes were exercised.
    expect(accepted).toBeGreaterThan(ROUNDS / 10);
    expect(accepted).toBeLessThan(ROUNDS - ROUNDS / 10);
  });

  it('[R3] after an update, repairing the elements it changed leaves the body as repairing the whole body does', () => {
    const random = new SeededRandom(seed + 1);
    let repaired = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const doc = new Y.Doc();
      doc.clientID = 1;
      const body = doc.getXmlFragment(BODY_FIELD);
      body.push(
        Array.from({ length: random.int(2, 6) }, () => (random.chance(0.5) ? list(['a', 'b', 'c'].slice(0, random.int(1, 3))) : paragraph(random.word()))),
      );
      // An editor deletes items, paragraphs of items, whole lists, or makes a list and deletes its items in the same update.
      const update = updateOf(doc, (copy) => {
        const lists = copy
          .getXmlFragment(BODY_FIELD)
          .toArray()
          .filter((element): element is Y.XmlElement => element instanceof Y.XmlElement && element.nodeName === 'bulletList');
        for (let op = 0; op < random.int(1, 3); op++) {
          const target = lists.length > 0 ? random.pick(lists) : null;
          const choice = random.int(0, 3);
          if (choice === 0 && target && target.length > 0) target.delete(random.int(0, target.length - 1), 1);
          else if (choice === 1 && target && target.length > 0) {
            const item = target.get(random.int(0, target.length - 1)) as Y.XmlElement;
            if (item.length > 0) item.delete(0, 1);
          } else if (choice === 2) {
            const made = list(['x', 'y']);
            copy.getXmlFragment(BODY_FIELD).insert(random.int(0, copy.getXmlFragment(BODY_FIELD).length), [made]);
            made.delete(0, random.int(1, 2));
          } else if (target) target.delete(0, target.length);
        }
      });
      const whole = new Y.Doc();
      Y.applyUpdate(whole, Y.encodeStateAsUpdate(doc));
      Y.applyUpdate(whole, update);
      const wholeProblems = repairBody(whole.getXmlFragment(BODY_FIELD), schema);

      const scoped = new Y.Doc();
      Y.applyUpdate(scoped, Y.encodeStateAsUpdate(doc));
      let transaction: Y.Transaction | null = null;
      scoped.once('afterTransaction', (applied: Y.Transaction) => {
        transaction = applied;
      });
      Y.applyUpdate(scoped, update);
      const applied = transaction as unknown as Y.Transaction;
      const suspects = elementsToRepair(applied, rules, true);
      const scopedProblems = repairElements(suspects, schema);

      expect(scoped.getXmlFragment(BODY_FIELD).toString(), `round ${round} (seed ${seed + 1})`).toBe(whole.getXmlFragment(BODY_FIELD).toString());
      expect(scopedProblems.length > 0, `round ${round}: the scoped repair found problems when the whole one did`).toBe(wholeProblems.length > 0);
      if (wholeProblems.length > 0) repaired += 1;
    }
    expect(repaired).toBeGreaterThan(ROUNDS / 10);
  });
});
