import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { Awareness } from 'y-protocols/awareness';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import type { RunningSystem } from './systems';

// Every y-websocket provider adds an `exit` listener to the process (to tell the others it left),
// and the benchmark holds up to thousands of them in this one process: that is no leak.
process.setMaxListeners(0);

/** Messages the benchmark's clients received, across all of them (what the servers sent). */
export const received = { messages: 0, bytes: 0 };

/** A `ws` WebSocket that binds to `localAddress` and counts what it receives. */
function socketClass(localAddress: string | undefined, onOpen?: () => void): typeof WebSocket {
  class BenchSocket extends WebSocket {
    constructor(address: string, protocols?: string | string[], options?: WebSocket.ClientOptions) {
      super(address, protocols, { ...options, ...(localAddress ? { localAddress } : {}), perMessageDeflate: false });
      if (onOpen) this.once('open', onOpen);
      this.on('message', (data: Buffer) => {
        received.messages += 1;
        received.bytes += data.length;
      });
    }
  }
  return BenchSocket as unknown as typeof WebSocket;
}

/** One real client of a system: a Y.Doc kept in sync by that system's own provider library. */
export interface BenchClient {
  doc: Y.Doc;
  /** True once the provider finished its first sync. */
  readonly synced: boolean;
  /** Number of local updates sent and not yet acknowledged (Hocuspocus protocol only). */
  readonly unacknowledged: number;
  /** Calls `listener` for each acknowledgement (Hocuspocus protocol only). */
  onAcknowledged(listener: () => void): void;
  /** Connection closes seen. */
  closes: number;
  destroy(): void;
}

export interface ClientOptions {
  doc?: Y.Doc;
  /** Source address, so tens of thousands of connections do not run out of ephemeral ports. */
  localAddress?: string;
  /** Publish a presence state (off for idle connections, which then send nothing). */
  presence?: boolean;
  /** Called when the WebSocket is open (its handshake done). */
  onOpen?: () => void;
}

/** Connects a client of `system`'s protocol to document `name`. */
export function connect(running: RunningSystem, name: string, options: ClientOptions = {}): BenchClient {
  const doc = options.doc ?? new Y.Doc();
  const WebSocketClass = socketClass(options.localAddress, options.onOpen);
  if (running.system.protocol === 'hocuspocus') {
    const websocketProvider = new HocuspocusProviderWebsocket({
      url: running.url,
      WebSocketPolyfill: WebSocketClass,
      // Idle connections receive nothing for long stretches; that is not a dead connection here.
      messageReconnectTimeout: 10 * 60_000,
    });
    const awareness = options.presence === false ? null : new Awareness(doc);
    const provider = new HocuspocusProvider({ websocketProvider, name, document: doc, token: running.token, awareness });
    provider.attach();
    const client: BenchClient = {
      doc,
      get synced() {
        return provider.isSynced;
      },
      get unacknowledged() {
        return provider.unsyncedChanges;
      },
      onAcknowledged(listener) {
        let last = provider.unsyncedChanges;
        provider.on('unsyncedChanges', ({ number }: { number: number }) => {
          for (let i = number; i < last; i++) listener();
          last = number;
        });
      },
      closes: 0,
      destroy() {
        provider.destroy();
        websocketProvider.destroy();
      },
    };
    websocketProvider.on('close', () => {
      client.closes += 1;
    });
    return client;
  }
  const awareness = new Awareness(doc);
  if (options.presence === false) awareness.setLocalState(null);
  const provider = new WebsocketProvider(running.url, name, doc, {
    WebSocketPolyfill: WebSocketClass as unknown as typeof globalThis.WebSocket,
    awareness,
    disableBc: true,
  });
  const client: BenchClient = {
    doc,
    get synced() {
      return provider.synced;
    },
    unacknowledged: 0,
    onAcknowledged() {},
    closes: 0,
    destroy() {
      provider.destroy();
    },
  };
  provider.on('connection-close', () => {
    client.closes += 1;
  });
  return client;
}

/**
 * True when `client`'s document holds everything in `expected` (a state vector). The
 * benchmark waits for this rather than for "synced": a y-websocket server may answer the
 * first sync before its stored state has loaded, so "synced" alone does not mean the content
 * is there.
 */
export function hasContent(client: BenchClient, expected: Map<number, number>): boolean {
  const state = Y.decodeStateVector(Y.encodeStateVector(client.doc));
  for (const [clientId, clock] of expected) if ((state.get(clientId) ?? 0) < clock) return false;
  return true;
}

/** Waits (polling every `intervalMs`) until `condition` holds, or fails after `timeoutMs`. */
export async function until(condition: () => boolean, timeoutMs: number, what: string, intervalMs = 2): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (!condition()) {
    if (performance.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** Source addresses 127.0.<block>.1… handing out at most `perAddress` connections each. */
export class SourceAddresses {
  private used = 0;

  constructor(
    private readonly block: number,
    private readonly perAddress = 400,
  ) {}

  next(): string {
    const index = Math.floor(this.used++ / this.perAddress);
    return `127.${this.block}.${Math.floor(index / 250)}.${(index % 250) + 1}`;
  }
}
