/**
 * `node --import tsx testing/slowStop.ts <ms>`: a process whose graceful stop (through the
 * servers' own `stopOnSignals`) takes `<ms>` milliseconds, for tests of signals that arrive
 * while a stop is under way. Logs JSON lines like a server: `listening` once it handles signals.
 */
import { stopOnSignals } from '../collab-server/cli';
import { createLogger } from '../collab-server/logger';

const logger = createLogger('info');
const stopMs = Number(process.argv[2]);
stopOnSignals(() => new Promise((resolve) => setTimeout(resolve, stopMs)), logger);
logger.info({ event: 'listening', port: 0 }, `handling signals; a stop takes ${stopMs} ms`);
// Keeps the process alive until it is stopped.
setInterval(() => {}, 60_000);
