import type { AuditActor } from '../../persistence/AuditStore';
import { type DocumentMeta, type DocumentStore, StoreError } from '../../persistence/DocumentStore';
import { isLinkKind, kindsUpTo, LINK_KINDS, type LinkKind, roleOfLink } from '../../shared/linkKinds';
import { SerialByKey } from '../../shared/serialByKey';
import type { LinkClaim, Role } from '../../shared/token';
import type { AuditLog } from '../audit/AuditLog';
import type { Logger } from '../logger';
import { secretMatches } from './linkCrypto';
import {
  hasLegacySecrets,
  isExpired,
  LEGACY_PROPERTIES,
  type LinkRecord,
  linkProperty,
  offProperty,
  readLinks,
  readOffLinks,
  serializeOff,
  serializeRecord,
} from './linkRecord';
import { type LinkHolder, replaceSecrets, revealSecrets } from './linkSecrets';

/** The latest expiry a link may be given: ten years ahead. */
export const MAX_LINK_LIFETIME_MS = 10 * 365 * 24 * 60 * 60 * 1000;

/** True when `time` (ms since the epoch) may be a link's expiry at `now`: in the future, at most `MAX_LINK_LIFETIME_MS` ahead. */
export function isValidExpiry(time: number, now = Date.now()): boolean {
  return Number.isSafeInteger(time) && time > now && time <= now + MAX_LINK_LIFETIME_MS;
}

/** What a presented link secret is worth on a document. */
export type LinkCheck =
  | { status: 'ok'; kind: LinkKind; role: Role; record: LinkRecord; meta: DocumentMeta }
  | { status: 'expired'; kind: LinkKind; expiresAt: number }
  /** One of the link's earlier secrets: the link was reset since. */
  | { status: 'reset'; kind: LinkKind }
  /** The secret of a link that was turned off (and not turned on again since). */
  | { status: 'off'; kind: LinkKind }
  /** No such document, or a secret it never had: one answer for both. */
  | { status: 'unknown' };

/** A link described without its secret. */
export interface LinkSummary {
  kind: LinkKind;
  generation: number;
  /** When its current secret was made (ms since the epoch). */
  createdAt: number;
  expiresAt: number | null;
  expired: boolean;
}

/** A link was given a new expiry (ms since the epoch, or null for never). */
export interface ExpiryChange {
  name: string;
  kind: LinkKind;
  expiresAt: number | null;
}

/** A link's secret changed or the link was removed: sessions opened through older secrets must end. */
export interface Revocation {
  name: string;
  kind: LinkKind;
  /** The link's new generation and id; null when the link was removed. */
  generation: number | null;
  id: string | null;
  /** A user whose open sessions move to the new generation instead (the person who reset the link). */
  spare?: string;
}

export interface ShareLinksOptions {
  /** Where the links live: in the documents' properties. */
  store: Pick<DocumentStore, 'getMeta' | 'updateMeta' | 'list'>;
  /** The roles that may create, reset and remove links (LINK_MANAGER_ROLES). */
  managerRoles: readonly Role[];
  /** Told once a change of a link is durable. */
  onRevoked?: (revocation: Revocation) => void;
  /** Told once a link's new expiry is durable: sessions holding tokens that outlive it must renew them. */
  onExpiryChanged?: (change: ExpiryChange) => void;
  /** Where link changes made by someone (`LinkChange.actor`) are recorded. */
  audit?: Pick<AuditLog, 'record'>;
  logger: Logger;
  now?: () => number;
}

/** What `create` and `reset` may set. */
export interface LinkChange {
  /** When the link stops working (ms since the epoch); null or absent: never. */
  expiresAt?: number | null;
  /** The link the request proved: lets the secrets it may see be sealed again for the new link. */
  holder?: LinkHolder;
  /** See `Revocation.spare`. */
  spare?: string;
  /** Who makes the change, for the audit log (changes without one, such as migrations, are not logged). */
  actor?: AuditActor;
}

/**
 * The share links of documents (`/d/<name>#<secret>`, kinds in `shared/linkKinds.ts`): checking a
 * presented secret, showing a holder the lesser links, creating, resetting and removing links.
 * Only hashes and sealed secrets are stored (see `linkCrypto.ts`); a new secret is returned once,
 * to whoever made it. Changes to one document's links run one at a time, so two concurrent calls
 * never make two different secrets for one link.
 */
export class ShareLinks {
  /** Changes to one document's links, one at a time. */
  private readonly changes = new SerialByKey();
  private readonly now: () => number;

  constructor(private readonly options: ShareLinksOptions) {
    this.now = options.now ?? Date.now;
  }

  /** True when `role` may create, reset and remove links (LINK_MANAGER_ROLES). */
  canManage(role: Role): boolean {
    return this.options.managerRoles.includes(role);
  }

  /** The kinds of link `role` may create, reset and remove: none unless it manages links, and never one granting more than itself. */
  manageable(role: Role): LinkKind[] {
    return this.canManage(role) ? kindsUpTo(role) : [];
  }

  /** The metadata of document `name`, or null; secrets an earlier build kept in clear are migrated first. */
  async meta(name: string): Promise<DocumentMeta | null> {
    const meta = await this.options.store.getMeta(name);
    return meta && hasLegacySecrets(meta) ? this.migrate(name) : meta;
  }

  /** What `secret` opens on document `name`. */
  async check(name: string, secret: string): Promise<LinkCheck> {
    const meta = await this.meta(name);
    if (!meta) return { status: 'unknown' };
    const records = readLinks(meta);
    for (const { kind } of LINK_KINDS) {
      const record = records[kind];
      if (!record) continue;
      if (secretMatches(secret, record.hash)) {
        if (isExpired(record, this.now())) return { status: 'expired', kind, expiresAt: record.expiresAt as number };
        return { status: 'ok', kind, role: roleOfLink(kind), record, meta };
      }
      if (record.retired.some((hash) => secretMatches(secret, hash))) return { status: 'reset', kind };
    }
    for (const [kind, off] of Object.entries(readOffLinks(meta)) as [LinkKind, { hashes: string[] }][]) {
      if (!records[kind] && off.hashes.some((hash) => secretMatches(secret, hash))) return { status: 'off', kind };
    }
    return { status: 'unknown' };
  }

  /**
   * True while a token minted from link `claim` of document `name` may still be used: the link
   * still has the secret the token came from, and has not expired. A document that does not exist
   * is left to the store's own answer (`document-deleted`, `document-not-found`).
   */
  async isCurrent(name: string, claim: LinkClaim): Promise<boolean> {
    const meta = await this.options.store.getMeta(name);
    if (!meta) return true;
    const record = isLinkKind(claim.kind) ? readLinks(meta)[claim.kind] : undefined;
    return record !== undefined && record.id === claim.id && record.generation === claim.generation && !isExpired(record, this.now());
  }

  /** The links document `meta` has, without secrets, most powerful first. */
  summaries(meta: DocumentMeta): LinkSummary[] {
    const records = readLinks(meta);
    const now = this.now();
    return LINK_KINDS.flatMap(({ kind }) => {
      const record = records[kind];
      if (!record) return [];
      return [{ kind, generation: record.generation, createdAt: record.createdAt, expiresAt: record.expiresAt, expired: isExpired(record, now) }];
    });
  }

  /**
   * The secrets `holder` may see of document `meta`'s links: its own and those of the lesser
   * links. A lesser link whose secret cannot be opened (it was sealed for an earlier secret of the
   * holder's link, reset without it) is null; links that do not exist are left out.
   */
  reveal(name: string, meta: DocumentMeta, holder: LinkHolder): Partial<Record<LinkKind, string | null>> {
    return revealSecrets(name, readLinks(meta), holder);
  }

  /**
   * Creates the links of `kinds` that document `name` does not have yet; existing ones are left
   * as they are. Returns the new secrets (the only time they are shown) and the metadata after.
   * Throws StoreError `NOT_FOUND`.
   */
  create(name: string, kinds: readonly LinkKind[], change: LinkChange = {}): Promise<{ secrets: Partial<Record<LinkKind, string>>; meta: DocumentMeta }> {
    return this.changes.run(name, async () => {
      const meta = await this.existing(name);
      const records = readLinks(meta);
      const missing = kinds.filter((kind) => !records[kind]);
      if (missing.length === 0) return { secrets: {}, meta };
      const known = change.holder ? revealSecrets(name, records, change.holder) : {};
      // A link turned on again: its secrets from before it was off are answered "reset".
      const off = readOffLinks(meta);
      const retired = Object.fromEntries(missing.map((kind) => [kind, off[kind]?.hashes ?? []]));
      const { patch, secrets } = replaceSecrets(name, records, missing, known, { expiresAt: change.expiresAt ?? null, now: this.now(), retired });
      for (const kind of missing) if (meta.properties[offProperty(kind)] !== undefined) patch[offProperty(kind)] = null;
      const updated = await this.options.store.updateMeta(name, { properties: patch });
      for (const kind of missing) await this.audit(name, change.actor, 'link-created', { kind, expiresAt: change.expiresAt ?? null });
      return { secrets, meta: updated };
    });
  }

  /**
   * Gives link `kind` of document `name` a new secret: the old one stops opening the document,
   * and sessions opened through it are ended (`onRevoked`) once the change is durable. Throws
   * StoreError `NOT_FOUND` when the document or the link does not exist.
   */
  reset(name: string, kind: LinkKind, change: LinkChange = {}): Promise<{ secret: string; meta: DocumentMeta }> {
    return this.changes.run(name, async () => {
      const meta = await this.existing(name);
      const records = readLinks(meta);
      const current = records[kind];
      if (!current) throw new StoreError('NOT_FOUND', `document ${JSON.stringify(name)} has no ${kind} link`);
      const known = change.holder ? revealSecrets(name, records, change.holder) : {};
      const { patch, secrets } = replaceSecrets(name, records, [kind], known, { expiresAt: change.expiresAt ?? null, now: this.now() });
      const updated = await this.options.store.updateMeta(name, { properties: patch });
      const next = readLinks(updated)[kind] as LinkRecord;
      this.options.onRevoked?.({ name, kind, generation: next.generation, id: next.id, spare: change.spare });
      this.options.logger.info({ event: 'link-reset', document: name, kind, generation: current.generation + 1 }, 'share link reset');
      await this.audit(name, change.actor, 'link-reset', { kind, expiresAt: change.expiresAt ?? null });
      return { secret: secrets[kind] as string, meta: updated };
    });
  }

  /**
   * Turns link `kind` of document `name` off: its secret opens nothing (answered "turned off"),
   * the sessions opened through it end, and `create` turns it on again with a new secret. False
   * when it was off already.
   */
  remove(name: string, kind: LinkKind, change: Pick<LinkChange, 'actor'> = {}): Promise<boolean> {
    return this.changes.run(name, async () => {
      const meta = await this.existing(name);
      const current = readLinks(meta)[kind];
      if (!current) return false;
      const patch: Record<string, string | null> = { [linkProperty(kind)]: null, [offProperty(kind)]: serializeOff(current, this.now()) };
      // The lesser links' secrets sealed for this one go with it.
      for (const [lesser, record] of Object.entries(readLinks(meta)) as [LinkKind, LinkRecord][]) {
        if (record.sealed[kind] === undefined) continue;
        const { [kind]: _removed, ...sealed } = record.sealed;
        patch[linkProperty(lesser)] = serializeRecord({ ...record, sealed });
      }
      await this.options.store.updateMeta(name, { properties: patch });
      this.options.onRevoked?.({ name, kind, generation: null, id: null });
      this.options.logger.info({ event: 'link-removed', document: name, kind }, 'share link turned off');
      await this.audit(name, change.actor, 'link-off', { kind });
      return true;
    });
  }

  /**
   * Gives link `kind` of document `name` a new expiry (null: never), keeping its secret. Sessions
   * whose tokens outlive the new expiry are told (`onExpiryChanged`) so they renew them. Throws
   * StoreError `NOT_FOUND` when the document or the link does not exist.
   */
  setExpiry(name: string, kind: LinkKind, expiresAt: number | null, change: Pick<LinkChange, 'actor'> = {}): Promise<DocumentMeta> {
    return this.changes.run(name, async () => {
      const meta = await this.existing(name);
      const current = readLinks(meta)[kind];
      if (!current) throw new StoreError('NOT_FOUND', `document ${JSON.stringify(name)} has no ${kind} link (it is off)`);
      const updated = await this.options.store.updateMeta(name, { properties: { [linkProperty(kind)]: serializeRecord({ ...current, expiresAt }) } });
      this.options.onExpiryChanged?.({ name, kind, expiresAt });
      this.options.logger.info({ event: 'link-expiry', document: name, kind, expiresAt }, 'share link expiry changed');
      await this.audit(name, change.actor, 'link-expiry', { kind, expiresAt });
      return updated;
    });
  }

  private async audit(
    name: string,
    actor: AuditActor | undefined,
    action: 'link-created' | 'link-reset' | 'link-off' | 'link-expiry',
    detail: { kind: LinkKind; expiresAt?: number | null },
  ) {
    if (!actor || !this.options.audit) return;
    const { expiresAt, ...rest } = detail;
    await this.options.audit.record(
      name,
      actor,
      action,
      expiresAt === undefined ? rest : { ...rest, expiresAt: expiresAt === null ? null : new Date(expiresAt).toISOString() },
    );
  }

  /** Stores the link secrets that earlier builds kept in clear as hashes, for every document; returns how many documents changed. */
  async migrateAll(): Promise<number> {
    let migrated = 0;
    for (const meta of await this.options.store.list()) {
      if (!hasLegacySecrets(meta)) continue;
      try {
        await this.migrate(meta.name);
        migrated += 1;
      } catch (error) {
        if (!(error instanceof StoreError && error.code === 'NOT_FOUND')) throw error;
      }
    }
    return migrated;
  }

  /** Replaces the clear-text secrets of one document with records; the links keep working. Returns the metadata after. */
  private migrate(name: string): Promise<DocumentMeta | null> {
    return this.changes.run(name, async () => {
      const meta = await this.options.store.getMeta(name);
      if (!meta || !hasLegacySecrets(meta)) return meta;
      const records = readLinks(meta);
      const known: Partial<Record<LinkKind, string>> = {};
      for (const [kind, property] of Object.entries(LEGACY_PROPERTIES) as [LinkKind, string][]) {
        const secret = meta.properties[property];
        if (secret !== undefined && !records[kind]) known[kind] = secret;
      }
      const kinds = Object.keys(known) as LinkKind[];
      const { patch } = replaceSecrets(name, records, kinds, known, { expiresAt: null, now: this.now(), secrets: known });
      for (const property of Object.values(LEGACY_PROPERTIES)) if (meta.properties[property] !== undefined) patch[property] = null;
      return this.options.store.updateMeta(name, { properties: patch });
    });
  }

  private async existing(name: string): Promise<DocumentMeta> {
    const meta = await this.options.store.getMeta(name);
    if (!meta) throw new StoreError('NOT_FOUND', `document ${JSON.stringify(name)} does not exist`);
    return meta;
  }
}

/** The path of the web app's page for a document and a link secret (the secret in the fragment, never sent to a server). */
export function sharePath(name: string, secret: string): string {
  return `/d/${encodeURIComponent(name)}#${secret}`;
}
