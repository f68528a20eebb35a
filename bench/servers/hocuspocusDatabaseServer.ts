/**
 * Hocuspocus with its stock database extension (`@hocuspocus/extension-database`) over LevelDB:
 * full-state saving, as most Hocuspocus deployments persist. Each debounced store writes
 * `Y.encodeStateAsUpdate` of the whole document in one synced write. Used to measure, not just
 * compute, what full-state saving writes to disk for the durability workload.
 */
import path from 'node:path';
import { Database } from '@hocuspocus/extension-database';
import { Server } from '@hocuspocus/server';
import { LevelDatabase } from '../../persistence/LevelDatabase';

const db = new LevelDatabase(path.join(process.env.DATA_DIR ?? '.', 'full-state'));
await db.open();

const server = new Server({
  port: Number(process.env.PORT ?? 0),
  address: '127.0.0.1',
  quiet: true,
  extensions: [
    new Database({
      fetch: async ({ documentName }) => (await db.get(documentName)) ?? null,
      store: ({ documentName, state }) => db.batch([{ type: 'put', key: documentName, value: state }], true),
    }),
  ],
});
await server.listen();
console.log(JSON.stringify({ event: 'listening', port: server.address.port }));
