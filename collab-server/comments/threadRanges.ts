import type { Node } from '@tiptap/pm/model';
import type * as Y from 'yjs';
import { encodeAnchor, mappingOf, type NodeMapping, resolveAnchor } from '../../shared/comments/anchors';
import type { ThreadView } from '../../shared/comments/threadModel';
import { bodyNode } from '../../shared/conversion';
import { BODY_FIELD } from '../../shared/documentFields';

/**
 * Anchors on the server, where no editor binds the body: ProseMirror ranges of the body as the
 * content API reads it, turned into anchors and back ([AN7] of `shared/comments/COMMENTS.md`).
 */

/** Why a range could not be found. */
export class AnchorRangeError extends Error {
  override name = 'AnchorRangeError';
}

/** The body of `doc` as ProseMirror reads it, with the mapping between its nodes and the Y elements. */
export class BodyView {
  readonly body: Node;
  readonly fragment: Y.XmlFragment;
  readonly mapping: NodeMapping;

  constructor(private readonly doc: Y.Doc) {
    this.fragment = doc.getXmlFragment(BODY_FIELD);
    this.body = bodyNode(doc);
    this.mapping = mappingOf(this.fragment, this.body);
  }

  /** The anchor of range `from`–`to`; throws `AnchorRangeError` for a range outside the body or empty. */
  anchorOf(from: number, to: number): { start: Uint8Array; end: Uint8Array; quote: string } {
    const size = this.body.content.size;
    if (!Number.isSafeInteger(from) || !Number.isSafeInteger(to) || from < 0 || to > size || from >= to) {
      throw new AnchorRangeError(`"from" and "to" must be positions with 0 ≤ from < to ≤ ${size} (got ${from}, ${to})`);
    }
    const quote = this.body.textBetween(from, to, '\n', ' ');
    if (quote.trim() === '' && !this.body.nodeAt(from)?.isLeaf) throw new AnchorRangeError('the range holds no text to comment on');
    return { ...encodeAnchor(this.doc, this.fragment, this.mapping, from, to), quote };
  }

  /** The range of the `occurrence`-th (from 1) appearance of `quote` inside one block; throws `AnchorRangeError` when there is none. */
  findQuote(quote: string, occurrence = 1): { from: number; to: number } {
    if (quote.length === 0) throw new AnchorRangeError('"quote" must not be empty');
    let seen = 0;
    let found: { from: number; to: number } | null = null;
    this.body.descendants((node, pos) => {
      if (found) return false;
      if (!node.isTextblock) return true;
      // A leaf inline node (an image, a line break) takes one position: a placeholder character.
      let text = '';
      node.forEach((child) => {
        text += child.isText ? (child.text ?? '') : '\uFFFC';
      });
      for (let index = text.indexOf(quote); index !== -1; index = text.indexOf(quote, index + 1)) {
        seen += 1;
        if (seen === occurrence) {
          found = { from: pos + 1 + index, to: pos + 1 + index + quote.length };
          return false;
        }
      }
      return false;
    });
    if (!found)
      throw new AnchorRangeError(`"${quote.slice(0, 80)}" does not appear ${occurrence === 1 ? 'in one paragraph of the document' : `${occurrence} times`}`);
    return found;
  }

  /** Where thread `thread` is now: its range and text, or null when all of its text was deleted. */
  rangeOf(thread: ThreadView): { from: number; to: number; text: string } | null {
    const range = resolveAnchor(this.doc, this.fragment, this.mapping, thread.start, thread.end, this.body);
    return range ? { ...range, text: this.body.textBetween(range.from, range.to, '\n', ' ') } : null;
  }
}
