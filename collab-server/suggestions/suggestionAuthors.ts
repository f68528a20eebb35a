import * as Y from 'yjs';
import { CloseCodes } from '../../shared/closeCodes';
import { BODY_FIELD, SUGGESTION_AUTHORS_FIELD } from '../../shared/documentFields';
import { SUGGESTION_MARKS, type SuggestionAttributes } from '../../shared/suggestions/suggestionMarks';
import type { Writer } from '../comments/commentGuard';
import type { Refusal } from '../schema/updateGuard';

/**
 * Who made each suggestion ([SG11] in `shared/suggestions/SUGGESTIONS.md`). The server records
 * every suggestion's id with its author, author's name and time in `SUGGESTION_AUTHORS_FIELD`
 * (which only it writes) the first time it takes it; a suggestion mark an update writes is
 * taken only when it is a recorded suggestion exactly as recorded (text copied, moved, split, or
 * brought back by undo keeps its marks) or a new suggestion by the writer (their token's `sub`).
 * So nobody, editors included, suggests in someone else's name.
 */

type Recorded = Omit<SuggestionAttributes, 'id'>;

const refuse = (message: string): Refusal => ({ close: CloseCodes.InvalidContent, rule: 'SG11', message });

/** Checks the suggestion marks one update writes; `created` holds the new suggestions it makes. */
export class SuggestionAuthorship {
  /** The suggestions the update makes, by id, to record once it is applied. */
  readonly created = new Map<string, SuggestionAttributes>();
  private readonly record: Y.Map<Recorded>;

  constructor(
    doc: Y.Doc,
    private readonly writer: Writer | undefined,
  ) {
    this.record = doc.getMap<Recorded>(SUGGESTION_AUTHORS_FIELD);
  }

  /** Why formatting `content`, written into the body's text, is not a suggestion mark its writer may write; null when it may. */
  check(content: Y.ContentFormat): Refusal | null {
    const { key, value } = content;
    if (!(SUGGESTION_MARKS as readonly string[]).includes(key) || value === null || typeof value !== 'object') return null;
    const mark = value as SuggestionAttributes;
    const known = this.created.get(mark.id) ?? this.record.get(mark.id);
    if (known) {
      if (known.author === mark.author && known.authorName === mark.authorName && known.time === mark.time) return null;
      return refuse(`suggestion "${mark.id}" is by ${known.author} (${known.authorName}, ${known.time}); its text carries it unchanged`);
    }
    if (!this.writer || mark.author !== this.writer.id) {
      return refuse(`a new suggestion is by its writer (${this.writer?.id ?? 'an unknown writer'}), not by ${mark.author}`);
    }
    this.created.set(mark.id, { id: mark.id, author: mark.author, authorName: mark.authorName, time: mark.time });
    return null;
  }
}

/**
 * Checks the suggestion marks a server-made `update` writes (a write through the content API)
 * against what `doc` recorded, as from `writer` ([SG11]): the update's formatting is read from its
 * structs without applying it, so it costs time in proportion to the update (about a second on the
 * event loop for a 4 MB document of 20,000 paragraphs holding suggestions; nothing to speak of for
 * content without any).
 */
export function updateAuthorship(doc: Y.Doc, update: Uint8Array, writer: Writer): { refusal: Refusal | null; created: SuggestionAuthorship['created'] } {
  const authorship = new SuggestionAuthorship(doc, writer);
  // A v1 update writes each format's key as UTF-8: content without any suggestion mark's name holds
  // none, and is not decoded (decoding a large created document takes the event loop most of a second).
  const bytes = Buffer.from(update.buffer, update.byteOffset, update.byteLength);
  if (!SUGGESTION_MARKS.some((name) => bytes.includes(name))) return { refusal: null, created: authorship.created };
  for (const struct of Y.decodeUpdate(update).structs) {
    if (!(struct instanceof Y.Item) || !(struct.content instanceof Y.ContentFormat)) continue;
    const refusal = authorship.check(struct.content);
    if (refusal) return { refusal, created: authorship.created };
  }
  return { refusal: null, created: authorship.created };
}

/** Records `suggestions` not recorded yet; call inside a transaction of the server's. */
export function recordSuggestions(doc: Y.Doc, suggestions: Iterable<SuggestionAttributes>): void {
  const record = doc.getMap<Recorded>(SUGGESTION_AUTHORS_FIELD);
  for (const { id, author, authorName, time } of suggestions) {
    if (!record.has(id)) record.set(id, { author, authorName, time });
  }
}

/**
 * The suggestions in `doc`'s body that are not recorded yet (a document stored before the server
 * recorded them): they are taken as they are, once, when the document loads.
 */
export function unrecordedSuggestions(doc: Y.Doc): SuggestionAttributes[] {
  const record = doc.getMap<Recorded>(SUGGESTION_AUTHORS_FIELD);
  const found = new Map<string, SuggestionAttributes>();
  const visit = (node: Y.XmlElement | Y.XmlFragment | Y.XmlText | Y.XmlHook) => {
    if (node instanceof Y.XmlText) {
      for (const op of node.toDelta() as Array<{ attributes?: Record<string, unknown> }>) {
        for (const name of SUGGESTION_MARKS) {
          const mark = op.attributes?.[name] as SuggestionAttributes | undefined;
          if (mark && typeof mark === 'object' && typeof mark.id === 'string' && !record.has(mark.id) && !found.has(mark.id)) found.set(mark.id, mark);
        }
      }
      return;
    }
    if (node instanceof Y.XmlElement || node instanceof Y.XmlFragment) for (const child of node.toArray()) visit(child);
  };
  visit(doc.getXmlFragment(BODY_FIELD));
  return [...found.values()];
}
