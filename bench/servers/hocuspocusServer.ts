/**
 * Bare Hocuspocus: the `@hocuspocus/server` this project builds on, with no extensions and no
 * persistence — the floor of the framework. Prints the port it got as a `listening` JSON line.
 */
import { Server } from '@hocuspocus/server';

const server = new Server({ port: Number(process.env.PORT ?? 0), address: '127.0.0.1', quiet: true });
await server.listen();
console.log(JSON.stringify({ event: 'listening', port: server.address.port }));
