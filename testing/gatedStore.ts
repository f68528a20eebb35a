import type { DocumentMeta, LoadedDocument, MetaPatch } from '../persistence/DocumentStore';
import { FaultyStore } from './faultyStore';

/** Operations a test can hold back at a gate: two reads, and appending an update (a stalled disk). */
export type GatedOperation = 'load' | 'getMeta' | 'append';

/**
 * A `FaultyStore` (a real store underneath) whose reads and appends can also be held: while a
 * gate is closed, every call of that operation waits before it reaches the real store. Tests close
 * a gate to make connections overlap on purpose (two arrivals both inside one step), or to keep a
 * write in flight, then open it.
 */
export class GatedStore extends FaultyStore {
  private readonly gates = new Map<GatedOperation, { name: string; opened: Promise<void>; open: () => void; waiting: number }>();

  /** Holds every later call of `operation` for document `name` until `release`. */
  hold(operation: GatedOperation, name: string): void {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    this.gates.set(operation, { name, opened, open, waiting: 0 });
  }

  /** Lets every held call of `operation` through, and the later ones too. */
  release(operation: GatedOperation): void {
    this.gates.get(operation)?.open();
    this.gates.delete(operation);
  }

  /** Calls of `operation` waiting at its gate now. */
  waiting(operation: GatedOperation): number {
    return this.gates.get(operation)?.waiting ?? 0;
  }

  private async pass(operation: GatedOperation, name: string): Promise<void> {
    const gate = this.gates.get(operation);
    if (gate?.name !== name) return;
    gate.waiting += 1;
    await gate.opened;
    gate.waiting -= 1;
  }

  override async load(name: string): Promise<LoadedDocument | null> {
    await this.pass('load', name);
    return super.load(name);
  }

  override async getMeta(name: string): Promise<DocumentMeta | null> {
    await this.pass('getMeta', name);
    return super.getMeta(name);
  }

  override async append(name: string, update: Uint8Array, patch?: MetaPatch): Promise<void> {
    await this.pass('append', name);
    return super.append(name, update, patch);
  }
}
