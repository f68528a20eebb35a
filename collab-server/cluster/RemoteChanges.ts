import { HocuspocusProvider, HocuspocusProviderWebsocket } from '@hocuspocus/provider';
import WebSocket from 'ws';
import * as Y from 'yjs';
import { StoreError } from '../../persistence/DocumentStore';
import { CloseCodes } from '../../shared/closeCodes';
import { mintToken } from '../../shared/token';
import type { ConnectionContext } from '../context';

/** How long a change relayed to another node may take, from connecting to its acknowledgement. */
const CHANGE_TIMEOUT_MS = 30_000;

export interface RemoteChangeOptions {
  authSecret: string;
  /** Headers for the connection (the relay credential). */
  headers: () => Promise<Record<string, string>>;
}

/**
 * Applies a server-side change (`DocumentService.change`: the content API, restoring a version)
 * to a document another node serves (SPEC.md [PG8]): this node connects to that node as a client
 * with the identity of the change, syncs the document, makes the change on its copy and waits for
 * the acknowledgement, which that node sends only once the change is durable. Editors there receive
 * it like any edit; the schema guard checks it like any client's.
 */
export async function changeElsewhere(
  address: string,
  name: string,
  change: (doc: Y.Doc) => void,
  by: ConnectionContext,
  options: RemoteChangeOptions,
): Promise<void> {
  const headers = await options.headers();
  const token = await mintToken(options.authSecret, { sub: by.user.id, name: by.user.name, doc: name, role: by.role }, 120);
  // The provider opens its socket with only a URL; the relay credential goes in a header.
  class RelaySocket extends WebSocket {
    constructor(url: string, protocols?: string | string[]) {
      super(url, protocols, { headers });
    }
  }
  const doc = new Y.Doc();
  const socket = new HocuspocusProviderWebsocket({
    url: `${address.replace(/^http/, 'ws')}/collab`,
    WebSocketPolyfill: RelaySocket,
    // One attempt: a failure is reported to the caller, who may retry. (The retry library refuses
    // a delay below minDelay, and then never connects: both are set.)
    delay: 100,
    minDelay: 100,
    maxAttempts: 1,
  });
  let provider: HocuspocusProvider | null = null;
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`the change to "${name}" was not acknowledged by ${address} within ${CHANGE_TIMEOUT_MS} ms`)),
        CHANGE_TIMEOUT_MS,
      );
      const fail = (error: Error) => {
        clearTimeout(timer);
        reject(error);
      };
      let changed = false;
      socket.on('maxAttemptsFailed', ({ error }: { error?: unknown }) =>
        fail(new Error(`the node serving "${name}" (${address}) cannot be reached: ${error instanceof Error ? error.message : String(error)}`)),
      );
      provider = new HocuspocusProvider({
        websocketProvider: socket,
        name,
        document: doc,
        token,
        // The server's change is no one's presence.
        awareness: null,
        onAuthenticationFailed: ({ reason }) => fail(refusalError(name, reason)),
        onClose: ({ event }) => {
          if (event.code !== 1000 || !changed) fail(refusalError(name, event.reason || `closed with ${event.code}`));
        },
        onSynced: () => {
          if (changed) return;
          changed = true;
          try {
            doc.transact(() => change(doc));
          } catch (error) {
            fail(error instanceof Error ? error : new Error(String(error)));
            return;
          }
          const settled = () => {
            if (provider?.unsyncedChanges !== 0) return;
            clearTimeout(timer);
            resolve();
          };
          provider?.on('unsyncedChanges', settled);
          settled();
        },
      });
      provider.attach();
    });
  } finally {
    (provider as HocuspocusProvider | null)?.destroy();
    socket.destroy();
    doc.destroy();
  }
}

/** The error a refusal by the serving node becomes: the store's own for a document that is not there. */
function refusalError(name: string, reason: string): Error {
  if (reason === CloseCodes.DocumentNotFound.reason || reason === CloseCodes.DocumentDeleted.reason) {
    return new StoreError('NOT_FOUND', `document "${name}" does not exist`);
  }
  return new Error(`the node serving "${name}" refused the change: ${reason}`);
}
