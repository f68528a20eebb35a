import type { connectedPayload, Document, Extension, onAuthenticatePayload } from '@hocuspocus/server';
import { decodeJwt } from 'jose';
import { CloseCodes } from '../../shared/closeCodes';
import { type LinkClaim, linkClaimOf } from '../../shared/token';
import type { ConnectionContext } from '../context';
import type { Logger } from '../logger';
import type { Revocation, ShareLinks } from './ShareLinks';

export interface LinkAccessOptions {
  links: Pick<ShareLinks, 'isCurrent'>;
  /** The loaded document `name`, if any. */
  document: (name: string) => Document | undefined;
  logger: Logger;
}

/**
 * Connections opened with a token minted from a share link last only as long as that link's
 * secret: a token from an older secret (the link was reset or removed since) or an expired link
 * is refused with `4411 access-revoked`, and a reset ends the sessions already open through the
 * old secret with the same code, on both protocols.
 *
 * It runs after `AuthExtension`, which has verified the token by then (a refused token never gets
 * here); this extension only refuses more, and adds `link` to the connection's context.
 */
export class LinkAccessExtension implements Extension {
  readonly extensionName = 'LinkAccess';

  constructor(private readonly options: LinkAccessOptions) {}

  async onAuthenticate({ token, documentName, socketId }: onAuthenticatePayload): Promise<Partial<ConnectionContext>> {
    const link = linkOf(token);
    if (!link) return {};
    if (!(await this.options.links.isCurrent(documentName, link))) {
      this.options.logger.info(
        { socket: socketId, document: documentName, link: link.kind },
        'connection refused: its share link was reset or removed, or expired',
      );
      throw CloseCodes.AccessRevoked;
    }
    return { link };
  }

  /**
   * Checks the link again once the connection has joined the document: a reset that landed while
   * it authenticated found it not yet among the document's connections (see `revoke`).
   */
  async connected({ context, documentName, connection }: connectedPayload): Promise<void> {
    const link = (context as Partial<ConnectionContext>).link;
    if (link && !(await this.options.links.isCurrent(documentName, link))) connection.close(CloseCodes.AccessRevoked);
  }

  /**
   * Ends the sessions opened through secrets of the link older than `generation` (all of them
   * when the link was removed). The connections of `spare`, who made the new secret, move to it
   * instead, so the person who resets a link keeps editing.
   */
  revoke({ name, kind, generation, id, spare }: Revocation): void {
    for (const connection of this.options.document(name)?.getConnections() ?? []) {
      const context = connection.context as Partial<ConnectionContext> | undefined;
      const link = context?.link;
      if (!link || link.kind !== kind || (generation !== null && link.generation >= generation)) continue;
      if (generation !== null && id !== null && spare !== undefined && context?.user?.id === spare) {
        context.link = { kind, generation, id };
        continue;
      }
      connection.close(CloseCodes.AccessRevoked);
    }
  }
}

/** The `link` claim of a token AuthExtension accepted; undefined for tokens not minted from a link. */
function linkOf(token: string): LinkClaim | undefined {
  try {
    return linkClaimOf(decodeJwt(token));
  } catch {
    // AuthExtension accepted the token, so it decodes; a malformed link claim opens nothing.
    throw CloseCodes.Unauthorized;
  }
}
