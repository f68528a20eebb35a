import * as Y from 'yjs';
import { StoreError } from './DocumentStore';
import { mergeAuthors, type StoredVersion, type VersionInfo } from './VersionStore';

/** What removing versions changes: the versions to delete, and the versions that take over their deltas. */
export interface RemovalPlan {
  removed: number[];
  /** Versions whose delta and authors now also hold those of the removed versions just before them. */
  rewritten: StoredVersion[];
}

/**
 * Plans `removeVersions` (SPEC.md [L21]): each removed version's delta and authors move into the
 * next version that stays, so every remaining version rebuilds as before. `versions` are all the
 * stored versions of the document, oldest first. Throws `NOT_FOUND` for an id that is not stored
 * and `INVALID_ARGUMENT` for the latest version, whose state the next delta starts from.
 */
export function planRemoval(document: string, versions: readonly StoredVersion[], ids: readonly number[]): RemovalPlan {
  const removing = new Set(ids);
  for (const id of removing) {
    if (!versions.some((version) => version.info.id === id)) throw new StoreError('NOT_FOUND', `document "${document}" has no version ${id}`);
  }
  const latest = versions[versions.length - 1];
  if (latest && removing.has(latest.info.id)) {
    throw new StoreError(
      'INVALID_ARGUMENT',
      `version ${latest.info.id} is the latest version of "${document}" and cannot be removed: the next version is stored relative to it`,
    );
  }
  const rewritten: StoredVersion[] = [];
  let carried: StoredVersion[] = [];
  for (const version of versions) {
    if (removing.has(version.info.id)) {
      carried.push(version);
      continue;
    }
    if (carried.length === 0) continue;
    const deltas = [...carried.map((removed) => removed.delta), version.delta];
    const authors = carried.reduce((merged, removed) => mergeAuthors(merged, removed.info.authors), [] as VersionInfo['authors']);
    const delta = Y.mergeUpdates(deltas);
    rewritten.push({ info: { ...version.info, authors: mergeAuthors(authors, version.info.authors), bytes: delta.byteLength }, delta });
    carried = [];
  }
  return { removed: [...removing].sort((a, b) => a - b), rewritten };
}
