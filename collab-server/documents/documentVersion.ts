import { createHash } from 'node:crypto';
import * as Y from 'yjs';

/**
 * The document's version: a hash of everything it contains (the Yjs state vector and delete
 * set), so any change, an insertion or a deletion, gives a new version. The content API sends it
 * as the `ETag` of a read and checks it against `If-Match` on a write.
 */
export function versionOf(doc: Y.Doc): string {
  return createHash('sha256')
    .update(Y.encodeSnapshot(Y.snapshot(doc)))
    .digest('base64url')
    .slice(0, 27);
}
