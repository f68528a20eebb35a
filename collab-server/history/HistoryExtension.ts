import type { Extension, onChangePayload, onDisconnectPayload } from '@hocuspocus/server';
import { StoreError } from '../../persistence/DocumentStore';
import { mergeAuthors, type RestoredFrom, type VersionAuthor, type VersionInfo, type VersionStore } from '../../persistence/VersionStore';
import { SerialByKey } from '../../shared/serialByKey';
import { type ConnectionContext, isConnectionContext } from '../context';
import { SERVER_IDENTITY } from '../documents/DocumentService';
import type { Logger } from '../logger';
import { type RetentionPolicy, versionsToRemove } from './retention';
import type { CapturedVersion } from './versionDelta';

/** Why a version was captured. */
export type CaptureTrigger = 'idle' | 'interval' | 'last-editor-left' | 'named' | 'restore' | 'request';

export interface HistoryOptions {
  store: VersionStore;
  /** The names of every stored document (for the retention sweep). */
  listDocuments: () => Promise<string[]>;
  /** The document's stored state (every durable change), as fresh copies for a worker; throws StoreError `NOT_FOUND`. */
  storedState: (name: string) => Promise<Uint8Array[]>;
  /**
   * The delta from `previous` (an encoded `Y.Snapshot`, null for none) to the document in `state`,
   * and whether it is unchanged: computed off the event loop (see `versionDelta.ts`).
   */
  delta: (state: Uint8Array[], previous: Uint8Array | null) => Promise<CapturedVersion>;
  /** Null when every update of the document received so far is durable, else a promise of that. */
  whenSaved: (name: string) => Promise<void> | null;
  logger: Logger;
  /** Capture once a document has had no change for this long… */
  idleMs: number;
  /** …and at least this often while changes go on. */
  maxIntervalMs: number;
  retention: RetentionPolicy;
  /** How often every document's history is thinned by the policy (documents edited meanwhile are thinned as they are captured). */
  sweepIntervalMs?: number;
  now?: () => number;
  /** Told after each capture attempt that stored a version or failed. */
  onCapture?: (event: { name: string; trigger: CaptureTrigger; ok: boolean; bytes: number }) => void;
  /** Told how many versions retention removed from a document. */
  onRemove?: (event: { name: string; count: number }) => void;
}

/** A change made by restoring a version carries this in its context, so the version it leads to says so. */
export interface RestoreContext extends ConnectionContext {
  restoredFrom: RestoredFrom;
}

/** Changes seen since a document's latest version. */
interface Pending {
  /** Everyone who changed the document since its latest version, in order of their first change. */
  contributors: Map<string, VersionAuthor>;
  restoredFrom: RestoredFrom | null;
  /** When the latest change arrived (`performance.now()`). */
  lastChangeAt: number;
  /**
   * Fires `idleMs` after the change that set it, not after the latest one, and `whenIdle` waits
   * out the rest of the pause: one timer per pause instead of a clear and a set per keystroke
   * (which took about 40% of this hook's time per change).
   */
  idleTimer: NodeJS.Timeout | null;
  intervalTimer: NodeJS.Timeout | null;
}

/** What `capture` may be asked for besides an automatic version. */
export interface CaptureRequest {
  /** Names the version; without changes since the latest version, an unnamed latest version is named instead. */
  label?: string;
}

const RETRY_MS = 5_000;
const DEFAULT_SWEEP_MS = 6 * 60 * 60 * 1000;

/**
 * Captures versions of documents as people work: once a burst of changes ends (`idleMs` without
 * a change), at least every `maxIntervalMs` while changes go on, and when the last editor leaves.
 * Each version records who changed the document since the previous one, from the identity in
 * each change's context (a connection's token, or the server). Named versions are captured on
 * request. After each capture the retention policy thins the document's history, and a periodic
 * sweep thins the documents nobody edits.
 *
 * Captures of one document run one at a time. A version is stored only once the changes it holds
 * are durable, so a version never shows content the document could lose in a crash.
 */
export class HistoryExtension implements Extension {
  readonly extensionName = 'History';
  private readonly pending = new Map<string, Pending>();
  /** The tail of each document's chain of history tasks. */
  private readonly chains = new SerialByKey();
  private readonly now: () => number;
  private sweepTimer: NodeJS.Timeout | null = null;
  private closed = false;

  constructor(private readonly options: HistoryOptions) {
    this.now = options.now ?? Date.now;
    const sweepMs = options.sweepIntervalMs ?? DEFAULT_SWEEP_MS;
    if (sweepMs > 0) {
      this.sweepTimer = setInterval(() => void this.sweep(), sweepMs);
      this.sweepTimer.unref();
    }
  }

  async onChange({ documentName, context }: onChangePayload): Promise<void> {
    if (this.closed) return;
    const pending = this.pendingOf(documentName);
    const author = authorOf(context);
    if (!pending.contributors.has(author.id)) {
      pending.contributors.set(author.id, author);
      // Kept in the store too, so a crash before the next version does not lose who wrote what.
      void this.serial(documentName, () => this.options.store.addContributors(documentName, [author])).catch((error) => {
        if (!isNotFound(error))
          this.options.logger.warn({ err: error, document: documentName }, 'recording a contributor failed; the next version still names them');
      });
    }
    if (isRestoreContext(context)) pending.restoredFrom = context.restoredFrom;
    pending.lastChangeAt = performance.now();
    pending.idleTimer ??= this.timer(() => this.whenIdle(documentName), this.options.idleMs);
    pending.intervalTimer ??= this.timer(() => this.captureInBackground(documentName, 'interval'), this.options.maxIntervalMs);
  }

  /** The last editor left: capture now rather than after the pause. */
  async onDisconnect({ documentName, clientsCount }: onDisconnectPayload): Promise<void> {
    if (clientsCount === 0 && this.pending.has(documentName)) this.captureInBackground(documentName, 'last-editor-left');
  }

  /**
   * Captures a version of the document's current state now, if it changed since the latest
   * version (or `request.label` asks for a named one). Resolves with the version that holds the
   * current state (the latest one when nothing changed), or null when the document has no
   * versions and did not change. Throws StoreError `NOT_FOUND` when the document does not exist.
   */
  capture(name: string, request: CaptureRequest = {}): Promise<VersionInfo | null> {
    return this.serial(name, () => this.captureNow(name, request.label === undefined ? 'request' : 'named', request.label ?? null));
  }

  /** Thins every document's history by the retention policy, one document at a time. */
  async sweep(): Promise<void> {
    let names: string[];
    try {
      names = await this.options.listDocuments();
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the history retention sweep could not list documents; it runs again later');
      return;
    }
    for (const name of names) {
      if (this.closed) return;
      await this.serial(name, () => this.applyRetention(name)).catch(() => undefined);
    }
  }

  /**
   * Stops the timers and waits, at most `graceMs`, for the captures in progress (called before the
   * store closes; the captures the last editors' departure started are among them).
   */
  async close(graceMs: number): Promise<void> {
    this.closed = true;
    if (this.sweepTimer) clearInterval(this.sweepTimer);
    for (const pending of this.pending.values()) this.stopTimers(pending);
    const deadline = Date.now() + graceMs;
    while (this.chains.size > 0 && Date.now() < deadline) {
      const timeout = new Promise((resolve) => setTimeout(resolve, deadline - Date.now()).unref());
      await Promise.race([this.chains.settled(), timeout]);
    }
    if (this.chains.size > 0) this.options.logger.warn({ documents: this.chains.keys() }, 'stopping with version captures unfinished');
  }

  /** The idle timer fired: capture once nothing changed for `idleMs`, else wait for the rest of the pause. */
  private whenIdle(name: string): void {
    const pending = this.pending.get(name);
    if (!pending) return;
    const quietMs = performance.now() - pending.lastChangeAt;
    if (quietMs >= this.options.idleMs) this.captureInBackground(name, 'idle');
    else pending.idleTimer = this.timer(() => this.whenIdle(name), this.options.idleMs - quietMs);
  }

  private captureInBackground(name: string, trigger: CaptureTrigger): void {
    const pending = this.pending.get(name);
    if (pending) this.stopTimers(pending);
    void this.serial(name, () => this.captureNow(name, trigger, null)).catch(() => undefined);
  }

  private async captureNow(name: string, trigger: CaptureTrigger, label: string | null): Promise<VersionInfo | null> {
    const { store, logger } = this.options;
    const head = await store.historyHead(name);
    if (!head) {
      this.forget(name);
      throw new StoreError('NOT_FOUND', `document "${name}" does not exist`);
    }
    const pending = this.pending.get(name);
    if (pending) this.stopTimers(pending);
    // Who contributed so far, and the promise that their changes are durable, taken at one moment:
    // once that promise holds, the stored state has at least those changes (and maybe later ones,
    // whose authors the next version names too).
    const taken = { contributors: [...(pending?.contributors.values() ?? [])], restoredFrom: pending?.restoredFrom ?? null };
    if (pending) {
      pending.contributors.clear();
      pending.restoredFrom = null;
    }
    const durable = this.options.whenSaved(name);
    let version: VersionInfo;
    let bytes = 0;
    try {
      await durable;
      // Read from the store and compared on a worker: a capture costs the event loop nothing in
      // proportion to the document, loaded or not ([LC5] in SECURITY.md).
      const captured = await this.options.delta(await this.options.storedState(name), head.state ? new Uint8Array(head.state) : null);
      bytes = captured.delta.byteLength;
      if (captured.unchanged && label === null) {
        // Nothing to capture: whoever is pending stays pending, for the version that holds their change.
        this.giveBack(name, taken);
        this.forgetIfIdle(name);
        const versions = await store.listVersions(name);
        return versions?.[versions.length - 1] ?? null;
      }
      if (captured.unchanged && label !== null) {
        const versions = (await store.listVersions(name)) ?? [];
        const latest = versions[versions.length - 1];
        // Nothing changed: naming the current state names the latest version, unless it has a name already.
        if (latest && latest.label === null) {
          version = await store.labelVersion(name, latest.id, label);
          this.forgetIfIdle(name);
          return version;
        }
      }
      version = await store.addVersion(name, {
        createdAt: this.now(),
        label,
        authors: mergeAuthors(head.contributors, taken.contributors),
        restoredFrom: taken.restoredFrom,
        delta: captured.delta,
        state: captured.state,
      });
    } catch (error) {
      this.options.onCapture?.({ name, trigger, ok: false, bytes });
      if (isNotFound(error)) {
        this.forget(name);
        throw error;
      }
      // Keep what was taken for the next attempt, ahead of anyone who changed the document since.
      const again = this.giveBack(name, taken);
      again.idleTimer ??= this.timer(() => this.captureInBackground(name, 'idle'), Math.max(this.options.idleMs, RETRY_MS));
      logger.error({ err: error, document: name, trigger }, 'capturing a version failed; it is tried again');
      throw error;
    }
    this.options.onCapture?.({ name, trigger, ok: true, bytes: version.bytes });
    logger.debug({ document: name, version: version.id, trigger, bytes: version.bytes }, 'version captured');
    this.forgetIfIdle(name);
    await this.applyRetention(name).catch(() => undefined);
    return version;
  }

  private async applyRetention(name: string): Promise<void> {
    const { store, logger } = this.options;
    try {
      const versions = await store.listVersions(name);
      if (!versions) return;
      const ids = versionsToRemove(versions, this.now(), this.options.retention);
      if (ids.length === 0) return;
      await store.removeVersions(name, ids);
      this.options.onRemove?.({ name, count: ids.length });
      logger.debug({ document: name, removed: ids.length }, 'retention removed versions');
    } catch (error) {
      if (!isNotFound(error)) logger.warn({ err: error, document: name }, 'applying the history retention policy failed; it is tried again later');
      throw error;
    }
  }

  /** Runs `task` after every earlier history task of `name` has finished (whether it failed or not). */
  private serial<T>(name: string, task: () => Promise<T>): Promise<T> {
    return this.chains.run(name, task);
  }

  /** Puts contributors taken for a capture back, ahead of anyone who changed the document since. */
  private giveBack(name: string, taken: { contributors: VersionAuthor[]; restoredFrom: RestoredFrom | null }): Pending {
    const again = this.pendingOf(name);
    again.contributors = new Map([...taken.contributors.map((author) => [author.id, author] as const), ...again.contributors]);
    again.restoredFrom ??= taken.restoredFrom;
    return again;
  }

  private pendingOf(name: string): Pending {
    let pending = this.pending.get(name);
    if (!pending) {
      pending = { contributors: new Map(), restoredFrom: null, lastChangeAt: 0, idleTimer: null, intervalTimer: null };
      this.pending.set(name, pending);
    }
    return pending;
  }

  /** Drops a document's pending record once nothing is waiting in it. */
  private forgetIfIdle(name: string): void {
    const pending = this.pending.get(name);
    if (pending && pending.contributors.size === 0 && !pending.idleTimer && !pending.intervalTimer) this.pending.delete(name);
  }

  private forget(name: string): void {
    const pending = this.pending.get(name);
    if (pending) this.stopTimers(pending);
    this.pending.delete(name);
  }

  private stopTimers(pending: Pending): void {
    if (pending.idleTimer) clearTimeout(pending.idleTimer);
    if (pending.intervalTimer) clearTimeout(pending.intervalTimer);
    pending.idleTimer = null;
    pending.intervalTimer = null;
  }

  private timer(run: () => void, ms: number): NodeJS.Timeout | null {
    if (this.closed) return null;
    const timer = setTimeout(run, ms);
    timer.unref();
    return timer;
  }
}

/** Who made a change: the connection's token identity, or the server for changes without one. */
function authorOf(context: unknown): VersionAuthor {
  const { user } = isConnectionContext(context) ? context : SERVER_IDENTITY;
  return { id: user.id, name: user.name, color: user.color };
}

function isRestoreContext(context: unknown): context is RestoreContext {
  return isConnectionContext(context) && 'restoredFrom' in context && typeof (context as RestoreContext).restoredFrom === 'object';
}

function isNotFound(error: unknown): boolean {
  return error instanceof StoreError && error.code === 'NOT_FOUND';
}
