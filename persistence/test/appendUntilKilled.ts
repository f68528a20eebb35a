/**
 * A child process for the [L1] test: opens the store at argv[2], creates document "doc" and
 * appends updates `[i % 256, i >> 8]`, eight at a time, printing `i` once append i has resolved.
 * The test kills it with SIGKILL and checks that everything printed is stored. It stops by itself
 * after `LIMIT` appends, so a test that dies first leaves no process running.
 */
import { LevelDocumentStore } from '../LevelDocumentStore';

const store = new LevelDocumentStore({ location: process.argv[2] });
await store.open();
await store.create('doc');
const LIMIT = 20_000;
let next = 0;
const appendOne = async (): Promise<void> => {
  if (next >= LIMIT) return;
  const i = next++;
  await store.append('doc', Uint8Array.of(i % 256, i >> 8));
  process.stdout.write(`${i}\n`);
  return appendOne();
};
await Promise.all(Array.from({ length: 8 }, appendOne));
await store.close();
