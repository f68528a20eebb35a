/**
 * The collab server alone, without the web app: `npm run collab-server` (see `--help`).
 * For operators who host only the server for their own editors.
 */
import type { Server } from 'node:http';
import { CollabServer, listen, portOf } from './CollabServer';
import { configFromProcess, stopOnSignals } from './cli';
import { PRIVATE_UMASK } from './dataFolder';
import { createLogger, logDestination, routeConsoleTo } from './logger';

const config = configFromProcess('collab-server', process.argv.slice(2));
const logger = createLogger(config.logLevel, logDestination());
routeConsoleTo(logger);
// Nothing this process writes (documents, secrets) may be readable by other users of the machine.
process.umask(PRIVATE_UMASK);
// Before anything else is printed: whoever reads the first line may already send a signal. A stop
// requested while the store opens waits for it, then closes it.
let stopping = false;
let running: Promise<{ server: CollabServer; http: Server | null }>;
stopOnSignals(async () => {
  stopping = true;
  const { server, http } = await running;
  http?.close();
  await server.close();
}, logger);
logger.info(
  { event: 'starting', port: config.port, host: config.host, dataDir: config.dataDir },
  `collab server starting on ${config.port === 0 ? `${config.host}, a free port` : `${config.host}:${config.port}`} with the data in ${config.dataDir}`,
);
running = start();

async function start(): Promise<{ server: CollabServer; http: Server | null }> {
  try {
    const server = await CollabServer.create({ config, logger });
    if (stopping) return { server, http: null };
    const http = await listen(server, config.port, config.host);
    logger.info(
      { event: 'listening', port: portOf(http), host: config.host, dataDir: config.dataDir },
      `collab server listening on ${config.host}:${portOf(http)} (WebSocket /collab and /y/<document>, HTTP /api/docs)`,
    );
    return { server, http };
  } catch (error) {
    logger.fatal({ err: error }, `collab server failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}
