import * as Y from 'yjs';

/**
 * Versions as deltas of a garbage-collected document.
 *
 * The live document runs with `gc: true`: deleted content is dropped from memory, so a
 * `Y.snapshot` of it cannot show an older state. Instead each version stores the Yjs update from
 * the previous version's state to its own, taken while the content is still there: the structs
 * created since the previous version's state vector, and the deletions made since its delete set.
 * Version k is rebuilt by applying the deltas of versions 1…k to an empty document.
 *
 * `Y.encodeStateAsUpdate(doc, stateVector)` always carries the document's whole delete set, which
 * grows with every deletion ever made; a long history would store it again with every version.
 * The delta stores only the new deletions instead (the delete set part of the update is replaced
 * by the difference), which keeps a version's size proportional to what changed.
 */

/** A captured version: the delta from the previous state, and the state it leads to. */
export interface CapturedDelta {
  /** A Yjs update (v1): from the previous version's state to this one. */
  delta: Uint8Array;
  /** This version's state, an encoded `Y.Snapshot` (state vector and delete set). */
  state: Uint8Array;
}

/** True when `doc` is in exactly the state `previous` (an encoded `Y.Snapshot`) describes. */
export function isUnchanged(doc: Y.Doc, previous: Uint8Array | null): boolean {
  if (!previous) return false;
  return Y.equalSnapshots(Y.snapshot(doc), Y.decodeSnapshot(previous));
}

/**
 * The delta from `previous` (an encoded `Y.Snapshot` of an earlier state of `doc`, or null for the
 * empty document) to the current state of `doc`, and that state. Synchronous: it sees exactly one
 * state of the document.
 */
export function captureDelta(doc: Y.Doc, previous: Uint8Array | null): CapturedDelta {
  const current = Y.snapshot(doc);
  const before = previous ? Y.decodeSnapshot(previous) : Y.emptySnapshot;
  const full = Y.encodeStateAsUpdate(doc, Y.encodeStateVector(before.sv));
  const wholeDeleteSet = encodeDeleteSet(current.ds);
  // The update is not laid out as expected (a future Yjs): keep the whole delete set, which is always correct.
  if (!endsWith(full, wholeDeleteSet)) return { delta: full, state: Y.encodeSnapshot(current) };
  // The new deletions can take more ranges than all of them (a gap in one range splits it); then
  // the whole set is smaller, and as correct: deleting again what is deleted changes nothing.
  const newDeletions = encodeDeleteSet(subtractDeleteSets(current.ds, before.ds));
  const delta =
    newDeletions.byteLength < wholeDeleteSet.byteLength ? concat(full.subarray(0, full.byteLength - wholeDeleteSet.byteLength), newDeletions) : full;
  return { delta, state: Y.encodeSnapshot(current) };
}

/** A new document in the state the `deltas` of versions 1…k lead to (version k). */
export function rebuildVersion(deltas: readonly Uint8Array[]): Y.Doc {
  const doc = new Y.Doc();
  // One by one: measured faster than merging them first (each delta integrates onto a consistent state).
  for (const delta of deltas) Y.applyUpdate(doc, delta);
  return doc;
}

/** What a capture finds: the delta to the current state, and whether that state is the previous one. */
export interface CapturedVersion extends CapturedDelta {
  unchanged: boolean;
}

/** The version the updates `state` rebuild, against `previous` (see `captureDelta`): run on a worker, it costs the event loop nothing. */
export function captureVersion(state: readonly Uint8Array[], previous: Uint8Array | null): CapturedVersion {
  const doc = rebuildVersion(state);
  try {
    return { unchanged: isUnchanged(doc, previous), ...captureDelta(doc, previous) };
  } finally {
    doc.destroy();
  }
}

type DeleteSet = Y.Snapshot['ds'];
type DeleteRange = { clock: number; len: number };

/** The delete set in the v1 update encoding (what `Y.encodeStateAsUpdate` writes after the structs). */
function encodeDeleteSet(ds: DeleteSet): Uint8Array {
  // A snapshot encodes as the delete set followed by the state vector; an empty one is one zero byte.
  const encoded = Y.encodeSnapshot(Y.createSnapshot(ds, new Map()));
  return encoded.subarray(0, encoded.byteLength - 1);
}

/** The ranges of `current` that are not in `previous` (both sorted and merged, as Yjs builds them). */
function subtractDeleteSets(current: DeleteSet, previous: DeleteSet): DeleteSet {
  const result = Y.createDeleteSet();
  for (const [client, ranges] of current.clients) {
    const known = (previous.clients.get(client) ?? []) as DeleteRange[];
    const kept: DeleteRange[] = [];
    let k = 0;
    for (const range of ranges as DeleteRange[]) {
      let start = range.clock;
      const end = range.clock + range.len;
      while (k < known.length && known[k].clock + known[k].len <= start) k++;
      let j = k;
      while (start < end && j < known.length && known[j].clock < end) {
        if (known[j].clock > start) kept.push({ clock: start, len: known[j].clock - start });
        start = Math.max(start, known[j].clock + known[j].len);
        j++;
      }
      if (start < end) kept.push({ clock: start, len: end - start });
    }
    if (kept.length > 0) result.clients.set(client, kept as never);
  }
  return result;
}

function endsWith(bytes: Uint8Array, suffix: Uint8Array): boolean {
  if (suffix.byteLength > bytes.byteLength) return false;
  const offset = bytes.byteLength - suffix.byteLength;
  for (let i = 0; i < suffix.byteLength; i++) if (bytes[offset + i] !== suffix[i]) return false;
  return true;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const result = new Uint8Array(a.byteLength + b.byteLength);
  result.set(a, 0);
  result.set(b, a.byteLength);
  return result;
}
