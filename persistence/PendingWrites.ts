/**
 * The writes a store has started and not finished, so a read can wait for every write called
 * before it ([L14]: reads see earlier writes), whether each lands or fails.
 */
export class PendingWrites {
  private readonly pending = new Set<Promise<unknown>>();

  /** Tracks `write` until it settles; returns it unchanged. */
  track<T>(write: Promise<T>): Promise<T> {
    this.pending.add(write);
    const forget = () => this.pending.delete(write);
    write.then(forget, forget);
    return write;
  }

  /** Resolves once every write tracked before now has landed or failed. */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.pending]);
  }
}
