import type * as Y from 'yjs';
import { mintToken } from '../shared/token';
import { hocuspocusClient, yWebsocketClient } from './clients';
import type { SeededRandom } from './seededRandom';
import type { ServerProcess } from './serverProcess';
import { loadStored } from './storedDocument';
import { waitFor } from './waitFor';

/**
 * One round of the ack-then-kill test, shared by `npm test` and the soak: clients of both
 * protocols type into a few documents of a real server process; every durable acknowledgement a
 * Hocuspocus client receives (`unsyncedChanges` back at 0) marks all it typed so far as
 * acknowledged; the server is killed with SIGKILL, either at a random moment or right as an
 * acknowledgement arrives; then the data folder is read back and every acknowledged item must be
 * there.
 */

/** The Y.Array each typed item is pushed to (one string per item, unique per round and client). */
export const TYPED_FIELD = 'typed';

export interface KillRoundOptions {
  server: ServerProcess;
  dataDir: string;
  secret: string;
  documents: readonly string[];
  random: SeededRandom;
  /** A label that makes this round's items unique. */
  round: string;
}

export interface KillRoundResult {
  /** Items typed by all clients (acknowledged or not). */
  typed: number;
  /** Items whose acknowledgement arrived before the kill. */
  acknowledged: number;
  /** Acknowledged items missing from the data folder after the kill (must be empty). */
  lost: string[];
  /** How the kill was timed. */
  kill: string;
}

interface Writer {
  doc: Y.Doc;
  /** Items typed since the last acknowledgement. */
  unacknowledged: string[];
  destroy(): void;
  synced(): Promise<void>;
}

/** Runs one round against the running `server`, which is dead when this resolves. */
export async function ackThenKillRound(options: KillRoundOptions): Promise<KillRoundResult> {
  const { server, random, documents, round } = options;
  const url = server.httpUrl.replace('http', 'ws');
  const acknowledged = new Map<string, Set<string>>(documents.map((name) => [name, new Set<string>()]));
  const writers: Writer[] = [];
  const killOnAck = random.chance(0.4) ? random.int(1, 25) : 0;
  let acks = 0;
  let typing = false;
  let killed = false;
  let killedHow = '';
  const kill = (how: string) => {
    if (killed) return;
    killed = true;
    killedHow = how;
    server.child.kill('SIGKILL');
  };

  for (const name of documents) {
    const token = await mintToken(options.secret, { sub: `writer-${round}`, name: 'Writer', doc: name, role: 'editor' });
    for (let i = 0; i < 2; i++) {
      const client = hocuspocusClient(`${url}/collab`, name, token);
      const writer: Writer = { doc: client.doc, unacknowledged: [], destroy: () => client.destroy(), synced: () => client.synced() };
      client.provider.on('unsyncedChanges', ({ number }: { number: number }) => {
        if (number !== 0 || killed || !typing) return;
        const done = acknowledged.get(name) as Set<string>;
        for (const item of writer.unacknowledged) done.add(item);
        writer.unacknowledged = [];
        acks += 1;
        // The harshest moment: the instant the client learns its edit is safe.
        if (killOnAck > 0 && acks >= killOnAck) kill(`right on acknowledgement ${acks}`);
      });
      writers.push(writer);
    }
    // A y-websocket client types too: its items are never acknowledged (the protocol has no
    // acknowledgements) but share the documents, the log and the group commits.
    const plain = yWebsocketClient(`${url}/y`, name, token);
    writers.push({ doc: plain.doc, unacknowledged: [], destroy: () => plain.destroy(), synced: () => plain.synced() });
  }

  let typed = 0;
  const timers: NodeJS.Timeout[] = [];
  try {
    await Promise.all(writers.map((writer) => writer.synced())).catch((error) => {
      throw new Error(`${error.message}; server output:\n${server.output.slice(-3000)}`);
    });
    typing = true;
    for (const [index, writer] of writers.entries()) {
      const tick = () => {
        if (killed) return;
        const count = random.chance(0.2) ? random.int(2, 5) : 1;
        writer.doc.transact(() => {
          for (let i = 0; i < count; i++) {
            const item = `${round}/${index}/${typed++}`;
            writer.unacknowledged.push(item);
            writer.doc.getArray<string>(TYPED_FIELD).push([item]);
          }
        });
        // Bursts of keystrokes with pauses between them, as people type: an acknowledgement (which
        // the server may hold for a commit interval under load) reaches a client in the pauses.
        timers.push(setTimeout(tick, random.chance(0.1) ? random.int(40, 150) : random.int(1, 12)));
      };
      tick();
    }
    const deadline = random.int(30, 800);
    timers.push(setTimeout(() => kill(`${deadline} ms into typing`), deadline));
    await waitFor(() => killed, { timeoutMs: 15_000, message: 'the kill' });
    await server.stop('SIGKILL');
  } finally {
    for (const timer of timers) clearTimeout(timer);
    for (const writer of writers) writer.destroy();
    // On any failure before the planned kill, the server must not outlive the round.
    if (!killed) await server.stop('SIGKILL');
  }

  const stored = await loadStored(options.dataDir, documents);
  const lost: string[] = [];
  let total = 0;
  for (const [name, items] of acknowledged) {
    total += items.size;
    const present = new Set(stored.get(name)?.doc.getArray<string>(TYPED_FIELD).toArray() ?? []);
    for (const item of items) if (!present.has(item)) lost.push(`${name}: ${item}`);
  }
  return { typed, acknowledged: total, lost, kill: killedHow };
}

/** Waits until `server` answers `/readyz` with 200. */
export async function serverReady(server: ServerProcess): Promise<void> {
  await waitFor(async () => (await fetch(`${server.httpUrl}/readyz`)).ok, { message: 'the server to be ready' });
}
