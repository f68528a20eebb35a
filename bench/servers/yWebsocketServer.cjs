/**
 * The classic y-websocket 1.x server (`y-websocket/bin/server.js`, installed as
 * `y-websocket-server`) with its LevelDB persistence (`YPERSISTENCE`, through y-leveldb).
 * The same code as its bin script, except that it listens on the port it is given (0 picks
 * one) and prints that port as a `listening` JSON line.
 */
const http = require('node:http');
const { createRequire } = require('node:module');
const { setupWSConnection } = require('y-websocket-server/bin/utils');
// The `ws` its bin script uses (its own 6.x), not the project's.
const WebSocket = createRequire(require.resolve('y-websocket-server/bin/utils'))('ws');

const wss = new WebSocket.Server({ noServer: true });
const server = http.createServer((_request, response) => {
  response.writeHead(200, { 'Content-Type': 'text/plain' });
  response.end('okay');
});
wss.on('connection', setupWSConnection);
server.on('upgrade', (request, socket, head) => {
  wss.handleUpgrade(request, socket, head, (ws) => wss.emit('connection', ws, request));
});
server.listen(Number(process.env.PORT || 0), '127.0.0.1', () => {
  console.log(JSON.stringify({ event: 'listening', port: server.address().port }));
});
