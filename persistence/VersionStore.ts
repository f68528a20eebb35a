/**
 * Version history storage: the versions of each document, kept next to it in the same store.
 *
 * A version is stored as the Yjs update that leads from the previous version's state to its own
 * (its *delta*), so version k is rebuilt by applying the deltas of versions 1…k to an empty
 * document, and no version holds a copy of content an earlier one already has. The *head* holds
 * the state of the latest version (an encoded `Y.Snapshot`: state vector and delete set), from
 * which the next delta is computed, and the contributors recorded since. Rules are in
 * `persistence/SPEC.md` ([L18]–[L24]).
 */

/** Who contributed to a version: the identity their token proved. */
export interface VersionAuthor {
  id: string;
  name: string;
  color: string;
}

/** A version this one restored (a copy of its description, so it stays readable if that version is removed). */
export interface RestoredFrom {
  id: number;
  createdAt: number;
  label: string | null;
}

/** What a store knows about one version without reading its delta. */
export interface VersionInfo {
  /** 1, 2, 3, … per document, in the order versions were added; never reused. */
  id: number;
  /** Milliseconds since the epoch when the version was captured. */
  createdAt: number;
  /** The name given to the version, or null for an automatic one. */
  label: string | null;
  /** Everyone who changed the document between the previous stored version and this one. */
  authors: VersionAuthor[];
  /** Bytes of the stored delta. */
  bytes: number;
  /** Set when this version is the result of restoring an earlier one. */
  restoredFrom: RestoredFrom | null;
}

/** A stored version with its delta. */
export interface StoredVersion {
  info: VersionInfo;
  delta: Uint8Array;
}

/** A document's whole history as a store holds it: the head and every version with its delta, oldest first. */
export interface VersionHistory {
  head: HistoryHead;
  versions: StoredVersion[];
}

/** A version to add: its description and its delta from the latest stored version. */
export interface NewVersion {
  createdAt: number;
  label: string | null;
  authors: VersionAuthor[];
  restoredFrom: RestoredFrom | null;
  /** The Yjs update from the latest stored version's state (or from nothing) to this version. */
  delta: Uint8Array;
  /** This version's state (an encoded `Y.Snapshot`), which becomes the head's state. */
  state: Uint8Array;
}

/** Where the history of a document stands. */
export interface HistoryHead {
  /** The id the next version gets. */
  nextId: number;
  /** The latest version's state (an encoded `Y.Snapshot`), or null before the first version. */
  state: Uint8Array | null;
  /** Contributors recorded since the latest version (they become the next version's authors). */
  contributors: VersionAuthor[];
}

/** Version history of the documents in a `DocumentStore`; failures are `StoreError`s. */
export interface VersionStore {
  /** The head of a document's history (an empty one before the first version), or null when the document does not exist. */
  historyHead(name: string): Promise<HistoryHead | null>;
  /** Every stored version of a document, oldest first, or null when the document does not exist. */
  listVersions(name: string): Promise<VersionInfo[] | null>;
  /** The deltas of versions 1…`id` that are still stored, in order (apply them to rebuild version `id`); null when there is no such version. */
  loadVersion(name: string, id: number): Promise<Uint8Array[] | null>;
  /** Stores a version after the latest one and makes it the head, in one atomic write; returns it with its id. */
  addVersion(name: string, version: NewVersion): Promise<VersionInfo>;
  /** Adds contributors (by `id`, without duplicates) to the head, for the next version. */
  addContributors(name: string, authors: VersionAuthor[]): Promise<void>;
  /** Names a version (a string) or makes it automatic again (null); fails with `NOT_FOUND` when there is no such version. */
  labelVersion(name: string, id: number, label: string | null): Promise<VersionInfo>;
  /**
   * Removes versions, merging each one's delta and authors into the next version that stays, in
   * one atomic write, so every remaining version rebuilds exactly as before. The latest version
   * cannot be removed (`INVALID_ARGUMENT`): the next delta starts from its state.
   */
  removeVersions(name: string, ids: number[]): Promise<void>;
}

/** The history of a document that has no versions yet. */
export function emptyHistory(): VersionHistory {
  return { head: emptyHead(), versions: [] };
}

/** True when `history` holds nothing a store needs to write: no versions, no contributors, the first id next. */
export function isEmptyHistory({ head, versions }: VersionHistory): boolean {
  return versions.length === 0 && head.nextId === 1 && head.state === null && head.contributors.length === 0;
}

/** The head of a document that has no versions yet. */
export function emptyHead(): HistoryHead {
  return { nextId: 1, state: null, contributors: [] };
}

/** `authors` followed by those of `more` not already among them (by `id`). */
export function mergeAuthors(authors: readonly VersionAuthor[], more: readonly VersionAuthor[]): VersionAuthor[] {
  const merged = authors.map((author) => ({ ...author }));
  for (const author of more) if (!merged.some((known) => known.id === author.id)) merged.push({ ...author });
  return merged;
}
