/**
 * Runs tasks one at a time per key: a task starts once every earlier task of its key has settled
 * (fulfilled or rejected), while tasks of other keys run freely. A key is forgotten once its last
 * task settles, so the table holds only keys with work in flight.
 */
export class SerialByKey {
  private readonly tails = new Map<string, Promise<unknown>>();

  /** Runs `task` after the earlier tasks of `key`; resolves or rejects as `task` does. */
  run<T>(key: string, task: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const current = previous.then(task, task);
    const tail = current.catch(() => undefined);
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return current;
  }

  /** How many keys have tasks in flight. */
  get size(): number {
    return this.tails.size;
  }

  /** The keys with tasks in flight. */
  keys(): string[] {
    return [...this.tails.keys()];
  }

  /** Resolves once the tasks in flight now have settled. */
  settled(): Promise<void> {
    return Promise.allSettled([...this.tails.values()]).then(() => undefined);
  }
}
