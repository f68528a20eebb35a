import * as Y from 'yjs';
import type { BenchClient } from './clients';
import { Samples } from './stats';
import { addParagraph, loadTrace, SEQUENTIAL_TRACES, Typist } from './trace';

/**
 * Typists replaying real traces through real clients, and the two latencies the benchmark
 * reads off them:
 *
 * - remote-apply latency: from a keystroke's local transaction to the moment another client
 *   has applied it. A keystroke that inserts text is identified by its first clock; every
 *   receiver looks the clock ranges it gains up in the senders' send times (all clients run in
 *   this process, so one clock serves both ends). Delete-only keystrokes are typed and
 *   delivered like the rest but carry no new clock, so they are not timed.
 * - acknowledgement latency: from a keystroke to the server's sync acknowledgement of its
 *   update (Hocuspocus protocol; acknowledgements arrive in send order).
 */
export class TypingSession {
  /** clientID → first clock of a timed keystroke → when it was typed. */
  private readonly sent = new Map<number, Map<number, number>>();
  private readonly typists: Array<{ client: BenchClient; typist: Typist; timer?: NodeJS.Timeout }> = [];
  private measuring = false;
  /** Remote-apply latencies, ms. */
  readonly latencies = new Samples();
  /** Acknowledgement latencies, ms. */
  readonly ackLatencies = new Samples();
  /** Keystrokes typed while measuring. */
  keystrokes = 0;
  /** Bytes of the updates typed while measuring. */
  updateBytes = 0;
  /** Keystroke deliveries to other clients that were timed. */
  timedDeliveries = 0;

  /** Makes each client a typist, the i-th replaying trace number i. */
  addTypists(clients: BenchClient[]): void {
    for (const [index, client] of clients.entries()) this.addTypist(client, index);
  }

  /** Makes `client` a typist with its own paragraph, replaying trace number `index` (mod the traces). */
  addTypist(client: BenchClient, index: number): void {
    const trace = loadTrace(SEQUENTIAL_TRACES[index % SEQUENTIAL_TRACES.length]);
    const text = addParagraph(client.doc);
    const typist = { client, typist: new Typist(trace, text) };
    this.typists.push(typist);
    const pendingAcks: number[] = [];
    client.doc.on('update', (update: Uint8Array, origin: unknown) => {
      if (origin !== null && origin !== undefined) return;
      pendingAcks.push(performance.now());
      if (this.measuring) this.updateBytes += update.byteLength;
    });
    client.onAcknowledged(() => {
      const sentAt = pendingAcks.shift();
      if (sentAt !== undefined && this.measuring) this.ackLatencies.add(performance.now() - sentAt);
    });
    this.observe(client);
  }

  /** Times remote keystrokes as `client` applies them (typists are observed already). */
  observe(client: BenchClient): void {
    client.doc.on('afterTransaction', (transaction: Y.Transaction) => {
      if (transaction.local || !this.measuring) return;
      const now = performance.now();
      for (const [clientId, after] of transaction.afterState) {
        const before = transaction.beforeState.get(clientId) ?? 0;
        if (after <= before) continue;
        const times = this.sent.get(clientId);
        if (!times) continue;
        for (let clock = before; clock < after; clock++) {
          const typedAt = times.get(clock);
          if (typedAt === undefined) continue;
          this.latencies.add(now - typedAt);
          this.timedDeliveries += 1;
        }
      }
    });
  }

  /** Every typist types `perSecond` keystrokes a second, each on its own phase. */
  start(perSecond: number): void {
    const interval = 1000 / perSecond;
    for (const entry of this.typists) {
      const tick = () => this.type(entry.client, entry.typist);
      entry.timer = setTimeout(() => {
        tick();
        entry.timer = setInterval(tick, interval);
      }, Math.random() * interval);
    }
  }

  stop(): void {
    for (const entry of this.typists) clearInterval(entry.timer);
  }

  /** Starts counting (after a warm-up); clears what was counted before. */
  measure(): void {
    this.latencies.clear();
    this.ackLatencies.clear();
    this.keystrokes = 0;
    this.updateBytes = 0;
    this.timedDeliveries = 0;
    this.sent.clear();
    this.measuring = true;
  }

  /** Stops counting; later keystrokes and deliveries are ignored. */
  endMeasurement(): void {
    this.measuring = false;
  }

  private type(client: BenchClient, typist: Typist): void {
    const clock = Y.getState(client.doc.store, client.doc.clientID);
    const typedAt = performance.now();
    const inserted = typist.type();
    if (!this.measuring) return;
    this.keystrokes += 1;
    if (!inserted) return;
    let times = this.sent.get(client.doc.clientID);
    if (!times) {
      times = new Map();
      this.sent.set(client.doc.clientID, times);
    }
    times.set(clock, typedAt);
  }
}
