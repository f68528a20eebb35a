import { HocuspocusProvider, HocuspocusProviderWebsocket, WebSocketStatus } from '@hocuspocus/provider';
import { IndexeddbPersistence } from 'y-indexeddb';
import * as Y from 'yjs';
import { CloseCodes } from '../../../shared/closeCodes';
import { localDatabaseName } from '../../lib/localCopy';

/**
 * What the save indicator says. Each state is claimed only when it is true:
 * - `connecting`: never connected yet, nothing to save.
 * - `saving`: local changes the server has not yet durably acknowledged.
 * - `saved`: the server acknowledged every local change, and it acknowledges only after a synced
 *   disk write.
 * - `offline`: no connection; local changes wait in this browser (IndexedDB when available).
 * - `refused`: the server refused access (the link no longer grants it).
 * - `revoked`: the link this page opened was reset, removed or expired; nothing more will be saved.
 * - `deleted`: the document was deleted; nothing will be saved.
 * - `replaced`: the document was deleted and created again since this device's copy was made; that
 *   copy is not merged into the new document (see `copyBeforeSync`), and nothing will be saved.
 */
export type SaveState = 'connecting' | 'saving' | 'saved' | 'offline' | 'refused' | 'revoked' | 'deleted' | 'replaced';

export interface SessionStatus {
  state: SaveState;
  /** Local changes not yet durably acknowledged by the server. */
  unsaved: boolean;
  /** Changes are also kept in this browser's IndexedDB, so they survive closing the tab. */
  keptOnDevice: boolean;
  /** When offline: the time of the next automatic connection attempt is unknown, but one is scheduled. */
  detail?: string;
}

export interface CollabSessionOptions {
  /** The collab server's Hocuspocus endpoint (`ws(s)://…/collab`). */
  url: string;
  /** The document name. */
  name: string;
  /**
   * Returns a fresh collab token; called on every (re)connection, and when the server asks for a
   * fresh token shortly before the current one expires (the connection goes on meanwhile).
   */
  token: () => Promise<string>;
  /** Keep a copy in IndexedDB so edits survive offline periods and reloads (default true). */
  keepOnDevice?: boolean;
  /** Tells whether a token error means the link no longer works (as opposed to a passing failure). */
  isAccessGone?: (error: unknown) => boolean;
  /** Tells whether a token error means the link was reset or expired (checked before `isAccessGone`); its text is the detail shown. */
  revokedBecause?: (error: unknown) => string | null;
  /** What to show when the server ends access (default: the link was reset); a signed-in member's page says their access was removed. */
  revokedMessage?: string;
}

/**
 * How long authenticating again after a token expired may leave the status as it was: it takes a
 * token fetch and one round trip, and is not a disconnection to show unless it drags on.
 */
const RENEWAL_GRACE_MS = 10_000;

/** Refusals of an expired token in a row that are answered at once with a fresh one; then a pause, as for any refusal. */
const MAX_QUICK_RENEWALS = 3;

/** Close reasons after which reconnecting cannot help. */
const GONE_REASONS: string[] = [CloseCodes.DocumentDeleted.reason, CloseCodes.DocumentNotFound.reason];
const REFUSED_REASONS: string[] = [CloseCodes.Unauthorized.reason, CloseCodes.Forbidden.reason, CloseCodes.InvalidDocumentName.reason];
const LINK_RESET = 'This link was reset, so it no longer opens the document.';

/**
 * One open document: its Y.Doc, the Hocuspocus provider that syncs it, an optional IndexedDB
 * copy, and the honest save status derived from them. Framework-free, so any editor shell (the
 * app's page, an embedded editor) can own one; React reads it with `useSessionStatus`.
 */
export class CollabSession {
  readonly doc = new Y.Doc();
  /** The document name. */
  readonly name: string;
  readonly provider: HocuspocusProvider;
  readonly socket: HocuspocusProviderWebsocket;
  private readonly local: IndexeddbPersistence | null;
  private readonly listeners = new Set<() => void>();
  private status: SessionStatus;
  private everSynced = false;
  private attemptFailed = false;
  private pendingLocal = false;
  /** A local change was made while not fully connected: it may sit in the socket's send queue. */
  private changedWhileDisconnected = false;
  private closed: { state: 'refused' | 'revoked' | 'deleted' | 'replaced'; detail: string } | null = null;
  /**
   * This device's copy as read from IndexedDB, kept until the server has accepted it (or refused
   * it: a document deleted and created again since), so the person can have it as it was.
   */
  private copyAtOpen: Uint8Array | null = null;
  private localReady = false;
  /** The provider was attached before the local copy was read (IndexedDB slower than `whenLocalCopyLoaded` waits). */
  private attachedBeforeLocalCopy = false;
  private lastTokenError: unknown = null;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set while authenticating again after a token expired (see `renew`); ends with its grace period. */
  private renewal: ReturnType<typeof setTimeout> | null = null;
  private quickRenewals = 0;
  private destroyed = false;

  constructor(private readonly options: CollabSessionOptions) {
    this.name = options.name;
    const keepOnDevice = options.keepOnDevice ?? true;
    this.local = keepOnDevice && typeof indexedDB !== 'undefined' ? new IndexeddbPersistence(localDatabaseName(options.name), this.doc) : null;
    this.local?.whenSynced.then(() => {
      this.localReady = true;
      this.update();
    });
    this.socket = new HocuspocusProviderWebsocket({
      url: options.url,
      // Reconnect soon after a drop, then back off to at most 10 s; going online retries at once.
      delay: 1000,
      factor: 1.5,
      minDelay: 500,
      maxDelay: 10_000,
    });
    this.provider = new HocuspocusProvider({
      websocketProvider: this.socket,
      name: options.name,
      document: this.doc,
      token: () => this.fetchToken(),
    });
    this.status = { state: 'connecting', unsaved: false, keptOnDevice: false };

    this.doc.on('update', this.onDocumentUpdate);
    for (const event of ['status', 'synced'] as const) this.provider.on(event, this.update);
    this.provider.on('authenticated', this.onAuthenticated);
    this.provider.on('unsyncedChanges', this.onUnsyncedChanges);
    this.provider.on('disconnect', this.onDisconnect);
    this.provider.on('close', this.onClose);
    this.provider.on('authenticationFailed', this.onAuthenticationFailed);
    window.addEventListener('online', this.retry);
    window.addEventListener('offline', this.onBrowserOffline);
    // Syncing starts once the local copy is read, so what the copy held can be told apart from
    // what the server sends (a document may have been replaced meanwhile).
    void this.whenLocalCopyLoaded().then(() => {
      if (this.destroyed) return;
      if (Y.encodeStateVector(this.doc).byteLength > 1) this.copyAtOpen = Y.encodeStateAsUpdate(this.doc);
      this.attachedBeforeLocalCopy = !this.localReady && this.local !== null;
      this.provider.attach();
    });
    this.update();
  }

  /** This device's copy as it was before syncing, while the server has not accepted it yet (or refused it); null otherwise. */
  copyBeforeSync(): Uint8Array | null {
    return this.copyAtOpen;
  }

  /** The current status; a new object whenever something a person would see changed. */
  getStatus = (): SessionStatus => this.status;

  /** Calls `listener` on every status change. Returns the unsubscribe function. */
  subscribe = (listener: () => void): (() => void) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  /** True once the IndexedDB copy (if any) has been read into the document. */
  get localCopyLoaded(): boolean {
    return this.localReady;
  }

  /** Resolves once the local copy is read, or at once when there is none or it is unusable. */
  whenLocalCopyLoaded(timeoutMs = 3000): Promise<void> {
    if (!this.local) return Promise.resolve();
    return Promise.race([this.local.whenSynced.then(() => undefined), new Promise<void>((resolve) => setTimeout(resolve, timeoutMs))]);
  }

  /** Connects now instead of waiting for the next scheduled attempt (also after a refusal). */
  retry = (): void => {
    if (this.destroyed || this.closed?.state === 'deleted' || this.closed?.state === 'revoked' || this.closed?.state === 'replaced') return;
    this.closed = null;
    this.attemptFailed = false;
    if (this.socket.status === WebSocketStatus.Connected && !this.provider.isAuthenticated) {
      this.reconnect();
      return;
    }
    void this.socket.connect();
    this.update();
  };

  /** Drops the connection and opens a new one (with a new token: after a name change, say). */
  reconnect = (): void => {
    if (this.destroyed || this.closed?.state === 'deleted' || this.closed?.state === 'revoked' || this.closed?.state === 'replaced') return;
    if (this.socket.status === WebSocketStatus.Disconnected) {
      void this.socket.connect();
      return;
    }
    // `connect` does nothing while the old socket still counts as connected: wait for its close.
    const connectAgain = () => {
      this.socket.off('disconnect', connectAgain);
      if (!this.destroyed) void this.socket.connect();
    };
    this.socket.on('disconnect', connectAgain);
    this.socket.disconnect();
  };

  /** A fresh token for this document, for requests beside the connection (uploading an image, say). */
  requestToken(): Promise<string> {
    return this.options.token();
  }

  /** Forgets the IndexedDB copy (after the document was deleted). */
  async clearLocalCopy(): Promise<void> {
    await this.local?.clearData();
  }

  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.endRenewal();
    window.removeEventListener('online', this.retry);
    window.removeEventListener('offline', this.onBrowserOffline);
    this.doc.off('update', this.onDocumentUpdate);
    this.provider.destroy();
    this.socket.destroy();
    // Destroying the doc also closes the IndexedDB copy (it listens for the doc's destroy).
    this.doc.destroy();
    this.listeners.clear();
  }

  private async fetchToken(): Promise<string> {
    try {
      const token = await this.options.token();
      this.lastTokenError = null;
      return token;
    } catch (error) {
      this.lastTokenError = error;
      throw error;
    }
  }

  private get fullyConnected(): boolean {
    return this.socket.status === WebSocketStatus.Connected && this.provider.isAuthenticated && this.provider.synced;
  }

  private onDocumentUpdate = (update: Uint8Array, origin: unknown): void => {
    if (origin === this.provider) return;
    if (origin === this.local && this.attachedBeforeLocalCopy && !this.localReady && this.copyAtOpen === null) {
      // The local copy arrives into a document that may already hold what the server sent, maybe
      // a document created since under this name: what the copy adds (all of it, for another
      // document) is this device's copy, kept apart so it can be offered without the server's.
      this.copyAtOpen = update;
    }
    this.pendingLocal = true;
    if (!this.fullyConnected) this.changedWhileDisconnected = true;
    this.update();
  };

  private onUnsyncedChanges = ({ number }: { number: number }): void => {
    if (number === 0 && this.fullyConnected) {
      if (this.changedWhileDisconnected) {
        // Changes made while disconnected were queued and are flushed on reconnect, each with its
        // own acknowledgement, while the provider's counter restarted at one: it can reach zero
        // before the last of them is acknowledged. One more sync round, sent after all of them,
        // is acknowledged only once everything before it is durable.
        this.changedWhileDisconnected = false;
        this.provider.forceSync();
        return;
      }
      this.pendingLocal = false;
      // The server holds everything this device had: its copy is part of the document now.
      this.copyAtOpen = null;
    }
    this.update();
  };

  private onAuthenticated = (): void => {
    this.quickRenewals = 0;
    this.endRenewal();
    this.update();
  };

  private onDisconnect = (): void => {
    this.endRenewal();
    this.attemptFailed = true;
    if (this.pendingLocal) this.changedWhileDisconnected = true;
    this.forgetRemotePresence();
    this.update();
  };

  /**
   * On a dropped connection the provider removes everyone else's presence, but awareness keeps
   * the clock it last saw for each of them. After reconnecting, the server sends their current
   * states with those same clocks, which awareness ignores as not newer: the room would look
   * empty until each person's next heartbeat (up to 15 s). Forgetting the clocks of everyone
   * else lets the server's states in at once.
   */
  private forgetRemotePresence(): void {
    const awareness = this.provider.awareness;
    if (!awareness) return;
    for (const clientId of [...awareness.meta.keys()]) {
      if (clientId !== awareness.clientID) awareness.meta.delete(clientId);
    }
  }

  private onBrowserOffline = (): void => {
    // The browser knows the network is gone, but an open socket can look healthy for a long time
    // after that (until the provider's 30 s silence check). Report it closed now, through the
    // socket's own close handler, so the provider and the status see what a real close does.
    this.socket.webSocket?.dispatchEvent(new CloseEvent('close', { code: 1006, reason: 'the browser went offline', wasClean: false }));
  };

  private onClose = ({ event }: { event: { code: number; reason: string } }): void => {
    if (event.reason === CloseCodes.DocumentDeleted.reason || event.code === CloseCodes.DocumentDeleted.code) {
      this.close('deleted', 'This document was deleted.');
    } else if (event.reason === CloseCodes.AccessRevoked.reason || event.code === CloseCodes.AccessRevoked.code) {
      this.close('revoked', this.options.revokedMessage ?? LINK_RESET);
      void this.explainRevocation();
    } else if (event.reason === CloseCodes.DocumentReplaced.reason || event.code === CloseCodes.DocumentReplaced.code) {
      this.close('replaced', 'This document was deleted and created again since this device last had it. The copy here was not merged into it.');
    } else if (event.reason === CloseCodes.InvalidContent.reason || event.code === CloseCodes.InvalidContent.code) {
      // Sending the same change again would be refused again: stop rather than loop.
      this.close('refused', 'The server refused a change made here as content the document cannot hold.');
    } else if (event.reason === CloseCodes.TokenExpired.reason) {
      // The server closed this document's connection (the socket stays open): its token expired
      // before a fresh one reached the server.
      this.renew();
    }
  };

  private onAuthenticationFailed = ({ reason }: { reason: string }): void => {
    const tokenError = this.lastTokenError;
    const revoked = tokenError ? this.options.revokedBecause?.(tokenError) : null;
    if (reason === CloseCodes.AccessRevoked.reason || revoked) {
      this.close('revoked', revoked ?? this.options.revokedMessage ?? LINK_RESET);
    } else if (GONE_REASONS.includes(reason) || (tokenError && this.options.isAccessGone?.(tokenError))) {
      this.close('deleted', 'This document was deleted, or the link no longer works.');
    } else if (reason === CloseCodes.TokenExpired.reason && this.quickRenewals < MAX_QUICK_RENEWALS) {
      // The token expired on its way (an old one, or a slow start): ask for a fresh one at once.
      this.quickRenewals += 1;
      this.renew();
    } else if (REFUSED_REASONS.includes(reason)) {
      this.close('refused', 'The server refused access to this document.');
    } else {
      // A passing failure (no token because the server was unreachable, expired tokens again and
      // again, a limit): try again with a fresh connection after a pause.
      this.endRenewal();
      this.attemptFailed = true;
      if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
      this.reconnectTimer = setTimeout(() => {
        this.reconnectTimer = null;
        this.reconnect();
      }, 2000);
      this.update();
    }
  };

  /**
   * Authenticates this document again on the open socket with a fresh token, at once, after the
   * server closed its connection or refused its token because the token expired. The status stays
   * as it was meanwhile (for at most `RENEWAL_GRACE_MS`): no "offline", no error. Edits made
   * meanwhile are kept, sent once authenticated, and "Saved" waits for their acknowledgement
   * (`changedWhileDisconnected`).
   */
  private renew(): void {
    if (this.destroyed || this.closed || this.socket.status !== WebSocketStatus.Connected) return;
    if (this.pendingLocal) this.changedWhileDisconnected = true;
    this.forgetRemotePresence();
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = setTimeout(() => {
      this.renewal = null;
      this.update();
    }, RENEWAL_GRACE_MS);
    void this.provider.sendToken().then(() => {
      // Without a token the provider reports an authentication failure instead: nothing to sync.
      if (this.lastTokenError || this.destroyed || this.closed || this.socket.status !== WebSocketStatus.Connected) return;
      this.provider.startSync();
    });
    this.update();
  }

  private endRenewal(): void {
    if (this.renewal) clearTimeout(this.renewal);
    this.renewal = null;
  }

  /**
   * The close says only that the link no longer holds; asking for a token once tells why (reset,
   * turned off, expired), which becomes the detail shown.
   */
  private async explainRevocation(): Promise<void> {
    try {
      await this.options.token();
    } catch (error) {
      const detail = this.options.revokedBecause?.(error);
      if (detail && this.closed?.state === 'revoked') {
        this.closed = { state: 'revoked', detail };
        this.update();
      }
    }
  }

  private close(state: 'refused' | 'revoked' | 'deleted' | 'replaced', detail: string): void {
    this.closed = { state, detail };
    this.socket.disconnect();
    this.update();
  }

  private update = (): void => {
    if (this.destroyed) return;
    const next = this.compute();
    const current = this.status;
    if (next.state !== current.state || next.unsaved !== current.unsaved || next.keptOnDevice !== current.keptOnDevice || next.detail !== current.detail) {
      this.status = next;
      for (const listener of this.listeners) listener();
    }
  };

  private compute(): SessionStatus {
    const keptOnDevice = this.local !== null && this.localReady;
    const unsaved = this.pendingLocal;
    if (this.closed) return { state: this.closed.state, unsaved, keptOnDevice, detail: this.closed.detail };
    if (this.provider.synced) this.everSynced = true;
    if (this.socket.status !== WebSocketStatus.Connected || !this.provider.isAuthenticated) {
      // Authenticating again with a fresh token: what was true before still is.
      if (this.renewal && this.socket.status === WebSocketStatus.Connected && this.everSynced) {
        return { state: unsaved ? 'saving' : 'saved', unsaved, keptOnDevice };
      }
      if (this.everSynced || this.attemptFailed) return { state: 'offline', unsaved, keptOnDevice };
      return { state: 'connecting', unsaved, keptOnDevice };
    }
    if (unsaved) return { state: 'saving', unsaved, keptOnDevice };
    return { state: this.everSynced ? 'saved' : 'connecting', unsaved, keptOnDevice };
  }
}
