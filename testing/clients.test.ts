import { createServer } from 'node:net';
import { expect, it } from 'vitest';
import { hocuspocusClient } from './clients';
import { waitFor } from './waitFor';

it('destroying a Hocuspocus client while its socket is still connecting (a retry after the server went away) raises no error', async () => {
  // A server that accepts the connection and never answers the upgrade: the socket stays connecting.
  const connections: Array<import('node:net').Socket> = [];
  const silent = createServer((socket) => connections.push(socket));
  await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
  const { port } = silent.address() as { port: number };
  const client = hocuspocusClient(`ws://127.0.0.1:${port}/collab`, 'doc', 'token');
  await waitFor(() => connections.length > 0, { message: 'the client to connect' });
  expect(client.provider.configuration.websocketProvider.webSocket?.readyState).toBe(0);
  client.destroy();
  // ws reports its error on the next tick; Vitest fails the run on an error nobody handles.
  await new Promise((resolve) => setTimeout(resolve, 50));
  for (const socket of connections) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});
