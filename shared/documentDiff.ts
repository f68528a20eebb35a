import { ChangeSet, simplifyChanges, type TokenEncoder } from '@tiptap/pm/changeset';
import type { Mark, Node } from '@tiptap/pm/model';
import { StepMap } from '@tiptap/pm/transform';

/**
 * What changed between two versions of a document, for showing it: ranges deleted from the old
 * document and inserted in the new one, in ProseMirror positions. Whole unchanged blocks are
 * matched first (so an edit at the end of a long document never turns the whole document into one
 * change); inside the blocks that differ, `prosemirror-changeset` finds the characters that did,
 * and its presentation rules widen a change to whole words where that reads better.
 */

/** One change: `fromA`–`toA` of the old document became `fromB`–`toB` of the new one (either may be empty). */
export interface DocumentChange {
  fromA: number;
  toA: number;
  fromB: number;
  toB: number;
}

/** Beyond this many blocks on each side of the part that differs, blocks are not aligned one by one. */
const MAX_ALIGNED_BLOCKS = 2000;

/** The changes that turn `oldDoc` into `newDoc`, in document order. */
export function diffDocuments(oldDoc: Node, newDoc: Node): DocumentChange[] {
  if (oldDoc.eq(newDoc)) return [];
  const ranges = changedBlockRanges(oldDoc, newDoc);
  if (ranges.length === 0) return [];
  const changes = ChangeSet.create(oldDoc, undefined, MARK_AWARE).addSteps(newDoc, [new StepMap(ranges)], null).changes;
  return simplifyChanges(changes, newDoc).map(({ fromA, toA, fromB, toB }) => ({ fromA, toA, fromB, toB }));
}

/** The text a change deleted and inserted (blocks separated by newlines), for summaries and tests. */
export function changeText(oldDoc: Node, newDoc: Node, change: DocumentChange): { deleted: string; inserted: string } {
  return { deleted: oldDoc.textBetween(change.fromA, change.toA, '\n', ' '), inserted: newDoc.textBetween(change.fromB, change.toB, '\n', ' ') };
}

/**
 * Step map ranges (`start`, `oldSize`, `newSize`, in old positions) covering the top-level blocks
 * that differ: equal blocks at both ends are skipped, and in between blocks are aligned by a
 * longest common subsequence, so moved-around paragraphs and edits far apart stay separate.
 */
function changedBlockRanges(oldDoc: Node, newDoc: Node): number[] {
  const a = children(oldDoc);
  const b = children(newDoc);
  let start = 0;
  while (start < a.length && start < b.length && a[start].eq(b[start])) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1].eq(b[endB - 1])) {
    endA--;
    endB--;
  }
  const offsetsA = offsets(a);
  const offsetsB = offsets(b);
  const regions: Array<[number, number, number, number]> = [];
  if (endA - start > MAX_ALIGNED_BLOCKS || endB - start > MAX_ALIGNED_BLOCKS) {
    regions.push([start, endA, start, endB]);
  } else {
    // Longest common subsequence of the middle blocks, by content.
    const keysA = a.slice(start, endA).map(blockKey);
    const keysB = b.slice(start, endB).map(blockKey);
    const n = keysA.length;
    const m = keysB.length;
    const table = Array.from({ length: n + 1 }, () => new Uint16Array(m + 1));
    for (let i = n - 1; i >= 0; i--) {
      for (let j = m - 1; j >= 0; j--) table[i][j] = keysA[i] === keysB[j] ? table[i + 1][j + 1] + 1 : Math.max(table[i + 1][j], table[i][j + 1]);
    }
    let i = 0;
    let j = 0;
    let regionA = 0;
    let regionB = 0;
    const flush = () => {
      if (regionA < i || regionB < j) regions.push([start + regionA, start + i, start + regionB, start + j]);
    };
    while (i < n && j < m) {
      if (keysA[i] === keysB[j]) {
        flush();
        i++;
        j++;
        regionA = i;
        regionB = j;
      } else if (table[i + 1][j] >= table[i][j + 1]) i++;
      else j++;
    }
    i = n;
    j = m;
    flush();
  }
  const ranges: number[] = [];
  for (const [fromA, toA, fromB, toB] of regions) ranges.push(offsetsA[fromA], offsetsA[toA] - offsetsA[fromA], offsetsB[toB] - offsetsB[fromB]);
  return ranges;
}

function children(doc: Node): Node[] {
  const result: Node[] = [];
  doc.forEach((child) => {
    result.push(child);
  });
  return result;
}

/** Position of each block's start (and of the end) in the document. */
function offsets(blocks: Node[]): number[] {
  const result = [0];
  for (const block of blocks) result.push(result[result.length - 1] + block.nodeSize);
  return result;
}

function blockKey(node: Node): string {
  return JSON.stringify(node.toJSON());
}

/** Compares characters with their marks and nodes with their attributes, so formatting changes show as changes. */
const MARK_AWARE: TokenEncoder<string | number> = {
  encodeCharacter: (char: number, marks: readonly Mark[]) => (marks.length === 0 ? char : `${char}:${marks.map(markKey).join(',')}`),
  encodeNodeStart: (node: Node) => `${node.type.name}${JSON.stringify(node.attrs)}`,
  encodeNodeEnd: (node: Node) => `/${node.type.name}`,
  compareTokens: (a, b) => a === b,
};

function markKey(mark: Mark): string {
  return Object.keys(mark.attrs).length === 0 ? mark.type.name : `${mark.type.name}${JSON.stringify(mark.attrs)}`;
}
