import * as Y from 'yjs';

/** One loaded document's whole state, encoded once for the clients that join it. */
export interface WholeState {
  update: Uint8Array;
  stateVector: Uint8Array;
}

export interface WholeStateCacheOptions {
  /** The loaded document called `name`, or undefined when it is not in memory. */
  document(name: string): Y.Doc | undefined;
  /** How long an encoding is kept after it was made, in ms; every change to the document drops it sooner. */
  keepMs: number;
  /** Told each time an encoding made earlier answers another client. */
  onReused?(): void;
}

interface Entry extends WholeState {
  doc: Y.Doc;
  drop: () => void;
}

/**
 * The whole state of loaded documents, encoded once for every client that asks for all of it at
 * about the same time. Answering a client that has nothing of a document (every first open) means
 * encoding the whole document, a few milliseconds for a large one; when many join at once (a
 * meeting, a class, a shared link) those encodes are most of the server's work. An encoding is
 * dropped at the document's next change, so a client served from here holds exactly the current
 * state, and after `keepMs` in any case, so idle documents do not keep a second copy.
 */
export class WholeStateCache {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly options: WholeStateCacheOptions) {}

  /** The current whole state of loaded document `name`, or null when it is not in memory. */
  get(name: string): WholeState | null {
    const doc = this.options.document(name);
    if (!doc) return null;
    const cached = this.entries.get(name);
    if (cached?.doc === doc) {
      this.options.onReused?.();
      return cached;
    }
    cached?.drop();
    const entry: Entry = { doc, update: Y.encodeStateAsUpdate(doc), stateVector: Y.encodeStateVector(doc), drop: () => {} };
    const timer = setTimeout(() => entry.drop(), this.options.keepMs);
    timer.unref();
    entry.drop = () => {
      clearTimeout(timer);
      doc.off('update', entry.drop);
      doc.off('destroy', entry.drop);
      if (this.entries.get(name) === entry) this.entries.delete(name);
    };
    doc.on('update', entry.drop);
    doc.on('destroy', entry.drop);
    this.entries.set(name, entry);
    return entry;
  }

  /** Drops every encoding (the server is stopping). */
  clear(): void {
    for (const entry of [...this.entries.values()]) entry.drop();
  }
}
