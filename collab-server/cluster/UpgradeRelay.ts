import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import { RELAY_HEADER } from './relayCredential';

/** Headers a relay sets itself; the client's own are not passed on. */
const REPLACED = new Set([RELAY_HEADER, 'x-forwarded-for']);

/**
 * Hands a WebSocket upgrade to the node at `address` as it came, byte for byte, adding the relay
 * credential, and then pipes the two connections into each other until either ends: the owner
 * answers the upgrade and serves the socket, and this node only copies bytes (SPEC.md [PG8]).
 * Resolves once the owner's connection is open; rejects (nothing sent to the client yet) when it
 * cannot be reached. An owner that says nothing within `timeoutMs` (paused, overloaded) has both
 * connections cut, and the client reconnects.
 */
export function pipeUpgrade(
  request: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  address: string,
  credential: string,
  timeoutMs: number,
  onEnd: () => void,
): Promise<void> {
  const target = new URL(address);
  return new Promise((resolve, reject) => {
    const upstream = net.connect({ host: target.hostname, port: Number(target.port || 80) });
    upstream.setNoDelay(true);
    const failBeforeOpen = (error: Error) => reject(error);
    upstream.once('error', failBeforeOpen);
    upstream.once('connect', () => {
      upstream.off('error', failBeforeOpen);
      const lines = [`${request.method ?? 'GET'} ${request.url ?? '/'} HTTP/1.1`];
      for (let i = 0; i < request.rawHeaders.length; i += 2) {
        if (!REPLACED.has(request.rawHeaders[i].toLowerCase())) lines.push(`${request.rawHeaders[i]}: ${request.rawHeaders[i + 1]}`);
      }
      lines.push(`${RELAY_HEADER}: ${credential}`);
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.byteLength > 0) upstream.write(head);
      const end = () => {
        upstream.destroy();
        socket.destroy();
      };
      upstream.on('error', end);
      socket.on('error', end);
      upstream.once('close', () => {
        end();
        onEnd();
      });
      socket.once('close', end);
      const silent = setTimeout(end, timeoutMs);
      upstream.once('data', () => clearTimeout(silent));
      upstream.once('close', () => clearTimeout(silent));
      socket.pipe(upstream);
      upstream.pipe(socket);
      resolve();
    });
  });
}
