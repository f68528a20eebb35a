/**
 * `npm run cluster -- [--nodes N] [--port P] [--app]`: a Quire cluster on this machine to try,
 * PostgreSQL, HAProxy and N nodes as separate processes (see `localCluster.ts`). Prints where to
 * connect and the shared secret; Ctrl-C stops everything and removes its folders.
 */
import { parseArgs } from 'node:util';
import { startLocalCluster } from './localCluster';

const HELP = `Usage: npm run cluster -- [options]

Starts PostgreSQL (a new database in a temporary folder), N Quire nodes sharing it, and HAProxy
in front of them with the configuration of cluster/haproxy.cfg. Needs PostgreSQL and HAProxy
installed (PG_BIN, HAPROXY_PATH to point elsewhere). Ctrl-C stops it all.

  --nodes <n>   Number of nodes (default: 3)
  --port <p>    HAProxy's port on 127.0.0.1 (default: 8080)
  --app         Run the whole app on each node (start.ts; needs \`npm run build\` first),
                not only the collab server
  --help        Show this text

Each node gets LEASE_TTL_MS and the other settings from this shell's environment.`;

const { values } = parseArgs({
  options: {
    nodes: { type: 'string', default: '3' },
    port: { type: 'string', default: '8080' },
    app: { type: 'boolean', default: false },
    help: { type: 'boolean' },
  },
  strict: true,
});
if (values.help) {
  console.log(HELP);
  process.exit(0);
}
const nodes = Number(values.nodes);
const port = Number(values.port);
if (!Number.isInteger(nodes) || nodes < 1 || nodes > 16) throw new Error(`--nodes must be a whole number from 1 to 16 (got "${values.nodes}")`);
if (!Number.isInteger(port) || port < 1 || port > 65535) throw new Error(`--port must be a TCP port, 1 to 65535 (got "${values.port}")`);

const cluster = await startLocalCluster({ nodes, port, entry: values.app ? 'start.ts' : 'collab-server/main.ts' });
console.log(`Quire cluster: ${nodes} node(s) behind HAProxy at ${cluster.haproxy.httpUrl}
  nodes:      ${cluster.ports.map((nodePort, index) => `node${index + 1} http://127.0.0.1:${nodePort}`).join(', ')}
  database:   ${cluster.postgres.url}
  AUTH_SECRET=${cluster.secret}
Mint a token: AUTH_SECRET=<the secret above> npm run -s token -- --role editor --doc <name>
Ctrl-C stops everything.`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log('stopping the cluster…');
  cluster.stop().then(
    () => process.exit(0),
    (error) => {
      console.error('stopping the cluster failed:', error);
      process.exit(1);
    },
  );
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
