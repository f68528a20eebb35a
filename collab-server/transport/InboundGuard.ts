import { CloseCodes } from '../../shared/closeCodes';
import { documentNameProblem } from '../../shared/documentName';
import { AuthType, readHeader } from './frames';
import { checkPayload } from './payloadCheck';

export interface InboundLimits {
  maxMessagesPerSecond: number;
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
  /** Documents whose connection Hocuspocus has set up: their frames go straight to it. */
  private readonly established = new Set<string>();
  /**
   * Documents authenticated but not yet set up (Hocuspocus answers the token, then loads the
   * document, and queues the client's frames until it is loaded): still counted as pending.
   */
  private readonly authorized = new Set<string>();
  private readonly pending = new Map<string, number>();
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
      checkPayload(header);
    } catch {
      throw CloseCodes.BadMessage;
    }
    if (this.established.has(documentName)) return;
    if (documentNameProblem(documentName, this.limits.maxNameLength)) throw CloseCodes.InvalidDocumentName;
    const count = (this.pending.get(documentName) ?? 0) + 1;
    if (count === 1 && this.unauthenticatedDocuments() >= this.limits.maxPendingDocuments) throw CloseCodes.TooManyPending;
    if (this.pendingTotal + 1 > this.limits.maxPendingMessages) throw CloseCodes.TooManyPending;
    this.pending.set(documentName, count);
    this.pendingTotal += 1;
  }

  /** True while a document is authenticated but not yet set up: see `observeServerFrame`. */
  get awaitingSetup(): boolean {
    return this.authorized.size > 0;
  }

  /** Learns the outcome of authentication from the server's reply to the client. */
  observeAuth(documentName: string, authType: number): void {
    if (authType === AuthType.Authenticated) this.authorized.add(documentName);
    else if (authType === AuthType.PermissionDenied) this.release(documentName);
  }

  /**
   * The server sent a frame other than an auth answer for `documentName`: only a connection that
   * is set up does that, so from now on its frames are no longer pending.
   */
  observeServerFrame(documentName: string): void {
    if (!this.authorized.delete(documentName)) return;
    this.release(documentName);
    this.established.add(documentName);
  }

  /** Forgets `documentName` (the server closed the connection to it): it must authenticate again. */
  forget(documentName: string): void {
    this.established.delete(documentName);
    this.authorized.delete(documentName);
    this.release(documentName);
  }

  /** Documents named by the client that have not been authenticated (those authenticated and still loading do not count). */
  private unauthenticatedDocuments(): number {
    let count = 0;
    for (const documentName of this.pending.keys()) if (!this.authorized.has(documentName)) count += 1;
    return count;
  }

  private release(documentName: string): void {
    this.pendingTotal -= this.pending.get(documentName) ?? 0;
    this.pending.delete(documentName);
  }
}
