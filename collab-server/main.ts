/**
 * The collab server alone, without the web app: `npm run collab-server` (see `--help`).
 * For operators who host only the server for their own editors.
 */
import { CollabServer, listen, portOf } from './CollabServer';
import { configFromProcess, stopOnSignals } from './cli';
import { PRIVATE_UMASK } from './dataFolder';
import { createLogger, routeConsoleTo } from './logger';

const config = configFromProcess('collab-server', process.argv.slice(2));
const logger = createLogger(config.logLevel);
routeConsoleTo(logger);

// Nothing this process writes (documents, secrets) may be readable by other users of the machine.
process.umask(PRIVATE_UMASK);

try {
  const server = await CollabServer.create({ config, logger });
  const http = await listen(server, config.port, config.host);
  logger.info(
    { event: 'listening', port: portOf(http), host: config.host, dataDir: config.dataDir },
    `collab server listening on ${config.host}:${portOf(http)}`,
  );
  stopOnSignals(
    async () => {
      logger.info('stopping: no new connections; writing pending updates');
      http.close();
      await server.close();
    },
    (error) => logger.fatal({ err: error }, 'stopped with an error'),
  );
} catch (error) {
  logger.fatal({ err: error }, `collab server failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}
