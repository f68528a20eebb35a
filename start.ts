/**
 * The whole product in one process on one port: the Next.js app, the collab server's WebSocket
 * endpoints (`/collab`, `/y/<document>`) and its HTTP routes (`/api/…`, `/healthz`, …).
 *
 *   npm start          builds the app if the build is missing or older than the sources, then serves
 *   npm run dev        the same with Next.js in development mode (hot reload)
 *
 * Same configuration as the collab server (see `npm start -- --help`); PORT defaults to 3000.
 */
import { createServer } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { CollabServer, portOf } from './collab-server/CollabServer';
import { configFromProcess, stopOnSignals } from './collab-server/cli';
import { PRIVATE_UMASK } from './collab-server/dataFolder';
import { rawRefusal, setPageHeaders } from './collab-server/http/securityHeaders';
import { ShellWorkerRoute } from './collab-server/http/shellWorkerRoute';
import { createLogger, routeConsoleTo } from './collab-server/logger';
import { ensureAppBuild } from './scripts/ensureAppBuild';

const root = path.dirname(fileURLToPath(import.meta.url));
const args = process.argv.slice(2);
const dev = args.includes('--dev');
const config = configFromProcess(
  'npm start --',
  args.filter((arg) => arg !== '--dev'),
  { PORT: '3000' },
);
const logger = createLogger(config.logLevel);
// In production every line is JSON; in development Next.js' own error output stays readable.
if (!dev) routeConsoleTo(logger);
process.env.NEXT_TELEMETRY_DISABLED = '1';

if (!dev) ensureAppBuild(root, (message) => logger.info(message));

// Nothing this process writes (documents, secrets) may be readable by other users of the machine.
process.umask(PRIVATE_UMASK);

const app = next({ dev, dir: root, hostname: config.host, port: config.port });
// The service worker that keeps the app shell of the build Next.js serves (NEXT_DIST_DIR, as in next.config.js).
const shellWorker = new ShellWorkerRoute({ root, distDir: path.join(root, process.env.NEXT_DIST_DIR || '.next'), dev });
const handleNext = app.getRequestHandler();
let collab: CollabServer;
try {
  [collab] = await Promise.all([CollabServer.create({ config, logger }), app.prepare()]);
} catch (error) {
  logger.fatal({ err: error }, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
}

const http = createServer(async (request, response) => {
  try {
    if (await collab.handleRequest(request, response)) return;
    if (await shellWorker.handle(request, response)) return;
    // Everything Next.js answers (pages, its files, 404s) gets the app's policy, with a fresh nonce.
    setPageHeaders(request, response, { embedOrigins: config.embedOrigins, dev });
    await handleNext(request, response);
  } catch (error) {
    logger.error({ err: error }, 'request failed');
    if (!response.headersSent) response.writeHead(500).end();
  }
});
const upgradeNext = dev ? app.getUpgradeHandler() : null;
http.on('upgrade', (request, socket, head) => {
  if (collab.handleUpgrade(request, socket, head)) return;
  if (upgradeNext) void upgradeNext(request, socket, head);
  else socket.end(rawRefusal(404, 'Not Found'));
});
http.listen(config.port, config.host, () => {
  const shownHost = config.host === '0.0.0.0' || config.host === '127.0.0.1' ? 'localhost' : config.host;
  // In a cluster (DATABASE_URL) the node starts serving documents once it knows its address.
  collab.listening(portOf(http)).then(
    () => logger.info({ event: 'listening', port: portOf(http), host: config.host, dev }, `ready on http://${shownHost}:${portOf(http)}`),
    (error) => logger.error({ err: error }, 'starting the cluster node failed'),
  );
});

stopOnSignals(
  async () => {
    logger.info('stopping: no new connections; writing pending updates');
    http.close();
    await collab.close();
    await app.close();
  },
  (error) => logger.fatal({ err: error }, 'stopped with an error'),
);
