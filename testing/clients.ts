import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import { WebsocketProvider } from 'y-websocket';
import * as Y from 'yjs';
import { waitFor } from './waitFor';

/**
 * `ws` as the Hocuspocus provider uses it, except that an error on a socket the provider has
 * already let go of is ignored instead of thrown. The provider removes its listeners from a socket
 * before it closes it (on destroy, on reconnect), and such a socket still reports what happens to
 * it then: "closed before the connection was established" when it was still connecting, a reset
 * when the server dropped it meanwhile. Errors while the provider listens reach it as before.
 */
class ProviderWebSocket extends WebSocket {
  constructor(...args: ConstructorParameters<typeof WebSocket>) {
    super(...args);
    this.on('error', () => {});
  }
}

/**
 * A `ProviderWebSocket` whose upgrade requests carry `headers`, and which over TLS verifies the
 * server's certificate against `ca` alone (the provider opens sockets with a URL only).
 */
export function webSocketWith(options: { headers?: Record<string, string>; ca?: Buffer }): typeof WebSocket {
  return class extends ProviderWebSocket {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols, options);
    }
  } as typeof WebSocket;
}

/** A real Hocuspocus provider in Node, on its own socket. */
export interface HocuspocusClient {
  doc: Y.Doc;
  provider: HocuspocusProvider;
  /** Close events seen by the socket, newest last. */
  closes: Array<{ code: number; reason: string }>;
  /** Permission-denied reasons received. */
  refusals: string[];
  /** Resolves once the initial sync is done. */
  synced(): Promise<void>;
  /** Resolves once every local change is acknowledged (`unsyncedChanges` is 0). */
  saved(): Promise<void>;
  destroy(): void;
}

export function hocuspocusClient(
  url: string,
  name: string,
  token: string | (() => Promise<string>),
  options: {
    doc?: Y.Doc;
    /** Extra headers of the upgrade request. */
    headers?: Record<string, string>;
    /** Over TLS, the one certificate (authority) the client trusts. */
    ca?: Buffer;
  } = {},
): HocuspocusClient {
  const doc = options.doc ?? new Y.Doc();
  const closes: HocuspocusClient['closes'] = [];
  const refusals: string[] = [];
  const websocketProvider = new HocuspocusProviderWebsocket({
    url,
    WebSocketPolyfill: options.headers || options.ca ? webSocketWith({ headers: options.headers, ca: options.ca }) : ProviderWebSocket,
    // Tests drive reconnects themselves; keep retries quick.
    delay: 100,
    minDelay: 50,
    factor: 2,
    maxDelay: 500,
    onClose: ({ event }) => closes.push({ code: event.code, reason: event.reason }),
  });
  const provider = new HocuspocusProvider({
    websocketProvider,
    name,
    document: doc,
    token,
    onAuthenticationFailed: ({ reason }) => refusals.push(reason),
  });
  provider.attach();
  return {
    doc,
    provider,
    closes,
    refusals,
    synced: () => waitFor(() => provider.synced, { message: `${name} to sync` }).then(() => undefined),
    saved: () => waitFor(() => provider.synced && provider.unsyncedChanges === 0, { message: `${name} to be saved` }).then(() => undefined),
    destroy: () => {
      provider.destroy();
      websocketProvider.destroy();
    },
  };
}

/** A real y-websocket WebsocketProvider in Node. */
export interface YWebsocketClient {
  doc: Y.Doc;
  provider: WebsocketProvider;
  closes: Array<{ code: number; reason: string }>;
  synced(): Promise<void>;
  destroy(): void;
}

export function yWebsocketClient(
  url: string,
  name: string,
  token: string,
  options: { doc?: Y.Doc; connect?: boolean; WebSocketPolyfill?: typeof WebSocket } = {},
): YWebsocketClient {
  const doc = options.doc ?? new Y.Doc();
  const closes: YWebsocketClient['closes'] = [];
  const provider = new WebsocketProvider(url, name, doc, {
    WebSocketPolyfill: (options.WebSocketPolyfill ?? WebSocket) as unknown as typeof globalThis.WebSocket,
    params: { token },
    connect: options.connect ?? true,
    maxBackoffTime: 500,
  });
  provider.on('connection-close', (event) => {
    if (event) closes.push({ code: event.code, reason: event.reason });
  });
  return {
    doc,
    provider,
    closes,
    synced: () => waitFor(() => provider.synced, { message: `${name} (y-websocket) to sync` }).then(() => undefined),
    destroy: () => provider.destroy(),
  };
}

/** The plain text of a Y.XmlFragment / Y.Text field, for comparisons. */
export function textOf(doc: Y.Doc, field = 'default'): string {
  return doc.getXmlFragment(field).toString();
}
