import type { afterLoadDocumentPayload, afterUnloadDocumentPayload, beforeUnloadDocumentPayload, Extension, onChangePayload } from '@hocuspocus/server';
import type { Registry } from 'prom-client';
import { type DocumentMeta, StoreError } from '../../persistence/DocumentStore';
import type { Config } from '../config';
import { isConnectionContext } from '../context';
import { describeDocument } from '../http/apiRoutes';
import type { Logger } from '../logger';
import { watchComments } from './commentEvents';
import { type Editor, type WebhookEvent, webhookEvent } from './events';
import type { DocumentEventListener } from './storeEvents';
import { WebhookSender } from './WebhookSender';

export interface WebhookExtensionOptions {
  sender: WebhookSender;
  /** Quiet time after the last change before `document.changed` is sent. */
  debounceMs: number;
  /** The stored metadata, or null once the document is gone. */
  getMeta: (name: string) => Promise<DocumentMeta | null>;
  /**
   * Null when every change received so far is durable, otherwise a promise of that, which rejects
   * with StoreError `NOT_FOUND` when the document is deleted before they are stored.
   */
  whenSaved: (name: string) => Promise<void> | null;
  logger: Logger;
}

/** A document edited without pause is still announced at least this many debounce periods apart. */
export const MAX_WAIT_FACTOR = 10;

interface PendingChange {
  timer: NodeJS.Timeout;
  firstAt: number;
  lastAt: number;
  editors: Map<string, Editor>;
}

/**
 * Turns document events into webhooks. Changes are seen through Hocuspocus' `onChange` (every
 * change, from any client or from the server), debounced per document, and announced as
 * `document.changed` only once they are durable, so a receiver that reads the content back gets
 * them. Creation and deletion are reported by the store (`withDocumentEvents`), whichever
 * feature made them. New comments and resolved threads are seen in each loaded document's
 * comment threads (`commentEvents.ts`) and announced once durable. Nothing here waits on a
 * receiver: sending only queues.
 */
export class WebhookExtension implements Extension, DocumentEventListener {
  readonly extensionName = 'Webhooks';
  private readonly pending = new Map<string, PendingChange>();
  private readonly announcing = new Set<Promise<void>>();
  /** Stops watching the comments of each loaded document. */
  private readonly unwatch = new Map<string, () => void>();

  constructor(private readonly options: WebhookExtensionOptions) {}

  async onChange({ documentName, context }: onChangePayload): Promise<void> {
    const now = Date.now();
    const { debounceMs } = this.options;
    let entry = this.pending.get(documentName);
    if (entry) clearTimeout(entry.timer);
    else {
      entry = { timer: undefined as unknown as NodeJS.Timeout, firstAt: now, lastAt: now, editors: new Map() };
      this.pending.set(documentName, entry);
    }
    entry.lastAt = now;
    if (isConnectionContext(context)) entry.editors.set(context.user.id, { id: context.user.id, name: context.user.name });
    const wait = Math.max(0, Math.min(debounceMs, entry.firstAt + debounceMs * MAX_WAIT_FACTOR - now));
    entry.timer = setTimeout(() => this.flush(documentName), wait);
    entry.timer.unref();
  }

  /** The last editor left: announce now rather than after the debounce. */
  async afterUnloadDocument({ documentName }: afterUnloadDocumentPayload): Promise<void> {
    this.flush(documentName);
  }

  /** Comments written from now on are announced (what the store held is not new). */
  async afterLoadDocument({ documentName, document }: afterLoadDocumentPayload): Promise<void> {
    this.unwatch.get(documentName)?.();
    this.unwatch.set(
      documentName,
      watchComments(documentName, document, (event) => this.track(this.announceComment(documentName, event))),
    );
  }

  async beforeUnloadDocument({ documentName }: beforeUnloadDocumentPayload): Promise<void> {
    this.unwatch.get(documentName)?.();
    this.unwatch.delete(documentName);
  }

  /** A document was created (told by the store). */
  created(meta: DocumentMeta): void {
    this.options.sender.send(webhookEvent('document.created', describeDocument(meta), { occurredAt: meta.createdAt }));
  }

  /** A document was deleted (told by the store); a change not yet announced is not announced any more. */
  deleted(name: string): void {
    const entry = this.pending.get(name);
    if (entry) {
      clearTimeout(entry.timer);
      this.pending.delete(name);
    }
    this.options.sender.send(webhookEvent('document.deleted', { name }));
  }

  /** Announces pending changes, then gives deliveries up to `graceMs` to finish. */
  async close(graceMs: number): Promise<void> {
    for (const name of [...this.pending.keys()]) this.flush(name);
    const deadline = new Promise((resolve) => setTimeout(resolve, graceMs).unref());
    await Promise.race([Promise.allSettled([...this.announcing]), deadline]);
    await this.options.sender.close(graceMs);
  }

  private flush(name: string): void {
    const entry = this.pending.get(name);
    if (!entry) return;
    clearTimeout(entry.timer);
    this.pending.delete(name);
    this.track(this.announce(name, entry));
  }

  private track(announcement: Promise<void>): void {
    const run: Promise<void> = announcement.finally(() => this.announcing.delete(run));
    this.announcing.add(run);
  }

  /** Sends a comment event once the change holding it is durable; never for a document deleted first. */
  private async announceComment(name: string, event: WebhookEvent): Promise<void> {
    try {
      // Observers run before the document emits the update that persistence queues: wait for
      // the end of the transaction, so `whenSaved` covers it.
      await Promise.resolve();
      await this.options.whenSaved(name);
      this.options.sender.send(event);
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NOT_FOUND') return;
      this.options.logger.error({ err: error, document: name }, `${event.type} webhook not sent`);
    }
  }

  private async announce(name: string, entry: PendingChange): Promise<void> {
    try {
      await this.options.whenSaved(name);
      const meta = await this.options.getMeta(name);
      // Deleted meanwhile: `document.deleted` says all there is to say.
      if (!meta) return;
      this.options.sender.send(webhookEvent('document.changed', describeDocument(meta), { occurredAt: entry.lastAt, changedBy: [...entry.editors.values()] }));
    } catch (error) {
      if (error instanceof StoreError && error.code === 'NOT_FOUND') {
        // Deleted before these changes were stored (`whenSaved` rejects): they never will be, and
        // `document.deleted` says all there is to say. A deletion, not a failure.
        this.options.logger.debug({ document: name }, 'document.changed webhook not sent: the document was deleted before its changes were stored');
        return;
      }
      this.options.logger.error({ err: error, document: name }, 'document.changed webhook not sent: reading the document metadata failed');
    }
  }
}

/** The webhook extension the configuration asks for, or null when no WEBHOOK_URLS are set. */
export function webhooksFromConfig(
  config: Pick<Config, 'webhookUrls' | 'webhookSecret' | 'webhookMaxAttempts' | 'webhookRetryMs' | 'webhookDebounceMs'>,
  dependencies: Pick<WebhookExtensionOptions, 'getMeta' | 'whenSaved' | 'logger'> & { registry: Registry },
): WebhookExtension | null {
  if (config.webhookUrls.length === 0 || !config.webhookSecret) return null;
  const { registry, ...rest } = dependencies;
  const sender = new WebhookSender({
    urls: config.webhookUrls,
    secret: config.webhookSecret,
    maxAttempts: config.webhookMaxAttempts,
    retryMs: config.webhookRetryMs,
    logger: dependencies.logger,
    registry,
  });
  return new WebhookExtension({ ...rest, sender, debounceMs: config.webhookDebounceMs });
}
