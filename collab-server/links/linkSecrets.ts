import { randomBytes } from 'node:crypto';
import { kindsAbove, kindsUpTo, LINK_KINDS, type LinkKind, roleOfLink } from '../../shared/linkKinds';
import { hashSecret, newLinkKeys, newLinkSecret, openPrivateKey, openSealed, sealTo } from './linkCrypto';
import { type LinkRecord, type LinkRecords, linkProperty, privateKeyContext, RETIRED_KEPT, sealContext, serializeRecord } from './linkRecord';

/**
 * Making and opening a document's link records (see `linkCrypto.ts` for the cryptography): new
 * secrets sealed for the greater links, and the secrets a holder of one link may be shown.
 */

/** Someone proving they hold a link: its kind and secret (checked before it is passed here). */
export interface LinkHolder {
  kind: LinkKind;
  secret: string;
}

/**
 * The document properties for the links of `kinds` of a new document named `name`, and their
 * secrets (to show once), so a document is created with its links in one write.
 */
export function initialLinks(
  name: string,
  kinds: readonly LinkKind[],
  now = Date.now(),
): { properties: Record<string, string>; secrets: Partial<Record<LinkKind, string>> } {
  const { patch, secrets } = replaceSecrets(name, {}, kinds, {}, { expiresAt: null, now });
  return { properties: patch as Record<string, string>, secrets };
}

/**
 * The secrets `holder` may see of a document's links: its own, and those of the lesser links
 * sealed for it. A lesser link whose secret cannot be opened (it was sealed for an earlier secret
 * of the holder's link, or never for it) is null; links that do not exist are left out.
 */
export function revealSecrets(name: string, records: LinkRecords, holder: LinkHolder): Partial<Record<LinkKind, string | null>> {
  const own = records[holder.kind];
  const privateKey = own ? openPrivateKey(holder.secret, own, privateKeyContext(name, holder.kind)) : null;
  const shown: Partial<Record<LinkKind, string | null>> = {};
  for (const kind of kindsUpTo(roleOfLink(holder.kind))) {
    const record = records[kind];
    if (!record) continue;
    if (kind === holder.kind) {
      shown[kind] = holder.secret;
      continue;
    }
    const sealed = record.sealed[holder.kind];
    shown[kind] = privateKey && sealed ? openSealed(privateKey, sealed, sealContext(name, kind, holder.kind)) : null;
  }
  return shown;
}

/**
 * The property patch giving the links of `kinds` new secrets (`options.secrets`, or new random
 * ones): each new record is sealed for the greater links, and the lesser links whose secrets are
 * `known` are sealed again for the new key pairs; those not known lose their sealed copy for it.
 */
export function replaceSecrets(
  name: string,
  current: LinkRecords,
  kinds: readonly LinkKind[],
  known: Partial<Record<LinkKind, string | null>>,
  options: {
    expiresAt: number | null;
    now: number;
    secrets?: Partial<Record<LinkKind, string>>;
    /** Earlier secrets' hashes of links that were off, kept as the new records' `retired` (answered "reset"). */
    retired?: Partial<Record<LinkKind, string[]>>;
  },
): { patch: Record<string, string | null>; secrets: Partial<Record<LinkKind, string>> } {
  const records: LinkRecords = { ...current };
  const secrets: Partial<Record<LinkKind, string>> = {};
  const secretOf: Partial<Record<LinkKind, string | null>> = { ...known };
  for (const kind of kinds) {
    const secret = options.secrets?.[kind] ?? newLinkSecret();
    const previous = current[kind];
    secrets[kind] = secret;
    secretOf[kind] = secret;
    records[kind] = {
      hash: hashSecret(secret),
      generation: (previous?.generation ?? 0) + 1,
      id: randomBytes(9).toString('base64url'),
      createdAt: options.now,
      expiresAt: options.expiresAt,
      ...newLinkKeys(secret, privateKeyContext(name, kind)),
      sealed: {},
      retired: previous ? [previous.hash, ...previous.retired].slice(0, RETIRED_KEPT) : (options.retired?.[kind] ?? []).slice(0, RETIRED_KEPT),
    };
  }
  const changed = new Set<LinkKind>();
  for (const kind of kinds) changed.add(kind);
  for (const { kind } of LINK_KINDS) {
    const record = records[kind];
    if (!record) continue;
    let sealed = record.sealed;
    for (const greater of kindsAbove(kind)) {
      const holder = records[greater];
      // A seal stays valid while neither its secret nor its recipient's key changed.
      if (!holder || (!kinds.includes(kind) && !kinds.includes(greater))) continue;
      const secret = secretOf[kind];
      const { [greater]: _stale, ...rest } = sealed;
      sealed = secret ? { ...rest, [greater]: sealTo(holder.publicKey, secret, sealContext(name, kind, greater)) } : rest;
      changed.add(kind);
    }
    records[kind] = { ...record, sealed };
  }
  const patch: Record<string, string | null> = {};
  for (const kind of changed) patch[linkProperty(kind)] = serializeRecord(records[kind] as LinkRecord);
  return { patch, secrets };
}
