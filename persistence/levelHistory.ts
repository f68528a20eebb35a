import type { BatchOperation } from 'leveldown';
import { StoreError } from './DocumentStore';
import { decodeDelta, type EncodedDelta, encodeDelta } from './deltaEncoding';
import { deltaKey, deltaRange, historyHeadKey, versionKey, versionRange } from './keys';
import type { SnapshotView } from './LevelDatabase';
import { emptyHead, type HistoryHead, type StoredVersion, type VersionAuthor, type VersionHistory, type VersionInfo } from './VersionStore';

/**
 * How `LevelDocumentStore` keeps version history (SPEC.md, "Key layout"): the head as JSON (the
 * state in base64), each version's description as JSON and its delta as raw bytes, or deflated
 * when that saves ([L26]). Reading checks that the parts agree ([L23]): damage is reported as
 * `CORRUPT`, never read as a shorter history.
 */

/** A version's description as stored: the public fields, and how its delta is stored. */
export interface StoredInfo {
  info: VersionInfo;
  /** Bytes of the stored, deflated delta; null when the delta is stored raw ([L26]). */
  deflated: number | null;
}

interface StoredHead {
  nextId: number;
  state: string | null;
  contributors: VersionAuthor[];
}

/** The batch operation that stores `head`. */
export function putHead(name: string, head: HistoryHead): BatchOperation {
  const stored: StoredHead = {
    nextId: head.nextId,
    state: head.state ? Buffer.from(head.state.buffer, head.state.byteOffset, head.state.byteLength).toString('base64') : null,
    contributors: head.contributors,
  };
  return { type: 'put', key: historyHeadKey(name), value: JSON.stringify(stored) };
}

/** The batch operations that store `version` (description and delta), its delta deflated when that saves ([L26]). */
export async function putVersion(name: string, { info, delta }: StoredVersion): Promise<BatchOperation[]> {
  return putEncodedVersion(name, info, await encodeDelta(delta));
}

/** The batch operations that store a version whose delta is encoded already (see `encodeDelta`). */
export function putEncodedVersion(name: string, info: VersionInfo, encoded: EncodedDelta): BatchOperation[] {
  return [putDescription(name, { info, deflated: encoded.deflated }), { type: 'put', key: deltaKey(name, info.id), value: encoded.value }];
}

/** The batch operation that rewrites a version's description, keeping how its delta is stored. */
export function putDescription(name: string, { info, deflated }: StoredInfo): BatchOperation {
  const stored = deflated === null ? info : { ...info, deflated };
  return { type: 'put', key: versionKey(name, info.id), value: JSON.stringify(stored) };
}

/** The head of `name` as of `view` (an empty one when none is stored). */
export async function readHead(view: SnapshotView, name: string): Promise<HistoryHead> {
  const value = await view.get(historyHeadKey(name));
  return value ? parseHead(name, value) : emptyHead();
}

/** The head stored in `value`, or null; for reads outside a view. */
export function headFrom(name: string, value: Buffer | undefined): HistoryHead {
  return value ? parseHead(name, value) : emptyHead();
}

/** Every version description of `name`, oldest first, checked against the head. */
export async function readVersionInfos(view: SnapshotView, name: string, head: HistoryHead): Promise<VersionInfo[]> {
  return (await readStoredInfos(view, name, head)).map(({ info }) => info);
}

/** Every version description of `name` as stored (with how its delta is stored), oldest first, checked against the head. */
export async function readStoredInfos(view: SnapshotView, name: string, head: HistoryHead): Promise<StoredInfo[]> {
  const range = versionRange(name);
  const infos: StoredInfo[] = [];
  for await (const [key, value] of view.range(range.gte, range.lt)) infos.push(parseVersion(name, key, value));
  const last = infos[infos.length - 1]?.info;
  if (last && last.id >= head.nextId) throw corrupt(name, `version ${last.id} is stored but the history head says the next id is ${head.nextId}`);
  if (last && !head.state) throw corrupt(name, 'versions are stored but the history head has no state');
  return infos;
}

/** Every version of `name` with its delta, oldest first; a description without its delta (or the reverse) is `CORRUPT`. */
export async function readVersions(view: SnapshotView, name: string, head: HistoryHead): Promise<StoredVersion[]> {
  const infos = await readStoredInfos(view, name, head);
  const range = deltaRange(name);
  const deltas: Array<[string, Buffer]> = [];
  for await (const entry of view.range(range.gte, range.lt)) deltas.push(entry);
  if (deltas.length !== infos.length || deltas.some(([key], index) => key !== deltaKey(name, infos[index].info.id))) {
    throw corrupt(name, `${infos.length} version descriptions but ${deltas.length} deltas are stored, or their ids differ`);
  }
  return infos.map((info, index) => checkedVersion(name, info, deltas[index][1]));
}

/** The deltas of the versions up to `id`, or null when version `id` is not stored. */
export async function readDeltasUpTo(view: SnapshotView, name: string, id: number, head: HistoryHead): Promise<Uint8Array[] | null> {
  const infos = await readStoredInfos(view, name, head);
  const wanted = infos.filter(({ info }) => info.id <= id);
  if (wanted[wanted.length - 1]?.info.id !== id) return null;
  // One pass over the range: a seek per version costs more than reading them in key order.
  const range = deltaRange(name);
  const deltas: Uint8Array[] = [];
  for await (const [key, value] of view.range(range.gte, deltaKey(name, id + 1))) {
    const info = wanted[deltas.length];
    if (!info || key !== deltaKey(name, info.info.id)) throw corrupt(name, `the deltas stored up to version ${id} do not match the version descriptions`);
    deltas.push(checkedVersion(name, info, value).delta);
  }
  if (deltas.length !== wanted.length) throw corrupt(name, `version ${wanted[deltas.length].info.id} has no stored delta`);
  return deltas;
}

/** The whole history of `name` as of `view`: the head and every version with its delta, checked ([L23]). */
export async function readHistory(view: SnapshotView, name: string): Promise<VersionHistory> {
  const head = await readHead(view, name);
  return { head, versions: await readVersions(view, name, head) };
}

/** True when anything of a history is stored for `name` (to find history left without its document). */
export async function hasHistory(view: SnapshotView, name: string): Promise<boolean> {
  if ((await view.get(historyHeadKey(name))) !== undefined) return true;
  for (const range of [versionRange(name), deltaRange(name)]) {
    for await (const _ of view.range(range.gte, range.lt)) return true;
  }
  return false;
}

/** Every key of `name`'s history stored as of `view`. */
export async function historyKeys(view: SnapshotView, name: string): Promise<string[]> {
  const keys = [historyHeadKey(name)];
  for (const range of [versionRange(name), deltaRange(name)]) {
    for await (const [key] of view.range(range.gte, range.lt)) keys.push(key);
  }
  return keys;
}

/** The version with its delta as it was given (inflated when stored deflated); a delta that does not match its description is `CORRUPT`. */
function checkedVersion(name: string, { info, deflated }: StoredInfo, value: Buffer): StoredVersion {
  try {
    return { info, delta: decodeDelta(value, deflated, info.bytes) };
  } catch (error) {
    throw corrupt(name, `version ${info.id}: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function parseHead(name: string, value: Buffer): HistoryHead {
  const head = parseJson<StoredHead>(name, 'the history head', value);
  const valid =
    typeof head === 'object' &&
    head !== null &&
    Number.isSafeInteger(head.nextId) &&
    head.nextId >= 1 &&
    (head.state === null || typeof head.state === 'string') &&
    Array.isArray(head.contributors) &&
    head.contributors.every(isAuthor);
  if (!valid) throw corrupt(name, 'the history head lacks nextId, state or contributors');
  return { nextId: head.nextId, state: head.state === null ? null : new Uint8Array(Buffer.from(head.state, 'base64')), contributors: head.contributors };
}

function parseVersion(name: string, key: string, value: Buffer): StoredInfo {
  const info = parseJson<VersionInfo & { deflated?: unknown }>(name, `version record ${JSON.stringify(key)}`, value);
  const restored = info?.restoredFrom;
  const valid =
    typeof info === 'object' &&
    info !== null &&
    Number.isSafeInteger(info.id) &&
    versionKey(name, info.id) === key &&
    Number.isSafeInteger(info.createdAt) &&
    (info.label === null || typeof info.label === 'string') &&
    Array.isArray(info.authors) &&
    info.authors.every(isAuthor) &&
    Number.isSafeInteger(info.bytes) &&
    (restored === null || (typeof restored === 'object' && Number.isSafeInteger(restored.id) && Number.isSafeInteger(restored.createdAt))) &&
    (info.deflated === undefined || (Number.isSafeInteger(info.deflated) && (info.deflated as number) > 0));
  if (!valid) throw corrupt(name, `version record ${JSON.stringify(key)} does not match its key or lacks a field`);
  const { id, createdAt, label, authors, bytes, restoredFrom } = info;
  return { info: { id, createdAt, label, authors, bytes, restoredFrom }, deflated: (info.deflated as number | undefined) ?? null };
}

function parseJson<T>(name: string, what: string, value: Buffer): T {
  try {
    return JSON.parse(value.toString()) as T;
  } catch (error) {
    throw new StoreError('CORRUPT', `document "${name}": ${what} is not valid JSON`, { cause: error });
  }
}

function isAuthor(value: unknown): value is VersionAuthor {
  const author = value as VersionAuthor;
  return typeof author === 'object' && author !== null && typeof author.id === 'string' && typeof author.name === 'string' && typeof author.color === 'string';
}

function corrupt(name: string, problem: string): StoreError {
  return new StoreError('CORRUPT', `the history of document "${name}" cannot be read back: ${problem}`);
}
