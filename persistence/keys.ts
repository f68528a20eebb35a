/**
 * The LevelDB key layout, version 1 (see SPEC.md, "Key layout").
 *
 * Every key but `format` starts with `v1`, then a one-letter space, separated by NUL. Stored
 * names never contain NUL (SPEC.md [L13]), so a name can never reach into another's range.
 */
export const LAYOUT_VERSION = '1';

const SEP = '\u0000';
const PREFIX = `v${LAYOUT_VERSION}${SEP}`;

/** The key that records which layout wrote this database. */
export const formatKey = 'format';
/** A key rewritten by readiness probes. */
export const probeKey = `${PREFIX}probe`;

/** Metadata (JSON) of one document. */
export const metaKey = (name: string) => `${PREFIX}m${SEP}${name}`;
/** The range holding every document's metadata. */
export const metaRange = { gte: `${PREFIX}m${SEP}`, lt: `${PREFIX}m\u0001` };
/** The log cursor (JSON: next sequence number, log bytes, update time) of one document, newer than its metadata's. */
export const cursorKey = (name: string) => `${PREFIX}c${SEP}${name}`;
/** The range holding every document's log cursor. */
export const cursorRange = { gte: `${PREFIX}c${SEP}`, lt: `${PREFIX}c\u0001` };
/** The latest snapshot (a Yjs update) of one document. */
export const snapshotKey = (name: string) => `${PREFIX}s${SEP}${name}`;
/** One log entry of one document; `seq` is zero-padded hex so keys sort in append order. */
export const logKey = (name: string, seq: number) => `${PREFIX}l${SEP}${name}${SEP}${seq.toString(16).padStart(12, '0')}`;
/** The range holding the log of one document. */
export const logRange = (name: string) => ({ gte: `${PREFIX}l${SEP}${name}${SEP}`, lt: `${PREFIX}l${SEP}${name}\u0001` });
/** Marks a deleted document, so it is not silently created again by a stale client; the value is the deletion time. */
export const tombstoneKey = (name: string) => `${PREFIX}t${SEP}${name}`;
/** The range holding every tombstone. */
export const tombstoneRange = { gte: `${PREFIX}t${SEP}`, lt: `${PREFIX}t\u0001` };
/** The head of one document's version history (JSON: next id, latest state, contributors since). */
export const historyHeadKey = (name: string) => `${PREFIX}h${SEP}${name}`;
/** The description (JSON) of one version; `id` is zero-padded hex so keys sort in version order. */
export const versionKey = (name: string, id: number) => `${PREFIX}v${SEP}${name}${SEP}${id.toString(16).padStart(12, '0')}`;
/** The range holding the version descriptions of one document. */
export const versionRange = (name: string) => ({ gte: `${PREFIX}v${SEP}${name}${SEP}`, lt: `${PREFIX}v${SEP}${name}\u0001` });
/** The delta (a Yjs update) of one version. */
export const deltaKey = (name: string, id: number) => `${PREFIX}d${SEP}${name}${SEP}${id.toString(16).padStart(12, '0')}`;
/** The range holding the version deltas of one document. */
export const deltaRange = (name: string) => ({ gte: `${PREFIX}d${SEP}${name}${SEP}`, lt: `${PREFIX}d${SEP}${name}\u0001` });
/** Everything this layout writes. */
export const layoutRange = { gte: PREFIX, lt: `v${LAYOUT_VERSION}\u0001` };
/** One blob's description (JSON) in one document; `hash` is its SHA-256 in hex. */
export const blobKey = (name: string, hash: string) => `${PREFIX}b${SEP}${name}${SEP}${hash}`;
/** The range holding the blob descriptions of one document. */
export const blobRange = (name: string) => ({ gte: `${PREFIX}b${SEP}${name}${SEP}`, lt: `${PREFIX}b${SEP}${name}\u0001` });
/** One chunk of the bytes one `putBlob` call wrote (`upload` names the call); `index` is zero-padded hex, so chunks sort in order. */
export const chunkKey = (name: string, upload: string, index: number) => `${PREFIX}k${SEP}${name}${SEP}${upload}${SEP}${index.toString(16).padStart(8, '0')}`;
/** The range holding the chunks one `putBlob` call wrote. */
export const uploadChunkRange = (name: string, upload: string) => ({
  gte: `${PREFIX}k${SEP}${name}${SEP}${upload}${SEP}`,
  lt: `${PREFIX}k${SEP}${name}${SEP}${upload}\u0001`,
});
/** The range holding every blob chunk of one document. */
export const chunkRange = (name: string) => ({ gte: `${PREFIX}k${SEP}${name}${SEP}`, lt: `${PREFIX}k${SEP}${name}\u0001` });
/** Marks a `putBlob` call that has written chunks and not finished yet; the value is the document name. */
export const uploadKey = (upload: string) => `${PREFIX}u${SEP}${upload}`;
/** The range holding every unfinished `putBlob` call's mark. */
export const uploadRange = { gte: `${PREFIX}u${SEP}`, lt: `${PREFIX}u\u0001` };
/** One entry (JSON) of one document's audit log; `seq` is zero-padded hex so keys sort in append order. */
export const auditKey = (name: string, seq: number) => `${PREFIX}a${SEP}${name}${SEP}${seq.toString(16).padStart(12, '0')}`;
/** The range holding the audit log of one document. */
export const auditRange = (name: string) => ({ gte: `${PREFIX}a${SEP}${name}${SEP}`, lt: `${PREFIX}a${SEP}${name}\u0001` });
