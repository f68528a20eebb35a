import type { beforeUnloadDocumentPayload, connectedPayload, Extension, Hocuspocus, onConfigurePayload } from '@hocuspocus/server';
import type { Logger } from '../logger';

export interface IdleDocumentsOptions {
  /** How long a document stays loaded after its last connection left (0: it unloads at once). */
  graceMs: number;
  /** The stored size the idle documents may add up to; past it, the longest idle unload first. */
  maxBytes: number;
  /** The stored size of a loaded document (what it takes to load it again). */
  sizeOf: (name: string) => number;
  logger: Logger;
}

/** A loaded document nobody is connected to. */
interface Idle {
  /** Unloads it when the grace period ends; null once it may unload (grace over, or unloaded on purpose). */
  timer: NodeJS.Timeout | null;
  /** Unloaded on purpose (deleted, lease lost): a connection joining meanwhile does not keep it. */
  forced: boolean;
}

/**
 * Keeps a document loaded for a while after its last connection leaves ([LC4] in SECURITY.md).
 * Loading a document applies its whole stored state on the event loop, which for a large one
 * stalls every other client for seconds; a client that connects, syncs and leaves in a loop would
 * otherwise make the server load it again each time. An idle document stays until its grace
 * period ends, or until the idle ones' stored sizes add up to more than `maxBytes` (the longest
 * idle goes first), or at once when it is deleted or this node loses its lease (`unloadNow`).
 *
 * It keeps a document by refusing Hocuspocus' `beforeUnloadDocument`, so it must come before
 * every extension whose `beforeUnloadDocument` lets go of the document (they run only once it
 * may unload). Nothing is lost by keeping one: every change is already stored as it arrives.
 */
export class IdleDocuments implements Extension {
  readonly extensionName = 'IdleDocuments';
  /** In the order they became idle: the first is the longest idle. */
  private readonly idle = new Map<string, Idle>();
  private instance: Hocuspocus | null = null;
  private closed = false;

  constructor(private readonly options: IdleDocumentsOptions) {}

  async onConfigure({ instance }: onConfigurePayload): Promise<void> {
    this.instance = instance;
  }

  /** Someone is connected again: the document is in use, not idle. */
  async connected({ documentName }: connectedPayload): Promise<void> {
    const entry = this.idle.get(documentName);
    if (!entry || entry.forced) return;
    if (entry.timer) clearTimeout(entry.timer);
    this.idle.delete(documentName);
  }

  async beforeUnloadDocument({ documentName }: beforeUnloadDocumentPayload): Promise<void> {
    const entry = this.idle.get(documentName);
    if (entry && entry.timer === null) return;
    if (this.closed || this.options.graceMs === 0) return;
    if (!entry) {
      const timer = setTimeout(() => this.expire(documentName), this.options.graceMs);
      timer.unref();
      this.idle.set(documentName, { timer, forced: false });
      this.keepWithinBudget();
    }
    // Still idle for a while: keep it (rejected without a message, so Hocuspocus logs nothing).
    if (this.idle.get(documentName)?.timer) throw { reason: 'kept-idle' };
  }

  async afterUnloadDocument({ documentName }: { documentName: string }): Promise<void> {
    const entry = this.idle.get(documentName);
    if (entry?.timer) clearTimeout(entry.timer);
    this.idle.delete(documentName);
  }

  /**
   * Unloads `name` as soon as nobody is connected to it (now, if nobody is), whatever its grace
   * period: it was deleted, or this node may no longer serve it.
   */
  unloadNow(name: string): void {
    const entry = this.idle.get(name);
    if (entry?.timer) clearTimeout(entry.timer);
    this.idle.set(name, { timer: null, forced: true });
    this.unload(name);
  }

  /** The names of the documents kept loaded with nobody connected, longest idle first. */
  idleDocuments(): string[] {
    return [...this.idle].filter(([, entry]) => entry.timer !== null).map(([name]) => name);
  }

  /** Lets every idle document unload (the server is stopping); from now on documents unload at once. */
  close(): void {
    this.closed = true;
    for (const name of this.idleDocuments()) this.expire(name);
  }

  private expire(name: string): void {
    const entry = this.idle.get(name);
    if (!entry) return;
    if (entry.timer) clearTimeout(entry.timer);
    entry.timer = null;
    this.unload(name);
  }

  private unload(name: string): void {
    const document = this.instance?.documents.get(name);
    if (!document) {
      // Not loaded (any more): nothing to unload, and nothing to remember, unless it is loading.
      if (!this.instance?.loadingDocuments.has(name)) this.idle.delete(name);
      return;
    }
    // With someone still connected, the last one's departure unloads it (the entry says it may).
    if (document.getConnectionsCount() === 0) void this.instance?.unloadDocument(document);
  }

  /** Past the budget, the longest idle documents unload until the rest fit. */
  private keepWithinBudget(): void {
    const idle = this.idleDocuments();
    let bytes = idle.reduce((sum, name) => sum + this.options.sizeOf(name), 0);
    for (const name of idle) {
      if (bytes <= this.options.maxBytes) return;
      bytes -= this.options.sizeOf(name);
      this.options.logger.debug({ document: name, idleBytes: bytes }, 'unloading the longest idle document: the idle documents exceed their memory budget');
      this.expire(name);
    }
  }
}
