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
 * It costs time in proportion to the update, never to the document.
 */

/** What of `update` would wait if applied to `doc`, said for a person; null when nothing would. */
export function missingDependencies(doc: Y.Doc, update: Uint8Array): string | null {
  const standIn = new Y.Doc({ gc: false });
  try {
    Y.applyUpdate(standIn, standInFor(doc, update));
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

/** An update giving a fresh document the clocks `doc` has of every client `update` mentions, as garbage-collected ranges. */
function standInFor(doc: Y.Doc, update: Uint8Array): Uint8Array {
  const { structs, ds } = Y.decodeUpdate(update);
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
