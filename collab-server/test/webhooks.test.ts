import { createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type IncomingHttpHeaders, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as Y from 'yjs';
import { signWebhook, verifyWebhook } from '../../packages/node/src/webhookSignature';
import { LevelDocumentStore } from '../../persistence/LevelDocumentStore';
import { mintToken, type Role } from '../../shared/token';
import { type HocuspocusClient, hocuspocusClient } from '../../testing/clients';
import { FaultyStore } from '../../testing/faultyStore';
import { waitFor } from '../../testing/waitFor';
import { CollabServer, DOCUMENTS_FOLDER, listen, portOf } from '../CollabServer';
import { ConfigError, parseConfig } from '../config';
import { createLogger } from '../logger';
import type { WebhookEvent } from '../webhooks/events';

const AUTH_SECRET = 'auth-secret-for-the-webhook-tests-0123456789';
const WEBHOOK_SECRET = 'whsec-for-the-webhook-tests-0123456789abcdef';
const MAX_ATTEMPTS = 3;

/** One request the receiver got. */
interface Received {
  headers: IncomingHttpHeaders;
  body: string;
  event: WebhookEvent;
}

/** A real HTTP receiver on port 0 that can fail its first requests or hold them unanswered. */
interface Receiver {
  url: string;
  received: Received[];
  /** Answer the next `count` requests with 500. */
  failNext(count: number): void;
  /** While true, requests get no answer until `release`. */
  hold: boolean;
  held: ServerResponse[];
  release(): void;
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  let failures = 0;
  const receiver: Receiver = {
    url: '',
    received: [],
    failNext: (count) => {
      failures = count;
    },
    hold: false,
    held: [],
    release: () => {
      for (const response of receiver.held.splice(0)) response.writeHead(204).end();
    },
    close: () => new Promise((resolve) => http.close(() => resolve())),
  };
  const http: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      receiver.received.push({ headers: request.headers, body, event: JSON.parse(body) });
      if (failures > 0) {
        failures -= 1;
        response.writeHead(500).end('not now');
      } else if (receiver.hold) {
        receiver.held.push(response);
      } else {
        response.writeHead(204).end();
      }
    });
  });
  await new Promise<void>((resolve) => http.listen(0, '127.0.0.1', resolve));
  receiver.url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/hooks/quire`;
  return receiver;
}

/** A URL where nothing listens (a port that was free a moment ago), with a secret in its path. */
async function deadUrl(): Promise<string> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise((resolve) => probe.close(resolve));
  return `http://127.0.0.1:${port}/hook/path-secret-abc123`;
}

/**
 * How a receiver checks a delivery, exactly as the README shows it: a few lines of node:crypto,
 * no Quire code. `body` is the raw request body.
 */
function receiverVerifies(secret: string, header: string, body: string): boolean {
  const { t, v1 } = Object.fromEntries(header.split(',').map((part) => part.split('=')));
  const expected = createHmac('sha256', secret).update(`${t}.${body}`).digest('hex');
  const fresh = Math.abs(Date.now() / 1000 - Number(t)) < 300;
  return fresh && v1.length === expected.length && timingSafeEqual(Buffer.from(v1), Buffer.from(expected));
}

let receiver: Receiver;
let server: CollabServer;
let http: Server;
let baseUrl: string;
let dataDir: string;
let dead: string;
const logLines: Array<Record<string, unknown>> = [];
const clients: HocuspocusClient[] = [];

beforeAll(async () => {
  receiver = await startReceiver();
  dead = await deadUrl();
  dataDir = await mkdtemp(path.join(os.tmpdir(), 'webhooks-test-'));
  const config = parseConfig(
    [],
    {},
    {
      port: 0,
      host: '127.0.0.1',
      dataDir,
      authSecret: AUTH_SECRET,
      logLevel: 'warn',
      webhookUrls: [receiver.url, dead],
      webhookSecret: WEBHOOK_SECRET,
      webhookDebounceMs: 200,
      webhookRetryMs: 50,
      webhookMaxAttempts: MAX_ATTEMPTS,
    },
  );
  // Capture the log lines, to check what failed deliveries log (and that no secret is in them).
  const logger = createLogger(config.logLevel, { write: (line: string) => logLines.push(JSON.parse(line)) });
  server = await CollabServer.create({ config, logger });
  http = await listen(server, 0, '127.0.0.1');
  baseUrl = `http://127.0.0.1:${portOf(http)}`;
});

afterAll(async () => {
  for (const client of clients) client.destroy();
  receiver.release();
  const httpClosed = new Promise<void>((resolve) => http.close(() => resolve()));
  http.closeAllConnections();
  await server.close();
  await httpClosed;
  await receiver.close();
  await rm(dataDir, { recursive: true, force: true });
});

const token = (doc: string, role: Role, sub = 'backend', name = 'Backend') => mintToken(AUTH_SECRET, { sub, name, doc, role });

async function api(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${baseUrl}${path}`, {
    method,
    headers: { authorization: `Bearer ${await token('*', 'admin')}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

/** Waits for a delivery of `type` about document `name` and returns every such delivery so far. */
async function deliveriesOf(type: WebhookEvent['type'], name: string, count = 1): Promise<Received[]> {
  const matching = () => receiver.received.filter(({ event }) => event.type === type && event.document.name === name);
  await waitFor(() => matching().length >= count, { message: `${count} ${type} webhook(s) for ${name}` });
  return matching();
}

/** The value of a counter for the given labels, from the server's own metrics registry. */
async function metric(name: string, labels: Record<string, string>): Promise<number> {
  const { values } = await (
    server.metrics.registry.getSingleMetric(name) as { get(): Promise<{ values: Array<{ labels: Record<string, string>; value: number }> }> }
  ).get();
  const found = values.find((value) => Object.entries(labels).every(([key, expected]) => String(value.labels[key]) === expected));
  return found?.value ?? 0;
}

describe('webhooks', () => {
  it('every delivery is signed: a receiver verifies it in a few lines of node:crypto', async () => {
    expect((await api('POST', '/api/docs', { name: 'signed', title: 'Signed', content: 'Hello.' })).status).toBe(201);
    const [delivery] = await deliveriesOf('document.created', 'signed');
    const signature = delivery.headers['quire-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(receiverVerifies(WEBHOOK_SECRET, signature, delivery.body)).toBe(true);
    expect(verifyWebhook(WEBHOOK_SECRET, signature, delivery.body)).toBe(true);
    // A changed body, another secret or a replay long after fail.
    expect(receiverVerifies(WEBHOOK_SECRET, signature, delivery.body.replace('Signed', 'Forged'))).toBe(false);
    expect(verifyWebhook('another-secret-of-sufficient-length-000000', signature, delivery.body)).toBe(false);
    expect(verifyWebhook(WEBHOOK_SECRET, signature, delivery.body, { now: Date.now() + 10 * 60_000 })).toBe(false);
    expect(verifyWebhook(WEBHOOK_SECRET, undefined, delivery.body)).toBe(false);

    expect(delivery.headers['content-type']).toBe('application/json');
    expect(delivery.headers['quire-event']).toBe('document.created');
    expect(delivery.headers['quire-delivery']).toBe(delivery.event.id);
    expect(delivery.event).toEqual({
      id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      type: 'document.created',
      occurredAt: expect.any(String),
      document: { name: 'signed', title: 'Signed', created: expect.any(String), updated: expect.any(String), size: expect.any(Number) },
    });
  });

  it('document.created is sent however a document is made: content API, app, an editor connecting', async () => {
    const app = await fetch(`${baseUrl}/api/app/documents`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"title":"From the app"}',
    });
    const { name } = (await app.json()) as { name: string };
    const [fromApp] = await deliveriesOf('document.created', name);
    expect(fromApp.event.document).toMatchObject({ name, title: 'From the app' });

    const client = hocuspocusClient(`ws://127.0.0.1:${portOf(http)}/collab`, 'born-on-connect', await token('born-on-connect', 'editor'));
    clients.push(client);
    await client.synced();
    await deliveriesOf('document.created', 'born-on-connect');
  });

  it('document.changed is debounced, sent once the changes are durable, and names who made them', async () => {
    await api('POST', '/api/docs', { name: 'edited' });
    const client = hocuspocusClient(`ws://127.0.0.1:${portOf(http)}/collab`, 'edited', await token('edited', 'editor', 'alice', 'Alice'));
    clients.push(client);
    await client.synced();
    // Twenty separate edits in a burst: one event.
    for (let i = 0; i < 20; i++) client.doc.getText('scratch').insert(0, 'x');
    const [changed] = await deliveriesOf('document.changed', 'edited');
    expect(changed.event.changedBy).toEqual([{ id: 'alice', name: 'Alice' }]);
    expect(changed.event.document).toMatchObject({ name: 'edited', size: expect.any(Number) });
    expect(receiverVerifies(WEBHOOK_SECRET, changed.headers['quire-signature'] as string, changed.body)).toBe(true);
    // Durable before announced: the store already holds all twenty edits.
    const stored = await server.store.load('edited');
    const replica = new Y.Doc();
    for (const update of stored?.updates ?? []) Y.applyUpdate(replica, update);
    expect(replica.getText('scratch').toString()).toBe('x'.repeat(20));

    // A change through the content API is announced as the token's identity.
    await fetch(`${baseUrl}/api/docs/edited/content`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('edited', 'editor', 'importer', 'Importer bot')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ content: 'Appended.' }),
    });
    const second = await deliveriesOf('document.changed', 'edited', 2);
    expect(second[1].event.changedBy).toEqual([{ id: 'importer', name: 'Importer bot' }]);

    expect((await api('DELETE', '/api/docs/edited')).status).toBe(204);
    const [deleted] = await deliveriesOf('document.deleted', 'edited');
    expect(deleted.event.document).toEqual({ name: 'edited' });
    expect(receiver.received.filter(({ event }) => event.type === 'document.changed' && event.document.name === 'edited')).toHaveLength(2);
  });

  it('a receiver that fails at first gets the same event again, freshly signed, until it accepts; failures are counted', async () => {
    const delivered = { event: 'document.created', target: '0', outcome: 'delivered' };
    const deliveredBefore = await metric('collab_webhook_deliveries_total', delivered);
    const failedBefore = await metric('collab_webhook_attempt_failures_total', { event: 'document.created', target: '0' });
    receiver.failNext(2);
    await api('POST', '/api/docs', { name: 'retried' });
    const attempts = await deliveriesOf('document.created', 'retried', 3);
    expect(attempts).toHaveLength(3);
    expect(new Set(attempts.map(({ event }) => event.id)).size).toBe(1);
    expect(attempts.map(({ headers }) => headers['quire-attempt'])).toEqual(['1', '2', '3']);
    for (const attempt of attempts) expect(receiverVerifies(WEBHOOK_SECRET, attempt.headers['quire-signature'] as string, attempt.body)).toBe(true);
    await waitFor(async () => (await metric('collab_webhook_deliveries_total', delivered)) === deliveredBefore + 1, { message: 'the delivered count' });
    expect(await metric('collab_webhook_attempt_failures_total', { event: 'document.created', target: '0' })).toBe(failedBefore + 2);
  });

  it('a receiver that is down is retried with backoff, then given up on: logged (without its URL path) and counted', async () => {
    await api('POST', '/api/docs', { name: 'unheard' });
    await waitFor(() => logLines.some((line) => line.msg === `webhook delivery failed for good after ${MAX_ATTEMPTS} attempt(s)`), {
      message: 'the give-up log line',
    });
    const retries = logLines.filter((line) => line.msg === 'webhook delivery failed; it will be retried' && line.target === new URL(dead).origin);
    expect(retries.length).toBeGreaterThanOrEqual(MAX_ATTEMPTS - 1);
    expect(retries[0]).toMatchObject({ problem: 'ECONNREFUSED', attempt: 1, retryInMs: expect.any(Number) });
    expect(await metric('collab_webhook_deliveries_total', { target: '1', outcome: 'failed' })).toBeGreaterThanOrEqual(1);
    expect(JSON.stringify(logLines)).not.toContain('path-secret-abc123');
    expect(JSON.stringify(logLines)).not.toContain(WEBHOOK_SECRET);
  });

  it('a receiver that does not answer never slows editing down', async () => {
    receiver.hold = true;
    const heldBefore = receiver.held.length;
    const created = await api('POST', '/api/docs', { name: 'busy-receiver' });
    // The API answered while its webhook is still waiting for the receiver.
    expect(created.status).toBe(201);
    await waitFor(() => receiver.held.length > heldBefore, { message: 'the receiver to hold a delivery' });
    const client = hocuspocusClient(`ws://127.0.0.1:${portOf(http)}/collab`, 'busy-receiver', await token('busy-receiver', 'editor'));
    clients.push(client);
    await client.synced();
    client.doc.getText('t').insert(0, 'typing on');
    await client.saved();
    expect(receiver.held.length).toBeGreaterThan(heldBefore);
    receiver.hold = false;
    receiver.release();
  });
});

describe('a document deleted before its changes were stored', () => {
  it('is announced as deleted only: no document.changed, and nothing logged as an error', async () => {
    const folder = await mkdtemp(path.join(os.tmpdir(), 'webhooks-deleted-'));
    const lines: Array<Record<string, unknown>> = [];
    const config = parseConfig(
      [],
      {},
      {
        port: 0,
        host: '127.0.0.1',
        dataDir: folder,
        authSecret: AUTH_SECRET,
        logLevel: 'warn',
        webhookUrls: [receiver.url],
        webhookSecret: WEBHOOK_SECRET,
        // Announce at once: the announcement is waiting for the edit to be stored when the document goes.
        webhookDebounceMs: 0,
      },
    );
    const store = new FaultyStore(new LevelDocumentStore({ location: path.join(folder, DOCUMENTS_FOLDER) }));
    const own = await CollabServer.create({ config, logger: createLogger(config.logLevel, { write: (line: string) => lines.push(JSON.parse(line)) }), store });
    const ownHttp = await listen(own, 0, '127.0.0.1');
    const name = 'deleted-unsaved';
    try {
      await own.documents.create(name);
      const client = hocuspocusClient(`ws://127.0.0.1:${portOf(ownHttp)}/collab`, name, await token(name, 'editor', 'carol', 'Carol'));
      clients.push(client);
      await client.synced();
      // The disk refuses the edit's write; it stays queued and is retried.
      store.inject(['append']);
      client.doc.getText('t').insert(0, 'never stored');
      await waitFor(() => store.failed('append') >= 2, { message: 'the write to fail and be retried' });
      // The document is deleted before the retry lands (through the store, as a deletion racing an
      // edit in flight does: the service's own delete would wait for the write first).
      expect(await own.store.delete(name)).toBe(true);
      store.heal();
      await own.persistence.whenAllSaved();
      expect(lines.some((line) => line.msg === 'document deleted with updates queued; they are dropped unacknowledged' && line.document === name)).toBe(true);
      await deliveriesOf('document.deleted', name);
    } finally {
      // Closing waits for announcements in progress: whatever they log is in `lines` afterwards.
      const closed = new Promise<void>((resolve) => ownHttp.close(() => resolve()));
      ownHttp.closeAllConnections();
      await own.close();
      await closed;
      await rm(folder, { recursive: true, force: true });
    }
    // The refused writes are errors of their own; nothing else is.
    const injected = 'writing document updates failed; they stay in memory, unacknowledged, and will be retried';
    expect(lines.filter((line) => (line.level as number) >= 50 && line.msg !== injected)).toEqual([]);
    expect(receiver.received.filter(({ event }) => event.type === 'document.changed' && event.document.name === name)).toEqual([]);
  });
});

describe('webhook signatures and configuration', () => {
  it('signWebhook and verifyWebhook agree; the timestamp is part of what is signed', () => {
    const body = '{"type":"document.changed"}';
    const header = signWebhook(WEBHOOK_SECRET, body, 1_700_000_000);
    expect(verifyWebhook(WEBHOOK_SECRET, header, body, { now: 1_700_000_100_000 })).toBe(true);
    expect(verifyWebhook(WEBHOOK_SECRET, header.replace('t=1700000000', 't=1700000001'), body, { now: 1_700_000_100_000 })).toBe(false);
    expect(verifyWebhook(WEBHOOK_SECRET, 'v1=abc', body)).toBe(false);
  });

  it('webhook options are checked at start, without echoing a URL that may hold a secret', () => {
    const config = (env: Record<string, string>) => () => parseConfig([], env);
    expect(config({ WEBHOOK_URLS: 'https://example.com/hook' })).toThrow(
      new ConfigError('WEBHOOK_SECRET must be set when WEBHOOK_URLS is: receivers verify each delivery with it'),
    );
    expect(config({ WEBHOOK_URLS: 'https://example.com/hook', WEBHOOK_SECRET: 'short' })).toThrow(
      /WEBHOOK_SECRET must be at least 32 characters long \(got 5\)/,
    );
    expect(config({ WEBHOOK_URLS: 'ftp://example.com/token-123', WEBHOOK_SECRET: WEBHOOK_SECRET })).toThrow(
      new ConfigError('WEBHOOK_URLS entry 1 is not an http:// or https:// URL'),
    );
    expect(config({ EMBED_ORIGINS: 'https://example.com/path' })).toThrow(/EMBED_ORIGINS entries must look like https:\/\/example.com/);
    expect(parseConfig([], { WEBHOOK_URLS: 'https://a.example/h, https://b.example/h', WEBHOOK_SECRET }).webhookUrls).toEqual([
      'https://a.example/h',
      'https://b.example/h',
    ]);
  });
});
