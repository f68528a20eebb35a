import * as Y from 'yjs';
import { BODY_FIELD } from '../../shared/documentFields';
import { type FormatSet, formatsOf, sameFormats } from '../../shared/suggestions/formatSuggestion';
import { SUGGESTION_DELETE, SUGGESTION_FORMAT, SUGGESTION_INSERT } from '../../shared/suggestions/suggestionMarks';
import { LiveTypes } from '../schema/updateStructs';
import { copyOfTouchedTexts } from './touchedTexts';

type Attributes = Record<string, unknown>;
type DeltaOp = { insert?: unknown; retain?: number; delete?: number; attributes?: Attributes };

/**
 * Why `update` is not purely a suggestion by `author` in the body of `doc`, or null when it is
 * ([SG7] in `shared/suggestions/SUGGESTIONS.md`): every character it adds carries
 * `suggestionInsert` by `author`; every formatting it changes is `suggestionDelete` by `author`
 * added over existing text (or removed where it was the author's), or the author's format
 * suggestion ([SG12]); every character it deletes was the author's own suggested insertion; no
 * element, attribute or other formatting changes.
 *
 * The update is applied to a copy of the texts it writes into (`touchedTexts.ts`: it costs time in
 * proportion to the update and those texts, not to the document), and the text changes Yjs
 * reports are compared with the text before them.
 */
export function suggestionProblem(doc: Y.Doc, update: Uint8Array, author: string, live = new LiveTypes()): string | null {
  const copy = copyOfTouchedTexts(doc, update, live);
  return typeof copy === 'string' ? copy : problemOnCopy(doc, copy, update, author);
}

/**
 * Why `update`, applied to `copy` (a copy of `doc`, or of the texts of its body the update writes
 * into, with the same ids), is not purely a suggestion by `author`; `copy` is destroyed.
 */
export function problemOnCopy(doc: Y.Doc, copy: Y.Doc, update: Uint8Array, author: string): string | null {
  let problem: string | null = null;
  const observe = (events: Array<Y.YEvent<Y.AbstractType<unknown>>>) => {
    for (const event of events) {
      problem ??= eventProblem(doc, event, author);
      if (problem) return;
    }
  };
  const body = copy.getXmlFragment(BODY_FIELD);
  body.observeDeep(observe);
  try {
    Y.applyUpdate(copy, update);
  } finally {
    body.unobserveDeep(observe);
    copy.destroy();
  }
  return problem;
}

function eventProblem(doc: Y.Doc, event: Y.YEvent<Y.AbstractType<unknown>>, author: string): string | null {
  const target = event.target;
  if (!(target instanceof Y.XmlText)) return 'a suggestion changes no element, only text';
  if (event.keys.size > 0) return 'a suggestion sets no attribute of a text';
  const item = target._item;
  const original = item ? Y.getItem(doc.store, item.id) : null;
  if (!(original instanceof Y.Item) || !(original.content instanceof Y.ContentType) || !(original.content.type instanceof Y.XmlText)) {
    return 'a suggestion writes into existing text only';
  }
  // Yjs' delta is exact about which characters were inserted, deleted and kept, but not about
  // formatting (removing a format can report other keys as removed): the kept characters'
  // formatting is compared before and after instead.
  const before = characters(original.content.type.toDelta() as DeltaOp[]);
  const after = characters(target.toDelta() as DeltaOp[]);
  let old = 0;
  let now = 0;
  for (const op of event.delta as DeltaOp[]) {
    if (op.insert !== undefined) {
      if (typeof op.insert !== 'string') return 'a suggestion inserts text only';
      for (const attributes of after.slice(now, now + op.insert.length)) {
        if (authorOf(attributes, SUGGESTION_INSERT) !== author) return `inserted text must carry ${SUGGESTION_INSERT} by its writer (${author})`;
        if (attributes?.[SUGGESTION_DELETE] !== undefined || attributes?.[SUGGESTION_FORMAT] !== undefined) {
          return `inserted text must not carry ${SUGGESTION_DELETE} or ${SUGGESTION_FORMAT}`;
        }
      }
      now += op.insert.length;
      continue;
    }
    if (op.delete !== undefined) {
      if (!before.slice(old, old + op.delete).every((attributes) => authorOf(attributes, SUGGESTION_INSERT) === author)) {
        return 'a suggestion deletes only its writer’s own suggested insertions';
      }
      old += op.delete;
      continue;
    }
    const count = op.retain ?? 0;
    for (let i = 0; i < count; i++) {
      const problem = formattingProblem(before[old + i], after[now + i], author);
      if (problem) return problem;
    }
    old += count;
    now += count;
  }
  return null;
}

function authorOf(attributes: Attributes | undefined, mark: string): unknown {
  const value = attributes?.[mark];
  return value && typeof value === 'object' ? (value as { author?: unknown }).author : undefined;
}

/** Why a kept character's formatting changing from `before` to `after` is not a suggestion by `author`. */
function formattingProblem(before: Attributes | undefined, after: Attributes | undefined, author: string): string | null {
  const names = new Set([...Object.keys(before ?? {}), ...Object.keys(after ?? {})]);
  let formatting = false;
  for (const name of names) {
    const was = before?.[name];
    const is = after?.[name];
    if (JSON.stringify(was) === JSON.stringify(is)) continue;
    if (name !== SUGGESTION_DELETE) {
      formatting = true;
      continue;
    }
    if (was !== undefined && authorOf(before, name) !== author) return `only its author withdraws or changes a ${SUGGESTION_DELETE}`;
    if (is !== undefined && authorOf(after, name) !== author) return `${SUGGESTION_DELETE} must be by its writer (${author})`;
  }
  return formatting ? formatSuggestionProblem(before, after, author) : null;
}

/**
 * Why a kept character's formatting (or format suggestion) changing from `before` to `after` is
 * not the writer's format suggestion ([SG12]): after it, the character carries `suggestionFormat`
 * by the writer recording exactly the formatting it had (or, where it carried the writer's own,
 * what that recorded); or the writer withdrew their own and the formatting is back to what it
 * recorded. Someone else's format suggestion is theirs.
 */
function formatSuggestionProblem(before: Attributes | undefined, after: Attributes | undefined, author: string): string | null {
  const was = before?.[SUGGESTION_FORMAT] as { author?: unknown; before?: FormatSet } | undefined;
  const is = after?.[SUGGESTION_FORMAT] as { author?: unknown; before?: FormatSet } | undefined;
  if (was && was.author !== author) return `only its author changes the formatting under a ${SUGGESTION_FORMAT}`;
  if (is && is.author !== author) return `${SUGGESTION_FORMAT} must be by its writer (${author})`;
  const recorded = was ? was.before : formatsOf(before);
  if (is) {
    if (!sameFormats(is.before, recorded)) return `a ${SUGGESTION_FORMAT} records exactly the formatting its text had (${JSON.stringify(recorded)})`;
    return null;
  }
  if (was && sameFormats(formatsOf(after), recorded)) return null;
  return `a suggestion changes no formatting but as ${SUGGESTION_DELETE} or ${SUGGESTION_FORMAT} (formatting changed without a format suggestion)`;
}

/** The attributes of each character of a text delta, one entry per character (UTF-16 unit, as Yjs counts). */
function characters(delta: DeltaOp[]): Array<Attributes | undefined> {
  const result: Array<Attributes | undefined> = [];
  for (const op of delta) {
    const length = typeof op.insert === 'string' ? op.insert.length : 1;
    for (let i = 0; i < length; i++) result.push(op.attributes);
  }
  return result;
}
