import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Whether an update would leave anything in Yjs' pending sets ([G10] in `shared/SCHEMA-RULES.md`):
 * structs whose earlier clocks, neighbours or parent the document does not have (Yjs keeps them
 * in `store.pendingStructs`), or deletions of clocks it does not have (`store.pendingDs`). Such
 * content would be integrated later, by whichever update supplies what it waits for, without the
 * checks that update gets seeing it; so it is refused instead of kept.
 *
 * Yjs decides what waits by clocks alone (`Item.getMissing`, the per-client state in
 * `integrateStructs`, the state check of `readAndApplyDeleteSet`). So the update is applied to a
 * stand-in that holds, for each client the update mentions, one garbage-collected range of the
 * clocks the document has of it: what waits there is exactly what would wait in the document.
 * It costs time in proportion to the update, never to the document; the common case (items that
 * refer only to content the document has) is told from the decoded update alone.
 */

/** What of `update` would wait if applied to `doc`, said for a person; null when nothing would. */
export function missingDependencies(doc: Y.Doc, update: Uint8Array): string | null {
  const decoded = Y.decodeUpdate(update);
  if (integratesAtOnce(doc, decoded)) return null;
  const standIn = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(standIn, standInFor(doc, decoded));
    Y.applyUpdate(standIn, update);
  } catch (error) {
    return `the update could not be applied as a whole (${error instanceof Error ? error.message : String(error)})`;
  } finally {
    standIn.destroy();
  }
  const { pendingStructs, pendingDs } = standIn.store;
  if (pendingStructs) {
    const missing = [...pendingStructs.missing].map(([client, clock]) => `clock ${clock} of client ${client}`);
    return `the update builds on content the document does not have (${missing.slice(0, 5).join(', ')})`;
  }
  if (pendingDs) return 'the update deletes content the document does not have';
  return null;
}

type Decoded = ReturnType<typeof Y.decodeUpdate>;

/**
 * The common case without the stand-in (a keystroke, an edit of one client): each client's
 * structs start where the document's state is, with no gap; every item refers only to content
 * the document has or to earlier clocks of its own client; every deletion is of clocks the
 * document has or the update adds. Then Yjs integrates everything at once. Anything else (items
 * referring to each other across clients, which a hand-made update can make circular) is left to
 * the stand-in, which is exact.
 */
function integratesAtOnce(doc: Y.Doc, { structs, ds }: Decoded): boolean {
  const end = new Map<number, number>();
  const has = (id: Y.ID) => id.clock < Y.getState(doc.store, id.client);
  for (const struct of structs) {
    const { client, clock } = struct.id;
    if (struct instanceof Y.Skip || clock > (end.get(client) ?? Y.getState(doc.store, client))) return false;
    end.set(client, clock + struct.length);
    if (!(struct instanceof Y.Item)) continue;
    for (const id of [struct.origin, struct.rightOrigin, struct.parent instanceof Y.ID ? struct.parent : null]) {
      if (id && !has(id) && (id.client !== client || id.clock >= clock)) return false;
    }
  }
  for (const [client, ranges] of ds.clients) {
    const state = Math.max(end.get(client) ?? 0, Y.getState(doc.store, client));
    if (ranges.some((range) => range.clock + range.len > state)) return false;
  }
  return true;
}

/** An update giving a fresh document the clocks `doc` has of every client the update mentions, as garbage-collected ranges. */
function standInFor(doc: Y.Doc, { structs, ds }: Decoded): Uint8Array {
  const clients = new Set<number>(ds.clients.keys());
  for (const struct of structs) {
    clients.add(struct.id.client);
    if (!(struct instanceof Y.Item)) continue;
    if (struct.origin) clients.add(struct.origin.client);
    if (struct.rightOrigin) clients.add(struct.rightOrigin.client);
    if (struct.parent instanceof Y.ID) clients.add(struct.parent.client);
  }
  const known = [...clients].map((client) => ({ client, state: Y.getState(doc.store, client) })).filter(({ state }) => state > 0);
  const encoder = new Y.UpdateEncoderV1();
  encoding.writeVarUint(encoder.restEncoder, known.length);
  for (const { client, state } of known) {
    encoding.writeVarUint(encoder.restEncoder, 1);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, 0);
    new Y.GC(Y.createID(client, 0), state).write(encoder, 0);
  }
  encoding.writeVarUint(encoder.restEncoder, 0);
  return encoder.toUint8Array();
}
