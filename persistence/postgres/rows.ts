import type pg from 'pg';
import type { DocumentMeta, MetaPatch } from '../DocumentStore';
import { emptyHead, type HistoryHead, type StoredVersion, type VersionAuthor, type VersionHistory, type VersionInfo } from '../VersionStore';

/** A row of `quire_documents` as the driver returns it (bigints as numbers, see the store's type parser). */
export interface DocumentRow {
  name: string;
  created_at: number;
  updated_at: number;
  title: string;
  properties: Record<string, string>;
  snapshot: Buffer | null;
  snapshot_bytes: number;
  first_seq: number;
  next_seq: number;
  log_bytes: number;
}

/** A row of `quire_history_heads`. */
export interface HeadRow {
  next_id: number;
  state: Buffer | null;
  contributors: VersionAuthor[];
}

/** A row of `quire_versions` (with or without its delta). */
export interface VersionRow {
  id: number;
  created_at: number;
  label: string | null;
  authors: VersionAuthor[];
  bytes: number;
  restored_from: VersionInfo['restoredFrom'];
  delta?: Buffer;
}

/** The public metadata of a document row. */
export function metaOf(row: DocumentRow): DocumentMeta {
  const logBytes = row.log_bytes;
  return {
    name: row.name,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
    title: row.title,
    size: row.snapshot_bytes + logBytes,
    logCount: row.next_seq - row.first_seq,
    logBytes,
    properties: { ...row.properties },
  };
}

/** A metadata patch as statement parameters: the title (null: unchanged), properties to set, property names to remove. */
export function patchParams(patch: MetaPatch): { title: string | null; set: Record<string, string>; remove: string[] } {
  const set: Record<string, string> = {};
  const remove: string[] = [];
  for (const [key, value] of Object.entries(patch.properties ?? {})) {
    if (value === null) remove.push(key);
    else set[key] = value;
  }
  return { title: patch.title ?? null, set, remove };
}

/** The head a row holds, or an empty one when the document has none yet. */
export function headOf(row: HeadRow | undefined): HistoryHead {
  if (!row) return emptyHead();
  return { nextId: row.next_id, state: row.state ?? null, contributors: row.contributors };
}

/** The description of a version row. */
export function infoOf(row: VersionRow): VersionInfo {
  return { id: row.id, createdAt: row.created_at, label: row.label, authors: row.authors, bytes: row.bytes, restoredFrom: row.restored_from ?? null };
}

/** The whole history of a document, read through `client` (inside the caller's transaction, for one point in time). */
export async function readHistory(client: pg.ClientBase, name: string): Promise<VersionHistory> {
  const head = await client.query<HeadRow>('SELECT next_id, state, contributors FROM quire_history_heads WHERE name = $1', [name]);
  const versions = await client.query<VersionRow>('SELECT * FROM quire_versions WHERE name = $1 ORDER BY id', [name]);
  return { head: headOf(head.rows[0]), versions: versions.rows.map((row): StoredVersion => ({ info: infoOf(row), delta: row.delta as Buffer })) };
}
