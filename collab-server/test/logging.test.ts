import { mkdtemp, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { BatchOperation } from 'leveldown';
import { afterEach, describe, expect, it } from 'vitest';
import { LevelDatabase } from '../../persistence/LevelDatabase';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { mintToken } from '../../shared/token';
import { hocuspocusClient, yWebsocketClient } from '../../testing/clients';
import { TEST_SECRET } from '../../testing/testServer';
import { waitFor } from '../../testing/waitFor';
import { CollabServer, listen, portOf } from '../CollabServer';
import { parseConfig } from '../config';
import { createLogger } from '../logger';

/**
 * The server's logs, captured through an injected pino destination: one JSON line per event, with
 * the document and the connection's socket id, and never a token.
 */

interface LogLine {
  level: number;
  msg: string;
  event?: string;
  socket?: string;
  document?: string;
  [field: string]: unknown;
}

let running: { server: CollabServer; http: Server; folder: string } | null = null;
const output: string[] = [];

afterEach(async () => {
  if (running) {
    running.http.closeAllConnections();
    running.http.close();
    await running.server.close();
    await rm(running.folder, { recursive: true, force: true });
  }
  running = null;
  output.length = 0;
});

/** A real server on port 0 whose logger writes into `output`. */
async function start(database?: (location: string) => LevelDatabase) {
  const folder = await mkdtemp(path.join(os.tmpdir(), 'logging-'));
  const config = parseConfig([], {}, { port: 0, host: '127.0.0.1', dataDir: folder, authSecret: TEST_SECRET, logLevel: 'info', idleDocumentGraceMs: 0 });
  const logger = createLogger(config.logLevel, { write: (line: string) => void output.push(line) });
  const store = database ? new LevelDocumentStore({ location: path.join(folder, 'documents'), openDatabase: database }) : undefined;
  const server = await CollabServer.create({ config, logger, store });
  const http = await listen(server, 0, '127.0.0.1');
  running = { server, http, folder };
  const port = portOf(http);
  return { hocuspocusUrl: `ws://127.0.0.1:${port}/collab`, yWebsocketUrl: `ws://127.0.0.1:${port}/y` };
}

const lines = (): LogLine[] => output.map((line) => JSON.parse(line) as LogLine);
const find = (predicate: (line: LogLine) => boolean) => lines().filter(predicate);

describe('logging', () => {
  it('logs connection and document events with socket and document ids, and never a token', async () => {
    const urls = await start();
    const editor = await mintToken(TEST_SECRET, { sub: 'ada', name: 'Ada', doc: 'notes', role: 'editor' });
    const viewer = await mintToken(TEST_SECRET, { sub: 'bob', name: 'Bob', doc: 'notes', role: 'viewer' });
    const forged = await mintToken('another-secret-that-is-long-enough-for-hs256', { sub: 'eve', name: 'Eve', doc: 'notes', role: 'admin' });
    const expired = await mintToken(TEST_SECRET, { sub: 'old', name: 'Old', doc: 'notes', role: 'editor' }, -60);
    const otherDocument = await mintToken(TEST_SECRET, { sub: 'carl', name: 'Carl', doc: 'elsewhere', role: 'editor' });
    const garbage = `not-a-jwt-${Math.random().toString(36).slice(2)}`;

    const writer = hocuspocusClient(urls.hocuspocusUrl, 'notes', editor);
    await writer.synced();
    writer.doc.getText('body').insert(0, 'logged, not leaked');
    await writer.saved();
    const reader = yWebsocketClient(urls.yWebsocketUrl, 'notes', viewer);
    await reader.synced();

    const refusedHocuspocus = [forged, otherDocument, garbage].map((token) => hocuspocusClient(urls.hocuspocusUrl, 'notes', token));
    const refusedYWebsocket = [expired, garbage].map((token) => yWebsocketClient(urls.yWebsocketUrl, 'notes', token));
    await waitFor(() => refusedHocuspocus.every((client) => client.refusals.length > 0), { message: 'Hocuspocus refusals' });
    await waitFor(() => refusedYWebsocket.every((client) => client.closes.length > 0), { message: 'y-websocket refusals' });
    for (const client of [writer, reader, ...refusedHocuspocus, ...refusedYWebsocket]) client.destroy();
    await waitFor(() => find((line) => line.event === 'document-unloaded').length > 0, { message: 'the document to unload' });

    const all = output.join('');
    for (const token of [editor, viewer, forged, expired, otherDocument, garbage]) {
      expect(all).not.toContain(token);
      // Not even the signature alone.
      expect(all).not.toContain(token.split('.').at(-1));
    }
    expect(all).not.toContain('token=');

    const authenticated = find((line) => line.event === 'authenticated');
    expect(authenticated.map((line) => [line.document, line.user, line.role, line.readOnly]).sort()).toEqual([
      ['notes', 'ada', 'editor', false],
      ['notes', 'bob', 'viewer', true],
    ]);
    for (const line of authenticated) {
      expect(line.socket).toMatch(/^[0-9a-f-]{36}$/);
      // The same socket id runs through the connection's other events.
      expect(find((other) => other.event === 'connect' && other.socket === line.socket)).toHaveLength(1);
      expect(find((other) => other.event === 'disconnected' && other.socket === line.socket)).toEqual([expect.objectContaining({ document: 'notes' })]);
    }
    expect(find((line) => line.event === 'document-created')).toEqual([
      expect.objectContaining({ document: 'notes', user: 'ada', socket: expect.any(String) }),
    ]);
    expect(find((line) => line.event === 'document-loaded')).toEqual([expect.objectContaining({ document: 'notes', socket: expect.any(String) })]);
    expect(find((line) => line.event === 'document-unloaded')).toEqual([expect.objectContaining({ document: 'notes' })]);

    const refusals = find((line) => line.msg.startsWith('connection refused'));
    expect(refusals.length).toBeGreaterThanOrEqual(5);
    for (const line of refusals) expect(line).toMatchObject({ socket: expect.any(String), document: 'notes' });
    expect(refusals.map((line) => line.kind ?? line.msg)).toEqual(
      expect.arrayContaining(['expired', 'invalid', 'connection refused: token is for another document']),
    );
    expect(lines().every((line) => line.service === 'collab-server')).toBe(true);
  });

  it('logs a failed write as an error naming the document, and the recovery', async () => {
    let database: FlakyDatabase | undefined;
    const urls = await start((location) => {
      database = new FlakyDatabase(location);
      return database;
    });
    const token = await mintToken(TEST_SECRET, { sub: 'ada', name: 'Ada', doc: 'fragile', role: 'editor' });
    const client = hocuspocusClient(urls.hocuspocusUrl, 'fragile', token);
    await client.synced();
    (database as FlakyDatabase).failing = true;
    client.doc.getText('body').insert(0, 'waits for the disk');
    await waitFor(() => find((line) => line.level === 50 && line.document === 'fragile').length > 0, { message: 'the failure to be logged' });
    const [failure] = find((line) => line.level === 50 && line.document === 'fragile');
    expect(failure.msg).toMatch(/writing document updates failed; they stay in memory, unacknowledged, and will be retried/);
    expect(failure.err).toMatchObject({ message: expect.stringContaining('no space left on device') });
    (database as FlakyDatabase).failing = false;
    await client.saved();
    expect(find((line) => line.document === 'fragile' && /succeeded after retrying/.test(line.msg))).toHaveLength(1);
    client.destroy();
  });
});

/** A real LevelDB whose batches fail while `failing` is set. */
class FlakyDatabase extends LevelDatabase {
  failing = false;

  override async batch(operations: BatchOperation[], sync: boolean): Promise<void> {
    if (this.failing) throw new Error('injected I/O error: no space left on device');
    return super.batch(operations, sync);
  }
}
