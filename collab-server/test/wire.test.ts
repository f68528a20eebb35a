import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { SHARED_MESSAGE_LIMIT, sendMessage, wireMessage } from '../transport/wire';

interface Pair {
  server: WebSocket;
  socket: Duplex;
  client: WebSocket;
  received: Array<{ data: Buffer; isBinary: boolean }>;
}

let wss: WebSocketServer | null = null;

afterEach(async () => {
  if (wss === null) return;
  for (const ws of wss.clients) ws.terminate();
  await new Promise((resolve) => wss?.close(resolve));
  wss = null;
});

/** A real `ws` server on port 0 with `count` real clients connected, each with its server side and TCP socket. */
async function connect(count: number): Promise<Pair[]> {
  const server = new WebSocketServer({ port: 0, perMessageDeflate: false });
  wss = server;
  await new Promise<void>((resolve) => server.once('listening', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  const accepted: Array<{ server: WebSocket; socket: Duplex }> = [];
  server.on('connection', (ws, request) => accepted.push({ server: ws, socket: request.socket }));
  const pairs: Pair[] = [];
  for (let i = 0; i < count; i++) {
    const client = new WebSocket(`ws://127.0.0.1:${port}`, { perMessageDeflate: false });
    const received: Pair['received'] = [];
    client.on('message', (data: Buffer, isBinary) => received.push({ data, isBinary }));
    await new Promise((resolve, reject) => client.once('open', resolve).once('error', reject));
    await until(() => accepted.length === i + 1);
    pairs.push({ ...accepted[i], client, received });
  }
  return pairs;
}

async function until(condition: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}

function frameOf(length: number, seed: number): Uint8Array {
  const frame = new Uint8Array(length);
  for (let i = 0; i < length; i++) frame[i] = (i * 31 + seed) & 0xff;
  return frame;
}

describe('sendMessage', () => {
  it('delivers every size intact and in order, between messages and pings that ws sends itself', async () => {
    const [pair] = await connect(1);
    let pongs = 0;
    pair.client.on('ping', () => {
      pongs += 1;
    });
    // Header sizes change at 126 and 65,536 bytes; messages past the shared limit go through ws.
    const lengths = [1, 2, 125, 126, 127, 1000, SHARED_MESSAGE_LIMIT, SHARED_MESSAGE_LIMIT + 1, 65_535, 65_536, 200_000];
    const expected: Buffer[] = [];
    lengths.forEach((length, i) => {
      const frame = frameOf(length, i);
      sendMessage(pair.server, pair.socket, frame);
      expected.push(Buffer.from(frame));
      pair.server.ping();
      pair.server.send(`text ${i}`);
      expected.push(Buffer.from(`text ${i}`));
    });
    await until(() => pair.received.length === expected.length);
    expect(pair.received.map((message) => message.data)).toEqual(expected);
    expect(pair.received.map((message) => message.isBinary)).toEqual(expected.map((_, i) => i % 2 === 0));
    await until(() => pongs === lengths.length);
  });

  it('frames a frame shared by many sockets once, and each socket receives it', async () => {
    const pairs = await connect(3);
    const shared = frameOf(300, 7);
    const wire = wireMessage(shared);
    expect(wireMessage(shared)).toBe(wire);
    for (const pair of pairs) sendMessage(pair.server, pair.socket, shared);
    // A different array with the same bytes is framed anew: the cache goes by the array, not its bytes.
    const copy = new Uint8Array(shared);
    expect(wireMessage(copy)).not.toBe(wire);
    expect(wireMessage(copy)).toEqual(wire);
    for (const pair of pairs) sendMessage(pair.server, pair.socket, frameOf(10, 1));
    await until(() => pairs.every((pair) => pair.received.length === 2));
    for (const pair of pairs) expect(pair.received.map((message) => message.data)).toEqual([Buffer.from(shared), Buffer.from(frameOf(10, 1))]);
  });

  it('calls back once a message is written, small or large', async () => {
    const [pair] = await connect(1);
    const written: number[] = [];
    sendMessage(pair.server, pair.socket, frameOf(50, 1), () => written.push(50));
    sendMessage(pair.server, pair.socket, frameOf(SHARED_MESSAGE_LIMIT * 2, 2), () => written.push(SHARED_MESSAGE_LIMIT * 2));
    await until(() => written.length === 2 && pair.received.length === 2);
    expect(written).toEqual([50, SHARED_MESSAGE_LIMIT * 2]);
  });
});
