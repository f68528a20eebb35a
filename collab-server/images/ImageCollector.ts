import * as Y from 'yjs';
import type { BlobStore } from '../../persistence/BlobStore';
import type { DocumentStore } from '../../persistence/DocumentStore';
import type { VersionStore } from '../../persistence/VersionStore';
import { BODY_FIELD } from '../../shared/documentFields';
import { storedImageOf } from '../../shared/imagePaths';
import type { Logger } from '../logger';

/** How long an image stays after it was uploaded, whatever refers to it: the editor inserts it once stored, and may take a while. */
export const DEFAULT_GRACE_MS = 24 * 60 * 60 * 1000;
const DEFAULT_INTERVAL_MS = 6 * 60 * 60 * 1000;
/** The first collection after a start, once the server has settled. */
const FIRST_RUN_MS = 10 * 60 * 1000;

export interface ImageCollectorOptions {
  store: DocumentStore & VersionStore & BlobStore;
  /** Calls `read` with the current state of a document (the live one when loaded). */
  read: <T>(name: string, read: (doc: Y.Doc) => T) => Promise<T>;
  logger: Logger;
  /** Images younger than this are kept (default a day). */
  graceMs?: number;
  /** How often every document is looked at (default six hours; 0: only when asked). */
  intervalMs?: number;
  now?: () => number;
}

/**
 * Removes the images no version of their document shows any more. An image is kept while the
 * document's current state or any version its history keeps has an image node whose address is
 * its own (so restoring any listed version shows its images; retention, by removing versions, is
 * what lets an image go), and for a day after its upload whatever shows it. Each kept version is
 * rebuilt once, in order, by applying its delta to the one before, and its image nodes read (so a
 * merged delta that still holds an image no remaining version shows does not keep it). Deleting a
 * document removes all its images with it, in the store's own deletion.
 */
export class ImageCollector {
  private readonly now: () => number;
  private readonly graceMs: number;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private closed = false;

  constructor(private readonly options: ImageCollectorOptions) {
    this.now = options.now ?? Date.now;
    this.graceMs = options.graceMs ?? DEFAULT_GRACE_MS;
    const intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    if (intervalMs > 0) {
      const run = (delay: number) => {
        this.timer = setTimeout(() => {
          this.running = this.collectAll().finally(() => {
            this.running = null;
            if (!this.closed) run(intervalMs);
          });
        }, delay);
        this.timer.unref();
      };
      run(Math.min(FIRST_RUN_MS, intervalMs));
    }
  }

  /** Looks at every document, one at a time. */
  async collectAll(): Promise<void> {
    let names: string[];
    try {
      names = (await this.options.store.list()).map((meta) => meta.name);
    } catch (error) {
      this.options.logger.warn({ err: error }, 'the image collection could not list documents; it runs again later');
      return;
    }
    for (const name of names) {
      if (this.closed) return;
      await this.collect(name).catch((error) => {
        // In a cluster, a document another node serves is collected by that node (SPEC.md [PG11]).
        if ((error as { code?: string }).code === 'FENCED')
          this.options.logger.debug({ document: name }, 'images of a document served by another node left to it');
        else this.options.logger.warn({ err: error, document: name }, 'collecting the images of a document failed');
      });
    }
  }

  /** Removes the images of `name` that nothing shows any more and are past the grace period; returns their hashes. */
  async collect(name: string): Promise<string[]> {
    const { store } = this.options;
    const now = this.now();
    // Hashes not seen shown yet; each state looked at crosses off those it shows.
    const unused = new Set(((await store.listBlobs(name)) ?? []).filter((blob) => now - blob.createdAt >= this.graceMs).map((blob) => blob.hash));
    if (unused.size === 0) return [];
    await this.options.read(name, (doc) => crossOff(doc, name, unused));
    const latest = ((await store.listVersions(name)) ?? []).at(-1);
    const deltas = latest && unused.size > 0 ? ((await store.loadVersion(name, latest.id)) ?? []) : [];
    const version = new Y.Doc();
    try {
      for (const delta of deltas) {
        if (unused.size === 0) break;
        Y.applyUpdate(version, delta);
        crossOff(version, name, unused);
        // Long histories: let others run between versions.
        await new Promise((resolve) => setImmediate(resolve));
      }
    } finally {
      version.destroy();
    }
    if (unused.size === 0) return [];
    const hashes = [...unused];
    await store.deleteBlobs(name, hashes);
    this.options.logger.info({ event: 'images-collected', document: name, images: hashes.length }, 'removed images nothing shows any more');
    return hashes;
  }

  /** Stops the timer and waits for a collection under way. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}

/** Removes from `hashes` those of document `name`'s images the body of `doc` shows. */
function crossOff(doc: Y.Doc, name: string, hashes: Set<string>): void {
  const work: Array<Y.XmlElement | Y.XmlFragment> = [doc.getXmlFragment(BODY_FIELD)];
  while (work.length > 0) {
    const element = work.pop() as Y.XmlElement | Y.XmlFragment;
    if (element instanceof Y.XmlElement && element.nodeName === 'image') {
      const src = element.getAttribute('src');
      const image = typeof src === 'string' ? storedImageOf(src) : null;
      if (image?.document === name) hashes.delete(image.hash);
    }
    for (const child of element.toArray()) if (child instanceof Y.XmlElement) work.push(child);
  }
}
