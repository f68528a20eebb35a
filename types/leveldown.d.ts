/** The part of leveldown 6 (abstract-leveldown 7, callback form) that this project uses. */
declare module 'leveldown' {
  type Callback<T = void> = (error: (Error & { code?: string }) | null | undefined, result?: T) => void;
  export interface LevelIterator {
    next(callback: (error: Error | null | undefined, key?: Buffer, value?: Buffer) => void): void;
    end(callback: Callback): void;
    /** Moves to the first entry at or after `target`, within the iterator's range and snapshot. */
    seek(target: string | Buffer): void;
  }
  export interface BatchOperation {
    type: 'put' | 'del';
    key: string | Buffer;
    value?: string | Buffer;
  }
  export interface IteratorOptions {
    gt?: string | Buffer;
    gte?: string | Buffer;
    lt?: string | Buffer;
    lte?: string | Buffer;
    reverse?: boolean;
    limit?: number;
    keys?: boolean;
    values?: boolean;
    keyAsBuffer?: boolean;
    valueAsBuffer?: boolean;
  }
  export interface LevelDown {
    readonly status: 'new' | 'opening' | 'open' | 'closing' | 'closed';
    open(options: { createIfMissing?: boolean; errorIfExists?: boolean }, callback: Callback): void;
    close(callback: Callback): void;
    get(key: string | Buffer, options: { asBuffer?: boolean; fillCache?: boolean }, callback: Callback<Buffer>): void;
    batch(operations: BatchOperation[], options: { sync?: boolean }, callback: Callback): void;
    iterator(options?: IteratorOptions): LevelIterator;
  }
  function leveldown(location: string): LevelDown;
  export default leveldown;
}
