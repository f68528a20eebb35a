/**
 * One section at a time per document name, in the order they were asked for. Creating a document
 * on connect and deleting it take the same lock, so a deletion can never land between a
 * connection's "is there a tombstone?" and its creation (which would re-create a deleted document).
 */
export class NameLocks {
  /** The last section queued per name; gone once it finished and nothing queued behind it. */
  private readonly tails = new Map<string, Promise<void>>();

  /** Runs `section` once every section queued before it for `name` has finished. */
  async run<T>(name: string, section: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(name) ?? Promise.resolve();
    let finish!: () => void;
    const done = new Promise<void>((resolve) => {
      finish = resolve;
    });
    this.tails.set(name, done);
    await previous;
    try {
      return await section();
    } finally {
      finish();
      if (this.tails.get(name) === done) this.tails.delete(name);
    }
  }
}
