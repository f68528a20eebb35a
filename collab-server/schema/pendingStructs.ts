import * as encoding from 'lib0/encoding';
import * as Y from 'yjs';

/**
 * Removes structs from a document's pending set (content Yjs holds back until what it depends on
 * arrives): for each client in `drop`, its pending structs from that clock on. Yjs could never
 * apply a client's later structs without the earlier ones, so they go too. Used when content that
 * waited turns out to break the schema once its dependencies arrive ([G10] in
 * `shared/SCHEMA-RULES.md`): it came from a client that is not the one completing it, so it is
 * dropped rather than refused.
 */
export function dropFromPending(doc: Y.Doc, drop: ReadonlyMap<number, number>): void {
  const pending = doc.store.pendingStructs;
  if (!pending || drop.size === 0) return;
  const byClient = new Map<number, Array<Y.Item | Y.GC | Y.Skip>>();
  for (const struct of Y.decodeUpdateV2(pending.update).structs) {
    const from = drop.get(struct.id.client);
    if (from !== undefined && struct.id.clock + struct.length > from) continue;
    const list = byClient.get(struct.id.client);
    if (list) list.push(struct);
    else byClient.set(struct.id.client, [struct]);
  }
  if (byClient.size === 0) {
    doc.store.pendingStructs = null;
    return;
  }
  // The layout Yjs writes pending structs in (its `writeClientsStructs`), with no deletions after.
  const encoder = new Y.UpdateEncoderV2();
  encoding.writeVarUint(encoder.restEncoder, byClient.size);
  for (const [client, structs] of [...byClient.entries()].sort((a, b) => b[0] - a[0])) {
    structs.sort((a, b) => a.id.clock - b.id.clock);
    encoding.writeVarUint(encoder.restEncoder, structs.length);
    encoder.writeClient(client);
    encoding.writeVarUint(encoder.restEncoder, structs[0].id.clock);
    for (const struct of structs) struct.write(encoder, 0);
  }
  encoding.writeVarUint(encoder.restEncoder, 0);
  // What the structs still wait for is unchanged: Yjs retries them once any of it arrives.
  doc.store.pendingStructs = { missing: pending.missing, update: encoder.toUint8Array() };
}
