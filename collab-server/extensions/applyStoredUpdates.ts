import * as Y from 'yjs';

/** Updates applied per transaction when replaying a log. */
const UPDATES_PER_TRANSACTION = 256;
/** Up to this many stored updates, `Y.mergeUpdates` is the faster way (measured: snapshot + 50 entries 27 ms vs 66 ms). */
const MERGE_AT_MOST = 256;

/**
 * Applies a stored document (its snapshot, then its log, in order) to `document` as a single
 * update, so the document emits one update event for the whole load.
 *
 * A snapshot with a short log is merged and applied at once. A long log must not go through
 * `Y.mergeUpdates`, whose cost grows much faster than the number of updates (5,000 one-keystroke
 * updates take 3 s, 20,000 take 56 s, a 260,000-update log does not finish), nor through one
 * transaction per update on the loaded document (each would be queued for broadcast and merged
 * again). So a long log is replayed into a scratch document, a few hundred updates per
 * transaction (one huge transaction is slow too), and its state is applied once.
 * Updates that reference missing content stay pending in `document`, as they would otherwise.
 */
export function applyStoredUpdates(document: Y.Doc, updates: Uint8Array[]): void {
  if (updates.length === 0) return;
  if (updates.length === 1) {
    Y.applyUpdate(document, updates[0]);
    return;
  }
  if (updates.length <= MERGE_AT_MOST) {
    Y.applyUpdate(document, Y.mergeUpdates(updates));
    return;
  }
  const scratch = new Y.Doc({ gc: document.gc });
  try {
    for (let start = 0; start < updates.length; start += UPDATES_PER_TRANSACTION) {
      const end = Math.min(updates.length, start + UPDATES_PER_TRANSACTION);
      scratch.transact(() => {
        for (let i = start; i < end; i++) Y.applyUpdate(scratch, updates[i]);
      });
    }
    // The encoded state carries pending structs and deletions along with the integrated content.
    Y.applyUpdate(document, Y.encodeStateAsUpdate(scratch));
  } finally {
    scratch.destroy();
  }
}
