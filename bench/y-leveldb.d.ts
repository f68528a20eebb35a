/** The part of y-leveldb (no type declarations of its own) the benchmark uses to write its stores. */
declare module 'y-leveldb' {
  export class LeveldbPersistence {
    constructor(location: string);
    /** Appends one update to the document's log; resolves with its clock. */
    storeUpdate(docName: string, update: Uint8Array): Promise<number>;
    destroy(): Promise<void>;
  }
}
