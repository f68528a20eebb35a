import { CloseCodes, type CloseReason, closeReasonOf } from '../../shared/closeCodes';

/**
 * Hocuspocus closes sockets and document connections on its own, with its own codes and texts:
 * "Reset Connection" when a frame cannot be decoded or applied, "Connection Timeout", and
 * "permission-denied" when a hook fails without a reason. Clients of this server only ever see the
 * named reasons of `shared/closeCodes.ts`; this table maps the one to the other.
 */
const HOCUSPOCUS_REASONS: Record<string, CloseReason> = {
  'Reset Connection': CloseCodes.BadMessage,
  Unauthorized: CloseCodes.Unauthorized,
  Forbidden: CloseCodes.Forbidden,
  'permission-denied': CloseCodes.Forbidden,
  'Connection Timeout': CloseCodes.Timeout,
  'Message Too Big': CloseCodes.MessageTooBig,
};

/**
 * The named reason for a close decided by Hocuspocus or by this server, looked up by reason text
 * first (Hocuspocus reuses some of our codes with other texts), then by code. Undefined for an
 * ordinary close (code 1000, a client's own close), which keeps its own code and reason.
 */
export function namedClose(code: number | undefined, reason: string | undefined): CloseReason | undefined {
  if (reason) {
    const named = closeReasonOf(reason) ?? HOCUSPOCUS_REASONS[reason];
    if (named) return named;
  }
  return code === undefined ? undefined : closeReasonOf(code);
}
