import type { DocumentMeta } from '../../persistence/DocumentStore';
import type { LinkKind } from '../../shared/linkKinds';
import type { LinkHolder } from '../links/linkSecrets';
import type { LinkCheck, ShareLinks } from '../links/ShareLinks';
import { HttpError } from './Router';

/** The one answer for a document that does not exist and for a wrong link secret. */
export const NOT_FOUND = 'this document does not exist, or the link is not valid';

/** A link secret that opens its document. */
export type OpenLink = Extract<LinkCheck, { status: 'ok' }>;

/**
 * What `key` opens on document `name`, or the HTTP error for it: 404 for a document that does not
 * exist and for a secret it never had (alike, so a link holder learns nothing more), 410 with
 * reason `link-reset` for an earlier secret of a link that was reset, 410 `link-off` for the secret
 * of a link that was turned off, 410 `link-expired` for an expired link.
 */
export async function requireLink(links: ShareLinks, name: string, key: string): Promise<OpenLink> {
  const check = await links.check(name, key);
  switch (check.status) {
    case 'ok':
      return check;
    case 'reset':
      throw new HttpError(410, 'this link was reset and no longer opens the document; ask whoever shared it for the new link', 'link-reset');
    case 'off':
      throw new HttpError(410, 'this link was turned off and no longer opens the document; ask whoever shared it for a new link', 'link-off');
    case 'expired':
      throw new HttpError(410, `this link expired on ${new Date(check.expiresAt).toISOString()}; ask whoever shared it for a new link`, 'link-expired');
    default:
      throw new HttpError(404, NOT_FOUND);
  }
}

/** A share link as the app shows it to someone holding one of the document's links. */
export interface AppLink {
  kind: LinkKind;
  /** The secret; null when it cannot be shown to this holder (see `ShareLinks.reveal`). */
  secret: string | null;
  /** Ms since the epoch, or null. */
  expiresAt: number | null;
  expired: boolean;
}

/** The links of document `meta` that `holder` may see (its own and the lesser ones), most powerful first. */
export function appLinksOf(links: ShareLinks, name: string, meta: DocumentMeta, holder: LinkHolder): AppLink[] {
  const secrets = links.reveal(name, meta, holder);
  return links
    .summaries(meta)
    .filter((summary) => secrets[summary.kind] !== undefined)
    .map(({ kind, expiresAt, expired }) => ({ kind, secret: secrets[kind] ?? null, expiresAt, expired }));
}
