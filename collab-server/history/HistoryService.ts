import * as Y from 'yjs';
import { StoreError } from '../../persistence/DocumentStore';
import type { RestoredFrom, VersionInfo, VersionStore } from '../../persistence/VersionStore';
import { TITLE_FIELD } from '../../shared/documentFields';
import { replaceText } from '../../shared/titleText';
import type { ConnectionContext } from '../context';
import type { ConversionPool } from '../conversion/ConversionPool';
import type { DocumentService } from '../documents/DocumentService';
import type { HistoryExtension, RestoreContext } from './HistoryExtension';
import { rebuildVersion } from './versionDelta';

export interface HistoryServiceOptions {
  store: VersionStore;
  documents: DocumentService;
  history: HistoryExtension;
  /** Rebuilds versions and computes restores off the event loop. */
  conversions: ConversionPool;
}

/**
 * Version history operations for the HTTP APIs: list, read, name and restore versions. Every
 * failure about a missing document or version is a StoreError `NOT_FOUND` naming it.
 */
export class HistoryService {
  constructor(private readonly options: HistoryServiceOptions) {}

  /** The versions of a document, newest first. */
  async list(name: string): Promise<VersionInfo[]> {
    const versions = await this.options.store.listVersions(name);
    if (!versions) throw noDocument(name);
    return versions.reverse();
  }

  /** One version's description. */
  async version(name: string, id: number): Promise<VersionInfo> {
    const version = (await this.list(name)).find((candidate) => candidate.id === id);
    if (!version) throw noVersion(name, id);
    return version;
  }

  /**
   * Version `id` as Yjs updates that rebuild it (its deltas and those of the versions before it),
   * to hand to a conversion worker: fresh copies, so they can be moved there.
   */
  async state(name: string, id: number): Promise<Uint8Array[]> {
    const deltas = await this.options.store.loadVersion(name, id);
    if (!deltas) throw (await this.options.store.listVersions(name)) ? noVersion(name, id) : noDocument(name);
    return deltas.map((delta) => new Uint8Array(delta));
  }

  /** Calls `read` with the document as it was at version `id` (rebuilt on this thread, then destroyed). */
  async read<T>(name: string, id: number, read: (doc: Y.Doc) => T): Promise<T> {
    const doc = rebuildVersion(await this.state(name, id));
    try {
      return read(doc);
    } finally {
      doc.destroy();
    }
  }

  /**
   * Names the current state of a document: captures it as a version named `label` (when nothing
   * changed since the latest version and that one has no name, the latest version is named).
   */
  async nameCurrent(name: string, label: string): Promise<VersionInfo> {
    const version = await this.options.history.capture(name, { label });
    if (!version) throw noDocument(name);
    return version;
  }

  /** Names version `id` (a string) or makes it automatic again (null). */
  label(name: string, id: number, label: string | null): Promise<VersionInfo> {
    return this.options.store.labelVersion(name, id, label);
  }

  /**
   * Makes the document look as it did at version `id` (body and title), as a new change by `by`
   * that every connected editor receives at once; later history stays: the state restored over
   * is captured as a version first. Resolves with the version holding the restored state.
   */
  async restore(name: string, id: number, by: ConnectionContext): Promise<VersionInfo> {
    const target = await this.version(name, id);
    const restored = await this.state(name, id);
    await this.options.history.capture(name);
    const restoredFrom: RestoredFrom = { id: target.id, createdAt: target.createdAt, label: target.label };
    const context: RestoreContext = { ...by, restoredFrom };
    // A worker rebuilds the version and makes the body change on a copy of the document; the
    // update it returns is applied here, like any editor's.
    const { delta, title } = await this.options.conversions.run({ kind: 'restore', version: restored, current: await this.options.documents.state(name) });
    await this.options.documents.change(
      name,
      (doc) => {
        Y.applyUpdate(doc, delta);
        replaceText(doc.getText(TITLE_FIELD), title);
      },
      context,
    );
    const version = await this.options.history.capture(name);
    if (!version) throw noDocument(name);
    return version;
  }
}

function noDocument(name: string): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
}

function noVersion(name: string, id: number): StoreError {
  return new StoreError('NOT_FOUND', `document "${name}" has no version ${id}`);
}
