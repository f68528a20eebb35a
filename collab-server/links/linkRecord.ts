import type { DocumentMeta } from '../../persistence/DocumentStore';
import { isLinkKind, LINK_KINDS, type LinkKind } from '../../shared/linkKinds';
import type { LinkKeys } from './linkCrypto';

/**
 * How a share link is stored: one document property per kind (`link.edit`, `link.view`, …), a
 * JSON record holding the hash of its secret, never the secret itself (see `linkCrypto.ts`).
 */
export interface LinkRecord extends LinkKeys {
  /** SHA-256 of the current secret. */
  hash: string;
  /** 1 for the first secret, one more at every reset; tokens minted from the link carry it. */
  generation: number;
  /**
   * Random, new with every secret; tokens minted from the link carry it, so a token is honored
   * only by the secret it came from (not by a document made again under the same name, whose
   * links count generations from 1 again).
   */
  id: string;
  /** When the current secret was made (ms since the epoch). */
  createdAt: number;
  /** When the link stops working (ms since the epoch), or null. */
  expiresAt: number | null;
  /** The secret sealed to each greater link's public key, by that link's kind. */
  sealed: Partial<Record<LinkKind, string>>;
  /** Hashes of the link's latest earlier secrets, newest first: someone on an old link is told it was reset. */
  retired: string[];
}

/** How many earlier secrets of a link are remembered as reset. */
export const RETIRED_KEPT = 5;

/** The records of a document's links, by kind. */
export type LinkRecords = Partial<Record<LinkKind, LinkRecord>>;

const FORMAT = 1;

/**
 * Where earlier builds kept the secrets in clear. They are migrated (hashed, the clear text
 * removed) the first time the document's links are used, and by the sweep at every start.
 */
export const LEGACY_PROPERTIES: Partial<Record<LinkKind, string>> = { edit: 'editKey', view: 'viewKey' };

/** The document property holding the link of `kind`. */
export function linkProperty(kind: LinkKind): string {
  return `link.${kind}`;
}

/** True when `meta` still holds a link secret in clear (written by an earlier build). */
export function hasLegacySecrets(meta: DocumentMeta): boolean {
  return Object.values(LEGACY_PROPERTIES).some((property) => meta.properties[property] !== undefined);
}

/** The links a document has. A record that cannot be read counts as no link: it opens nothing. */
export function readLinks(meta: DocumentMeta): LinkRecords {
  const records: LinkRecords = {};
  for (const { kind } of LINK_KINDS) {
    const text = meta.properties[linkProperty(kind)];
    const record = text === undefined ? null : parseRecord(text);
    if (record) records[kind] = record;
  }
  return records;
}

/** The property value storing `record`. */
export function serializeRecord(record: LinkRecord): string {
  const { hash, generation, id, createdAt, expiresAt, publicKey, privateKey, sealed, retired } = record;
  return JSON.stringify({ v: FORMAT, hash, generation, id, createdAt, expiresAt, publicKey, privateKey, sealed, retired });
}

/** True when the link has expired at `now`. */
export function isExpired(record: LinkRecord, now: number): boolean {
  return record.expiresAt !== null && record.expiresAt <= now;
}

/** The additional data binding a link's encrypted private key to its document and kind. */
export function privateKeyContext(name: string, kind: LinkKind): string {
  return `${name}\0${kind}\0private`;
}

/** The additional data binding the secret of link `kind`, sealed for the holder of link `holder`, to its place. */
export function sealContext(name: string, kind: LinkKind, holder: LinkKind): string {
  return `${name}\0${kind}\0for\0${holder}`;
}

function parseRecord(text: string): LinkRecord | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(text) as Record<string, unknown>;
  } catch {
    return null;
  }
  const { v, hash, generation, id, createdAt, expiresAt, publicKey, privateKey, sealed, retired } = value ?? {};
  const strings = [hash, id, publicKey, privateKey].every((field) => typeof field === 'string' && field.length > 0);
  if (v !== FORMAT || !strings || !Number.isSafeInteger(generation) || (generation as number) < 1 || typeof createdAt !== 'number') return null;
  if (expiresAt !== null && typeof expiresAt !== 'number') return null;
  if (typeof sealed !== 'object' || sealed === null || !Array.isArray(retired)) return null;
  const sealedByKind: Partial<Record<LinkKind, string>> = {};
  for (const [kind, box] of Object.entries(sealed)) if (isLinkKind(kind) && typeof box === 'string') sealedByKind[kind] = box;
  return {
    hash: hash as string,
    generation: generation as number,
    id: id as string,
    createdAt,
    expiresAt: expiresAt as number | null,
    publicKey: publicKey as string,
    privateKey: privateKey as string,
    sealed: sealedByKind,
    retired: retired.filter((entry): entry is string => typeof entry === 'string').slice(0, RETIRED_KEPT),
  };
}

/** What is kept of a link that was turned off: the hashes of its last secrets, so they are answered "turned off", not "unknown". */
export interface OffRecord {
  /** When it was turned off (ms since the epoch). */
  offAt: number;
  /** Hashes of its secret when turned off and the ones before it, newest first. */
  hashes: string[];
}

/** The document property holding what is kept of link `kind` while it is off. */
export function offProperty(kind: LinkKind): string {
  return `link-off.${kind}`;
}

/** The property value storing that `record` was turned off at `now`. */
export function serializeOff(record: LinkRecord, now: number): string {
  return JSON.stringify({ v: FORMAT, offAt: now, hashes: [record.hash, ...record.retired].slice(0, RETIRED_KEPT + 1) });
}

/** The links of `meta` that are off, by kind. A record that cannot be read counts as none. */
export function readOffLinks(meta: DocumentMeta): Partial<Record<LinkKind, OffRecord>> {
  const records: Partial<Record<LinkKind, OffRecord>> = {};
  for (const { kind } of LINK_KINDS) {
    const text = meta.properties[offProperty(kind)];
    if (text === undefined) continue;
    try {
      const { v, offAt, hashes } = JSON.parse(text) as Record<string, unknown>;
      if (v !== FORMAT || typeof offAt !== 'number' || !Array.isArray(hashes)) continue;
      records[kind] = { offAt, hashes: hashes.filter((hash): hash is string => typeof hash === 'string').slice(0, RETIRED_KEPT + 1) };
    } catch {
      // Unreadable: the old secrets are answered as unknown, which opens nothing either.
    }
  }
  return records;
}
