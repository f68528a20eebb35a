/**
 * The whole product in one process on one port: the Next.js app, the collab server's WebSocket
 * endpoints (`/collab`, `/y/<document>`) and its HTTP routes (`/api/…`, `/healthz`, …).
 *
 *   npm start          builds the app if the build is missing or older than the sources, then serves
 *   npm run dev        the same with Next.js in development mode (hot reload; see scripts/dev.ts)
 *
 * Same configuration as the collab server (see `npm start -- --help`); PORT defaults to 3000.
 * Its first line says which address to open, before a build that may take a minute.
 */
import { createServer, type Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import next from 'next';
import { CollabServer, portOf } from './collab-server/CollabServer';
import { configFromProcess, stopOnSignals } from './collab-server/cli';
import { APP_DEFAULTS } from './collab-server/config';
import { PRIVATE_UMASK } from './collab-server/dataFolder';
import { rawRefusal, setPageHeaders } from './collab-server/http/securityHeaders';
import { ShellWorkerRoute } from './collab-server/http/shellWorkerRoute';
import { createLogger, logDestination, routeConsoleTo } from './collab-server/logger';
import { addressToOpen } from './collab-server/openAddress';
import { ensureAppBuild } from './scripts/ensureAppBuild';
import { projectRootUrl } from './scripts/serverEntries';

const root = fileURLToPath(projectRootUrl());
const args = process.argv.slice(2);
const dev = args.includes('--dev');
const config = configFromProcess(
  'npm start --',
  args.filter((arg) => arg !== '--dev'),
  APP_DEFAULTS,
);
const destination = logDestination();
const logger = createLogger(config.logLevel, destination);
// In production every line goes through the logger; in development Next.js' own error output stays as it is.
if (!dev) routeConsoleTo(logger);
process.env.NEXT_TELEMETRY_DISABLED = '1';

const app = next({ dev, dir: root, hostname: config.host, port: config.port });
const stopBuild = new AbortController();
let stopping = false;
let running: Promise<Running>;
// Before anything is printed (whoever reads the first line may already send a signal). A stop
// during the app build ends the build; during startup it waits for the parts being opened, then
// closes them.
stopOnSignals(async () => {
  stopping = true;
  stopBuild.abort(new Error('stopped during the app build'));
  const { collab, http, prepared } = await running;
  http?.close();
  await collab?.close();
  if (prepared) await app.close();
}, logger);

const planned = addressToOpen(config.host, config.port);
logger.info(
  { event: 'starting', url: planned.url, dev },
  planned.url ? `Quire is starting; it will be at ${planned.url}${planned.note}` : `Quire is starting on a free port${planned.note}; its address follows`,
);
running = start();

/** What has been started, for the stop to close. */
interface Running {
  collab: CollabServer | null;
  http: Server | null;
  /** Whether the Next.js app was prepared (and so has something to close). */
  prepared: boolean;
}

async function start(): Promise<Running> {
  try {
    if (!dev) {
      await ensureAppBuild(root, {
        log: (message) => logger.info(message),
        // JSON log lines stay alone on stdout; a person at a terminal sees the build as Next.js prints it.
        output: destination ? 'stdout' : 'stderr',
        signal: stopBuild.signal,
      });
    }
    // Nothing this process writes from here on (documents, secrets) may be readable by other users of the machine.
    process.umask(PRIVATE_UMASK);
    const [collab] = await Promise.all([CollabServer.create({ config, logger }), app.prepare()]);
    if (stopping) return { collab, http: null, prepared: true };
    return { collab, http: await serve(collab), prepared: true };
  } catch (error) {
    if (stopping) return { collab: null, http: null, prepared: false };
    logger.fatal({ err: error }, `failed to start: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function serve(collab: CollabServer): Promise<Server> {
  // The service worker that keeps the app shell of the build Next.js serves (NEXT_DIST_DIR, as in next.config.js).
  const shellWorker = new ShellWorkerRoute({ root, distDir: path.join(root, process.env.NEXT_DIST_DIR || '.next'), dev });
  const handleNext = app.getRequestHandler();
  const http = createServer(async (request, response) => {
    try {
      if (await collab.handleRequest(request, response)) return;
      const https = collab.reachedOverHttps(request);
      if (await shellWorker.handle(request, response, https)) return;
      // Everything Next.js answers (pages, its files, 404s) gets the app's policy, with a fresh nonce.
      setPageHeaders(request, response, { embedOrigins: config.embedOrigins, https, dev });
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
  await new Promise<void>((resolve, reject) => {
    http.once('error', reject);
    http.listen(config.port, config.host, resolve);
  });
  // In a cluster (DATABASE_URL) the node starts serving documents once it knows its address.
  await collab.listening(portOf(http));
  const actual = addressToOpen(config.host, portOf(http));
  logger.info({ event: 'listening', port: portOf(http), host: config.host, url: actual.url, dev }, `Quire is running: open ${actual.url}${actual.note}`);
  return http;
}
