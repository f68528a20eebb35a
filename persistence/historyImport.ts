import { StoreError } from './DocumentStore';
import type { HistoryHead, RestoredFrom, StoredVersion, VersionAuthor, VersionHistory, VersionInfo } from './VersionStore';

/**
 * Checks a history given to `importDocument` (SPEC.md [L24]) and returns a clean copy of it: only
 * the known fields, bytes copied. A history a store could not read back afterwards ([L23]) is
 * refused with `INVALID_ARGUMENT` naming the document and the problem, before anything is written.
 */
export function checkedHistory(name: string, history: VersionHistory): VersionHistory {
  const refuse = (problem: string): never => {
    throw new StoreError('INVALID_ARGUMENT', `the history given for document "${name}" cannot be imported: ${problem}`);
  };
  if (typeof history !== 'object' || history === null || !Array.isArray(history.versions)) refuse('it has no list of versions');
  const head = checkedHead(history.head, refuse);
  const versions: StoredVersion[] = [];
  let previous = 0;
  for (const version of history.versions) {
    const info = checkedInfo(version?.info, refuse);
    if (info.id <= previous) refuse(`version ${info.id} comes after version ${previous}; ids must increase`);
    if (info.id >= head.nextId) refuse(`version ${info.id} is not below the head's next id ${head.nextId}`);
    if (!(version.delta instanceof Uint8Array)) refuse(`version ${info.id} has no delta`);
    if (version.delta.byteLength !== info.bytes) refuse(`version ${info.id} says its delta has ${info.bytes} bytes but it has ${version.delta.byteLength}`);
    versions.push({ info, delta: version.delta.slice() });
    previous = info.id;
  }
  if (versions.length > 0 && head.state === null) refuse('it has versions but its head has no state');
  return { head, versions };
}

function checkedHead(head: HistoryHead | undefined, refuse: (problem: string) => never): HistoryHead {
  const valid =
    typeof head === 'object' &&
    head !== null &&
    Number.isSafeInteger(head.nextId) &&
    head.nextId >= 1 &&
    (head.state === null || head.state instanceof Uint8Array) &&
    Array.isArray(head.contributors) &&
    head.contributors.every(isAuthor);
  if (!valid) return refuse('its head lacks nextId (a whole number from 1), state (bytes or null) or contributors ({ id, name, color })');
  return { nextId: head.nextId, state: head.state?.slice() ?? null, contributors: head.contributors.map(copyAuthor) };
}

function checkedInfo(info: VersionInfo | undefined, refuse: (problem: string) => never): VersionInfo {
  const restored = info?.restoredFrom as RestoredFrom | null | undefined;
  const valid =
    typeof info === 'object' &&
    info !== null &&
    Number.isSafeInteger(info.id) &&
    info.id >= 1 &&
    Number.isSafeInteger(info.createdAt) &&
    (info.label === null || typeof info.label === 'string') &&
    Array.isArray(info.authors) &&
    info.authors.every(isAuthor) &&
    Number.isSafeInteger(info.bytes) &&
    (restored === null ||
      (typeof restored === 'object' &&
        Number.isSafeInteger(restored.id) &&
        Number.isSafeInteger(restored.createdAt) &&
        (restored.label === null || typeof restored.label === 'string')));
  if (!valid) {
    return refuse(
      `the version record ${JSON.stringify(info)?.slice(0, 200)} lacks a field (id, createdAt, label, authors, bytes, restoredFrom) or has one of the wrong type`,
    );
  }
  return {
    id: info.id,
    createdAt: info.createdAt,
    label: info.label,
    authors: info.authors.map(copyAuthor),
    bytes: info.bytes,
    restoredFrom: restored ? { id: restored.id, createdAt: restored.createdAt, label: restored.label } : null,
  };
}

function isAuthor(value: unknown): value is VersionAuthor {
  const author = value as VersionAuthor;
  return typeof author === 'object' && author !== null && typeof author.id === 'string' && typeof author.name === 'string' && typeof author.color === 'string';
}

function copyAuthor({ id, name, color }: VersionAuthor): VersionAuthor {
  return { id, name, color };
}
