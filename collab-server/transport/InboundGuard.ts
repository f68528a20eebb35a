import { CloseCodes } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import { AuthType, readHeader } from './frames';
import { hasName, type NameSet, withName, withoutName } from './nameSet';
import { checkPayload } from './payloadCheck';

export interface InboundLimits {
  maxMessagesPerSecond: number;
  /** Largest presence (awareness) state of one client id, in bytes of JSON (see `checkPayload`). */
  maxPresenceBytes: number;
  maxPendingMessages: number;
  maxPendingDocuments: number;
  maxNameLength: number;
}

/**
 * Per-socket checks on every incoming Hocuspocus frame, before Hocuspocus sees it: the frame
 * decodes (its sync and awareness payloads included, see `checkPayload`), its document name is valid, the socket keeps under its message rate, and it does not
 * pile up messages or documents before authenticating. A breach throws the named close reason.
 */
export class InboundGuard {
  private tokens: number;
  private lastRefill = performance.now();
  // These collections are kept small, as every open socket has them: an idle socket then holds
  // one name instead of three mostly empty hash tables (about 0.55 KB less per connection).
  /** Documents whose connection Hocuspocus has set up: their frames go straight to it. */
  private established: NameSet = null;
  /**
   * Documents authenticated but not yet set up (Hocuspocus answers the token, then loads the
   * document, and queues the client's frames until it is loaded): still counted as pending.
   */
  private authorized: NameSet = null;
  /** Frames received per document not yet set up; null when there are none. */
  private pending: Map<string, number> | null = null;
  private pendingTotal = 0;

  constructor(private readonly limits: InboundLimits) {
    this.tokens = this.burst;
  }

  private get burst(): number {
    return this.limits.maxMessagesPerSecond * 3;
  }

  /** Counts one client message against the rate (a token bucket: `rate`/s, bursts of 3×). */
  countMessage(): void {
    const now = performance.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.lastRefill) / 1000) * this.limits.maxMessagesPerSecond);
    this.lastRefill = now;
    if (this.tokens < 1) throw CloseCodes.RateLimited;
    this.tokens -= 1;
  }

  /** Checks one Hocuspocus frame about to be handed to Hocuspocus. */
  check(frame: Uint8Array): void {
    let documentName: string;
    try {
      const header = readHeader(frame);
      documentName = header.documentName;
      checkPayload(header, this.limits.maxPresenceBytes);
    } catch (error) {
      throw error === CloseCodes.PresenceTooLarge ? error : CloseCodes.BadMessage;
    }
    if (hasName(this.established, documentName)) return;
    if (documentNameProblem(documentName, this.limits.maxNameLength)) throw CloseCodes.InvalidDocumentName;
    const count = (this.pending?.get(documentName) ?? 0) + 1;
    if (count === 1 && this.unauthenticatedDocuments() >= this.limits.maxPendingDocuments) throw CloseCodes.TooManyPending;
    if (this.pendingTotal + 1 > this.limits.maxPendingMessages) throw CloseCodes.TooManyPending;
    this.pending ??= new Map();
    this.pending.set(documentName, count);
    this.pendingTotal += 1;
  }

  /** True once the server has sent `documentName` more than an auth answer: its connection is set up. */
  isSetUp(documentName: string): boolean {
    return hasName(this.established, documentName);
  }

  /** True once the server has accepted the client's token for `documentName`. */
  isAuthenticated(documentName: string): boolean {
    return hasName(this.authorized, documentName) || this.isSetUp(documentName);
  }

  /** True while a document is authenticated but not yet set up: see `observeServerFrame`. */
  get awaitingSetup(): boolean {
    return this.authorized !== null;
  }

  /** Learns the outcome of authentication from the server's reply to the client. */
  observeAuth(documentName: string, authType: number): void {
    if (authType === AuthType.Authenticated) this.authorized = withName(this.authorized, documentName);
    else if (authType === AuthType.PermissionDenied) this.release(documentName);
  }

  /**
   * The server sent a frame other than an auth answer for `documentName`: only a connection that
   * is set up does that, so from now on its frames are no longer pending.
   */
  observeServerFrame(documentName: string): void {
    if (!hasName(this.authorized, documentName)) return;
    this.authorized = withoutName(this.authorized, documentName);
    this.release(documentName);
    this.established = withName(this.established, documentName);
  }

  /** Forgets `documentName` (the server closed the connection to it): it must authenticate again. */
  forget(documentName: string): void {
    this.established = withoutName(this.established, documentName);
    this.authorized = withoutName(this.authorized, documentName);
    this.release(documentName);
  }

  /** Documents named by the client that have not been authenticated (those authenticated and still loading do not count). */
  private unauthenticatedDocuments(): number {
    let count = 0;
    for (const documentName of this.pending?.keys() ?? []) if (!hasName(this.authorized, documentName)) count += 1;
    return count;
  }

  private release(documentName: string): void {
    if (this.pending === null) return;
    this.pendingTotal -= this.pending.get(documentName) ?? 0;
    this.pending.delete(documentName);
    // An empty map still holds its hash table.
    if (this.pending.size === 0) this.pending = null;
  }
}
